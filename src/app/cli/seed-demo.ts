import type { Command } from 'commander';
import { demoClosing, loadConfig } from '../config.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import { withDb } from './common.ts';

export function register(cli: Command): void {
  cli
    .command('seed-demo')
    .summary('create the demo data (reference data and account 1705057190)')
    .description(
      'Create the reference data (settlements, branches, offices, tariffs) and the demo account 1705057190, ' +
        'unless they are already there.',
    )
    .action(async () => {
      const config = loadConfig();
      await withDb(
        config,
        async (db) => {
          const created = await ensureDemoData(db, new Date(), config.timeZone, demoClosing(config));
          console.log(created ? 'demo data created' : 'demo data already present');
        },
        { migrate: true },
      );
    });
}
