import type { Kysely, Transaction } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { isIsoDate } from '../../domain/dates.ts';
import { zonesFor } from '../../domain/tariff.ts';
import * as repo from './readings.repository.ts';

// The specialists' side: readings "передается специалистам для дальнейшей обработки".

export type ExportFormat = 'csv' | 'json';

export const EXPORT_COLUMNS = [
  'id',
  'account',
  'meter',
  'zone1',
  'zone2',
  'zone3',
  'zones',
  'date',
  'channel',
  'status',
  'reason',
  'billing_period',
  'submitted_at',
] as const;

export interface ExportOptions {
  from: string;
  to: string;
  format: ExportFormat;
  channels?: string[];
}

const PAGE = 5000;

/**
 * Writes the readings dated within [from, to] as CSV (UTF-8 with a BOM, so that spreadsheets
 * read the Cyrillic right) or as a JSON array, page by page; returns the number written.
 */
export async function exportReadings(
  db: Kysely<Database>,
  opts: ExportOptions,
  write: (chunk: string) => void | Promise<void>,
): Promise<number> {
  if (!isIsoDate(opts.from) || !isIsoDate(opts.to)) {
    throw new RangeError('dates are YYYY-MM-DD');
  }
  if (opts.from > opts.to) {
    throw new RangeError('--from is after --to');
  }
  let afterId = 0;
  let n = 0;
  await write(opts.format === 'csv' ? '\ufeff' + stringify([[...EXPORT_COLUMNS]]) : '[');
  for (;;) {
    const rows = await repo.listForExport(db, {
      from: opts.from,
      to: opts.to,
      channels: opts.channels,
      afterId,
      limit: PAGE,
    });
    if (rows.length === 0) {
      break;
    }
    const records = rows.map((r) => ({
      id: r.id,
      account: r.account,
      meter: r.meter,
      zone1: r.values[0] ?? null,
      zone2: r.values[1] ?? null,
      zone3: r.values[2] ?? null,
      zones: zonesFor(r.zones).join('/'),
      date: r.date,
      channel: r.channel,
      status: r.status,
      reason: r.reason,
      billing_period: r.billingPeriod,
      submitted_at: new Date(r.submittedAt).toISOString(),
    }));
    if (opts.format === 'csv') {
      await write(stringify(records.map((r) => EXPORT_COLUMNS.map((c) => r[c] ?? ''))));
    } else {
      await write(records.map((r, i) => (n + i === 0 ? '\n' : ',\n') + JSON.stringify(r)).join(''));
    }
    n += rows.length;
    afterId = rows[rows.length - 1]!.id;
  }
  if (opts.format === 'json') {
    await write(n === 0 ? ']\n' : '\n]\n');
  }
  return n;
}

export type Decision = 'accepted' | 'rejected';

export interface ReviewDecision {
  id: number;
  decision: Decision;
  note?: string;
}

export type ReviewOutcome = {
  id: number;
  result: 'done' | 'not_found' | 'not_under_review';
  decision: Decision;
};

const DECISION_WORDS: Record<string, Decision> = {
  accept: 'accepted',
  accepted: 'accepted',
  принять: 'accepted',
  принято: 'accepted',
  reject: 'rejected',
  rejected: 'rejected',
  отклонить: 'rejected',
  отклонено: 'rejected',
};

/** Reads decisions from CSV text with a header: id,decision[,note]. Throws with the line number on bad rows. */
export function parseDecisionsCsv(text: string): ReviewDecision[] {
  const rows = parse<Record<string, string>>(text, {
    columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
    bom: true,
    skip_empty_lines: true,
    trim: true,
  });
  return rows.map((row, i) => {
    const id = Number(row.id);
    const decision = DECISION_WORDS[(row.decision ?? '').toLowerCase()];
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new Error(`line ${i + 2}: "${row.id}" is not a reading id`);
    }
    if (!decision) {
      throw new Error(`line ${i + 2}: decision "${row.decision}" must be accepted or rejected`);
    }
    return { id, decision, ...(row.note ? { note: row.note } : {}) };
  });
}

/** A decision just applied, for what the caller does in the same transaction (the e-mail). */
export interface DecidedReading {
  id: number;
  accountId: number;
  account: string;
  decision: Decision;
  /** The billing month it counts in (its date's month when none was recorded). */
  period: string;
}

export interface ReviewContext {
  now: () => Date;
  /** Who decided: the staff member's login, or the operating system's user for the CLI. */
  operator: string;
  /** The staff user (the back office); absent for the CLI. */
  staffUserId?: number;
  ip?: string;
  /** Runs in each decision's transaction, after it (the review queue queues the customer's e-mail). */
  afterDecision?: (tx: Transaction<Database>, d: DecidedReading) => Promise<void>;
}

/**
 * Applies the decisions to readings under review, each in its own transaction with its audit
 * event (who, when, before and after) and the reviewer kept on the reading.
 */
export async function reviewReadings(
  db: Kysely<Database>,
  decisions: ReviewDecision[],
  ctx: ReviewContext,
): Promise<ReviewOutcome[]> {
  const out: ReviewOutcome[] = [];
  for (const d of decisions) {
    const result = await db.transaction().execute(async (tx) => {
      const r = await repo.findForReview(tx, d.id);
      if (!r) {
        return 'not_found' as const;
      }
      const now = ctx.now();
      const note = d.note ? d.note.slice(0, 500) : null;
      const decided = await repo.decideReview(tx, d.id, {
        status: d.decision,
        reviewedBy: ctx.staffUserId ?? null,
        reviewedAt: now.getTime(),
        reason: note,
      });
      if (!decided) {
        return 'not_under_review' as const;
      }
      await recordAudit(tx, now, {
        event: 'reading_review',
        outcome: d.decision,
        accountNumber: r.account,
        ip: ctx.ip ?? null,
        staffUserId: ctx.staffUserId ?? null,
        details: {
          readingId: d.id,
          operator: ctx.operator,
          ...(note ? { note } : {}),
          before: { status: r.status, heldFor: r.reason },
          after: { status: d.decision, reviewReason: note },
        },
      });
      await ctx.afterDecision?.(tx, {
        id: r.id,
        accountId: r.accountId,
        account: r.account,
        decision: d.decision,
        period: r.billingPeriod ?? r.readingDate.slice(0, 7),
      });
      return 'done' as const;
    });
    out.push({ id: d.id, result, decision: d.decision });
  }
  return out;
}
