import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { dateInZone } from '../../domain/dates.ts';
import { enqueueReminders, MailingRefused } from '../../features/mail/mailing.ts';
import { withDb } from './common.ts';

export function register(cli: Command): void {
  cli
    .command('mail-reminders')
    .summary("queue this month's reminders to send readings (MAIL_REMINDERS=true)")
    .description(
      "Queue this month's reminders to send readings, when MAIL_REMINDERS=true and the reminder day has come; " +
        'meant to run daily from cron.',
    )
    .action(run);
}

async function run(): Promise<void> {
  const config = loadConfig();
  if (!config.mail.reminders) {
    console.log('reminders are off (MAIL_REMINDERS=false): nothing queued');
    return;
  }
  try {
    const now = new Date();
    const res = await withDb(
      config,
      (db) =>
        enqueueReminders(db.kysely, {
          today: dateInZone(now, config.timeZone),
          reminderDay: config.mail.reminderDay,
          readingsLastDay: config.readingsLastDay,
          now,
        }),
      { migrate: true },
    );
    console.log(`${res.period}: ${res.queued} reminders queued; send them with mail-worker`);
  } catch (err) {
    // Run daily from cron: outside the window there is simply nothing to do.
    if (!(err instanceof MailingRefused)) {
      throw err;
    }
    console.log(`${err.message}: nothing queued`);
  }
}
