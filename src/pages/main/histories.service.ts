import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { periodTitle } from '../../domain/dates.ts';
import { explainCharge, parseChargeDetails } from '../../domain/explain.ts';
import { zonesFor, type Zone } from '../../domain/tariff.ts';
import { listCharges, type ChargeItem } from '../../features/billing/charges.repository.ts';
import { listPayments, type PaymentItem } from '../../features/payments/payments.repository.ts';
import { CHANNEL_TITLES, STATUS_TITLES } from '../../features/readings/reading-titles.ts';
import {
  findActiveMeter,
  listReadings,
  type ReadingItem,
} from '../../features/readings/readings.repository.ts';

/**
 * The customer's histories: payments, readings and charges of the current and the previous
 * calendar year, newest first. The main page shows the newest `MAIN_PAGE_ROWS` of each; the
 * whole of each is one link away («Показать все», GET /cabinet/history/<kind>).
 */
export const MAIN_PAGE_ROWS = 6;

export const HISTORY_KINDS = ['payments', 'readings', 'charges'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface ReadingRow {
  date: string;
  values: number[];
  channel: string;
  status: string;
  statusCode: string;
}

export interface ChargeRow {
  period: string;
  title: string;
  billedOn: string;
  readingValue: number | null;
  odnKop: number;
  debtKop: number;
  method: string;
  /** "Как рассчитано": the formula with the customer's numbers, line by line. */
  explanation: string[];
}

/** A whole history, for its own page. */
export type HistoryModel =
  | { kind: 'payments'; rows: PaymentItem[] }
  | { kind: 'readings'; rows: ReadingRow[]; zones: Zone[] }
  | { kind: 'charges'; rows: ChargeRow[] };

/** The first day the histories cover: 1 January of the year before `today`'s. */
export function historyStart(today: string): string {
  return `${Number(today.slice(0, 4)) - 1}-01-01`;
}

export function readingRows(readings: ReadingItem[]): ReadingRow[] {
  return readings.map((r) => ({
    date: r.readingDate,
    values: r.values,
    channel: CHANNEL_TITLES[r.channel] ?? r.channel,
    // A rejected reading says why, in the reviewer's words.
    status:
      (STATUS_TITLES[r.status] ?? r.status) +
      (r.status === 'rejected' && r.reviewReason ? `: ${r.reviewReason}` : ''),
    statusCode: r.status,
  }));
}

/** The rows of the charges' history, in the order given, each with "Как рассчитано". */
export function chargeRows(charges: ChargeItem[]): ChargeRow[] {
  return charges.map((c) => ({
    period: c.period,
    title: periodTitle(c.period),
    billedOn: c.billedOn,
    readingValue: c.readingValue,
    odnKop: c.odnKop,
    debtKop: c.debtKop,
    method: c.method,
    explanation: explainCharge({ ...c, details: parseChargeDetails(c.details) }),
  }));
}

/** One of the customer's histories, whole (current and previous year), newest first. */
export async function loadHistory(
  db: Kysely<Database>,
  accountId: number,
  today: string,
  kind: HistoryKind,
): Promise<HistoryModel> {
  const from = historyStart(today);
  switch (kind) {
    case 'payments':
      return { kind, rows: await listPayments(db, accountId, from) };
    case 'readings': {
      const [meter, readings] = await Promise.all([
        findActiveMeter(db, accountId),
        listReadings(db, accountId, from),
      ]);
      return { kind, rows: readingRows(readings), zones: zonesFor(meter?.zones ?? 1) };
    }
    case 'charges':
      return { kind, rows: chargeRows((await listCharges(db, accountId, from.slice(0, 7))).reverse()) };
  }
}
