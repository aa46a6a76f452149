import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { enqueueBillMailing } from '../../features/mail/mailing.ts';
import { period, withDb } from './common.ts';

export function register(cli: Command): void {
  cli
    .command('mail-enqueue')
    .summary('queue the bill e-mails of a closed month')
    .description(
      'Queue one bill e-mail per account with a confirmed, subscribed address for a closed month; ' +
        'send them with mail-worker.',
    )
    .argument('[period]', 'the closed period, YYYY-MM (default: the last closed one)', period)
    .action(async (given: string | undefined) => {
      const config = loadConfig();
      const res = await withDb(
        config,
        (db) => enqueueBillMailing(db.kysely, { ...(given ? { period: given } : {}), now: new Date() }),
        { migrate: true },
      );
      console.log(`${res.period}: ${res.queued} bill e-mails queued; send them with mail-worker`);
    });
}
