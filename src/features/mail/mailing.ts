import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { isPeriod, periodOf } from '../../domain/dates.ts';
import { dayOfPeriod } from '../../domain/schedule.ts';
import { latestClosedPeriod, periodState } from '../billing/billing.repository.ts';
import { awaitsConfirmation } from '../billing/closing-job.ts';
import * as repo from './mailing.repository.ts';
import { Refused } from '../../platform/refused.ts';

/** The back office's side of the mailing: what to queue, and how far it got. */

export class MailingRefused extends Refused {}

/**
 * Queues one bill message per account with a confirmed, subscribed address and a charge in the
 * closed `period` (default: the last closed one). Run again, it queues only those who confirmed
 * since: the outbox has one row per (account, period, kind). Refused while the summary of a
 * closing started from the back office waits for the accountant's confirmation.
 */
export async function enqueueBillMailing(
  db: Kysely<Database>,
  o: { period?: string; now: Date },
): Promise<{ period: string; queued: number }> {
  const period = o.period ?? (await latestClosedPeriod(db));
  if (period === undefined) {
    throw new MailingRefused('no billing period is closed yet: run close-month first');
  }
  if (!isPeriod(period)) {
    throw new MailingRefused(`"${period}" is not a period (YYYY-MM)`);
  }
  const state = await periodState(db, period);
  if (state?.status !== 'closed') {
    throw new MailingRefused(
      `${period} is not closed: bills are mailed only for a closed month (close-month ${period})`,
    );
  }
  // A closing started from the back office is mailed once an accountant confirmed its summary
  // (/office/closing); one run by the CLI's close-month has no such step.
  if (await awaitsConfirmation(db, period)) {
    throw new MailingRefused(
      `the summary of ${period}'s closing awaits an accountant's confirmation at /office/closing`,
    );
  }
  const queued = await repo.enqueueBills(db, period, o.now.getTime());
  return { period, queued };
}

/** The last day of `period` on which a reading still counts for it. */
export function readingsLastDate(period: string, readingsLastDay: number): string {
  return dayOfPeriod(period, readingsLastDay);
}

/**
 * Queues this month's reminder for subscribed customers with a meter and no reading yet, while
 * the readings window is open (from MAIL_REMINDER_DAY to READINGS_LAST_DAY).
 */
export async function enqueueReminders(
  db: Kysely<Database>,
  o: { today: string; reminderDay: number; readingsLastDay: number; now: Date },
): Promise<{ period: string; queued: number }> {
  const period = periodOf(o.today);
  const day = Number(o.today.slice(8, 10));
  const lastDate = readingsLastDate(period, o.readingsLastDay);
  if (day < o.reminderDay || o.today > lastDate) {
    throw new MailingRefused(
      `the readings window of ${period} is not open today (${o.today}): reminders go from day ${o.reminderDay} to ${lastDate}`,
    );
  }
  const queued = await repo.enqueueReminders(db, period, lastDate, o.now.getTime());
  return { period, queued };
}

export interface MailingProgress {
  period: string;
  kind: 'bill' | 'reminder';
  total: number;
  counts: Record<repo.OutboxStatus, number>;
  /** Finished for good: sent, failed, cancelled or bounced. */
  done: number;
  failures: Array<{ account: string; error: string }>;
}

export async function mailingProgress(
  db: Kysely<Database>,
  o: { period?: string; kind: 'bill' | 'reminder' },
): Promise<MailingProgress | undefined> {
  const period = o.period ?? (await repo.latestOutboxPeriod(db, o.kind));
  if (period === undefined) {
    return undefined;
  }
  if (!isPeriod(period)) {
    throw new MailingRefused(`"${period}" is not a period (YYYY-MM)`);
  }
  const counts = await repo.progress(db, period, o.kind);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const failures = counts.failed > 0 ? await repo.recentErrors(db, period, o.kind, 5) : [];
  return {
    period,
    kind: o.kind,
    total,
    counts,
    done: counts.sent + counts.failed + counts.cancelled + counts.bounced,
    failures,
  };
}

/** "[██████░░░░░░] 50% 500/1000" */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const full = Math.round(ratio * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${Math.floor(ratio * 100)}% ${done}/${total}`;
}

/** The bill mailing of each of the latest `limit` periods, newest first (the back office's mailing page). */
export function billMailings(db: Kysely<Database>, limit: number) {
  return repo.periodsWithMail(db, 'bill', limit);
}

/**
 * The bills of `period` that could not be sent, queued again (an accountant's action, after the
 * cause was mended: the SMTP server, our sender). Bounced bills are not: the recipient's server
 * refused the address, and it gets bills again once its owner confirms an address. Returns how many.
 */
export async function retryFailedBills(db: Kysely<Database>, period: string, now: Date): Promise<number> {
  if (!isPeriod(period)) {
    throw new MailingRefused(`"${period}" is not a period (YYYY-MM)`);
  }
  return repo.requeueFailed(db, period, 'bill', now.getTime());
}
