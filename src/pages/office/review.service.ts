import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import type { StaffSession } from '../../features/office/staff-login.service.ts';
import { queueReviewOutcome } from '../../features/mail/office-mail.ts';
import {
  reviewReadings,
  type Decision,
  type ReviewOutcome,
} from '../../features/readings/readings.backoffice.ts';
import {
  listReadings,
  readingsUnderReview,
  type ReadingItem,
} from '../../features/readings/readings.repository.ts';
import { listReviewQueue, type QueuedReading } from '../../features/readings/review-queue.repository.ts';

// The readings review queue (issue 18): the readings the rules held, each with its account's
// recent history, decided one by one or in bulk, each decision with its reason, audited, and
// told to the customer by e-mail when subscribed. It composes readings, mail and office.

export const QUEUE_PAGE = 50;
/** How many of the account's newest readings stand beside a held one. */
export const HISTORY_ROWS = 6;
/** At most this many readings in one bulk decision (one page of the queue and some). */
export const BULK_MAX = 200;

export interface QueueItem extends QueuedReading {
  /** The account's newest readings, the held one among them, newest first. */
  history: ReadingItem[];
}

export interface QueuePage {
  items: QueueItem[];
  total: number;
  page: number;
  pages: number;
}

export async function loadQueue(db: Kysely<Database>, page: number): Promise<QueuePage> {
  const total = await readingsUnderReview(db);
  const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE));
  const current = Math.min(Math.max(1, page), pages);
  const queued = await listReviewQueue(db, { offset: (current - 1) * QUEUE_PAGE, limit: QUEUE_PAGE });
  const items = await Promise.all(
    queued.map(async (q) => ({
      ...q,
      history: await listReadings(db, q.accountId, '0000-01-01', HISTORY_ROWS),
    })),
  );
  return { items, total, page: current, pages };
}

/** One held reading with its history (the one-by-one page), or undefined when it is not held. */
export async function loadQueued(db: Kysely<Database>, id: number): Promise<QueueItem | undefined> {
  const [q] = await listReviewQueue(db, { offset: 0, limit: 1, id });
  return q && { ...q, history: await listReadings(db, q.accountId, '0000-01-01', HISTORY_ROWS) };
}

export type DecideErrors = Partial<Record<'ids' | 'decision' | 'reason', string>>;

export type DecideResult =
  | { kind: 'invalid'; errors: DecideErrors }
  | { kind: 'done'; decision: Decision; done: number; skipped: number };

export function validateDecision(input: { ids: number[]; decision: string; reason: string }): DecideErrors {
  const errors: DecideErrors = {};
  if (input.ids.length === 0) {
    errors.ids = 'Отметьте хотя бы одно показание.';
  } else if (input.ids.length > BULK_MAX) {
    errors.ids = `Не больше ${BULK_MAX} показаний за один раз.`;
  }
  if (input.decision !== 'accepted' && input.decision !== 'rejected') {
    errors.decision = 'Выберите решение: принять или отклонить.';
  }
  const reason = reasonProblem(input.reason);
  if (reason) {
    errors.reason = reason;
  }
  return errors;
}

/**
 * Applies one decision, with its reason, to the readings `ids`: each in its own transaction with
 * its audit row and, for a subscribed customer, the e-mail queued. Readings another operator has
 * decided meanwhile are skipped and counted.
 */
export async function decide(
  deps: { db: Kysely<Database>; clock: Clock },
  input: { ids: number[]; decision: string; reason: string },
  staff: StaffSession,
  ip: string,
): Promise<DecideResult> {
  const errors = validateDecision(input);
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const decision = input.decision as Decision;
  const note = input.reason.trim();
  const outcomes: ReviewOutcome[] = await reviewReadings(
    deps.db,
    [...new Set(input.ids)].map((id) => ({ id, decision, note })),
    {
      now: () => deps.clock.now(),
      operator: staff.user.login,
      staffUserId: staff.user.id,
      ip,
      afterDecision: async (tx, d) => {
        await queueReviewOutcome(tx, { accountId: d.accountId, period: d.period, now: deps.clock.now() });
      },
    },
  );
  const done = outcomes.filter((o) => o.result === 'done').length;
  return { kind: 'done', decision, done, skipped: outcomes.length - done };
}
