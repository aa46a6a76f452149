import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { withDb } from './common.ts';

export function register(cli: Command): void {
  cli
    .command('migrate')
    .summary('apply the database migrations')
    .description(
      'Apply the database migrations (the server also applies them at every start); exits non-zero on failure. ' +
        'On a large database some migrations build indexes over whole tables: run it before starting the upgraded portal.',
    )
    .action(async () => {
      const config = loadConfig();
      await withDb(config, async (db) => {
        const res = await migrateToLatest(db);
        const applied = res.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
      });
    });
}
