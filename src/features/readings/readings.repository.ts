import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, ReadingsTable } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Every query takes the customer's account id and filters by it.

export interface ReadingItem {
  id: number;
  meterId: number;
  readingDate: string;
  values: number[];
  channel: string;
  status: string;
  reason: string | null;
  billingPeriod: string | null;
  /** Why the back office accepted or rejected it (the review queue); null otherwise. */
  reviewReason: string | null;
}

type ReadingRow = Pick<
  Selectable<ReadingsTable>,
  | 'id'
  | 'meter_id'
  | 'reading_date'
  | 'value1'
  | 'value2'
  | 'value3'
  | 'channel'
  | 'status'
  | 'reason'
  | 'billing_period'
  | 'review_reason'
>;

function toReading(r: ReadingRow): ReadingItem {
  const values = [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number);
  return {
    id: Number(r.id),
    meterId: Number(r.meter_id),
    readingDate: r.reading_date,
    values,
    channel: r.channel,
    status: r.status,
    reason: r.reason,
    billingPeriod: r.billing_period,
    reviewReason: r.review_reason,
  };
}

const READING_COLUMNS = [
  'id',
  'meter_id',
  'reading_date',
  'value1',
  'value2',
  'value3',
  'channel',
  'status',
  'reason',
  'billing_period',
  'review_reason',
] as const;

/**
 * The account's readings from `fromDate` on, newest first (the main page's history); at most
 * `limit` of them when given.
 */
export async function listReadings(
  db: Q,
  accountId: number,
  fromDate: string,
  limit?: number,
): Promise<ReadingItem[]> {
  let q = db
    .selectFrom('readings')
    .select(READING_COLUMNS)
    .where('account_id', '=', accountId)
    .where('reading_date', '>=', fromDate)
    .orderBy('reading_date', 'desc')
    .orderBy('id', 'desc');
  if (limit !== undefined) {
    q = q.limit(limit);
  }
  return (await q.execute()).map(toReading);
}

/** The meter in service. */
export interface MeterInfo {
  id: number;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  verificationDue: string;
  installedOn: string;
}

/** The meter in service (not removed), the most recently installed one if several. */
export async function findActiveMeter(db: Q, accountId: number): Promise<MeterInfo | undefined> {
  const r = await db
    .selectFrom('meters')
    .select(['id', 'serial', 'digits', 'zones', 'ratio', 'verification_due', 'installed_on'])
    .where('account_id', '=', accountId)
    .where('removed_on', 'is', null)
    .orderBy('installed_on', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      serial: r.serial,
      digits: r.digits,
      zones: r.zones,
      ratio: r.ratio,
      verificationDue: r.verification_due,
      installedOn: r.installed_on,
    }
  );
}

export async function findReading(
  db: Q,
  accountId: number,
  readingId: number,
): Promise<ReadingItem | undefined> {
  const r = await db
    .selectFrom('readings')
    .select(READING_COLUMNS)
    .where('account_id', '=', accountId)
    .where('id', '=', readingId)
    .executeTakeFirst();
  return r && toReading(r);
}

export async function latestAcceptedReading(
  db: Q,
  accountId: number,
  meterId: number,
): Promise<ReadingItem | undefined> {
  const r = await db
    .selectFrom('readings')
    .select(READING_COLUMNS)
    .where('account_id', '=', accountId)
    .where('meter_id', '=', meterId)
    .where('status', '=', 'accepted')
    .orderBy('reading_date', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && toReading(r);
}

export interface MeterForReading {
  id: number;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  removedOn: string | null;
}

export async function findMeter(
  db: Q,
  accountId: number,
  meterId: number,
): Promise<MeterForReading | undefined> {
  const r = await db
    .selectFrom('meters')
    .select(['id', 'serial', 'digits', 'zones', 'ratio', 'removed_on'])
    .where('account_id', '=', accountId)
    .where('id', '=', meterId)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      serial: r.serial,
      digits: r.digits,
      zones: r.zones,
      ratio: r.ratio,
      removedOn: r.removed_on,
    }
  );
}

export async function findBySubmissionKey(
  db: Q,
  accountId: number,
  key: string,
): Promise<ReadingItem | undefined> {
  const r = await db
    .selectFrom('readings')
    .select(READING_COLUMNS)
    .where('account_id', '=', accountId)
    .where('submission_key', '=', key)
    .executeTakeFirst();
  return r && toReading(r);
}

export interface NewReading {
  accountId: number;
  meterId: number;
  readingDate: string;
  values: number[];
  channel: string;
  status: 'accepted' | 'review' | 'rejected';
  reason: string | null;
  submittedAt: number;
  submittedIp: string | null;
  submissionKey: string | null;
  billingPeriod: string | null;
}

export async function insertReading(db: Q, r: NewReading): Promise<number> {
  const row = await db
    .insertInto('readings')
    .values({
      account_id: r.accountId,
      meter_id: r.meterId,
      reading_date: r.readingDate,
      value1: r.values[0]!,
      value2: r.values[1] ?? null,
      value3: r.values[2] ?? null,
      channel: r.channel,
      status: r.status,
      reason: r.reason,
      submitted_at: r.submittedAt,
      submitted_ip: r.submittedIp,
      submission_key: r.submissionKey,
      billing_period: r.billingPeriod,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

// ---- Back office: the specialists' export and review, across accounts (never reachable from a customer route).

export interface ExportedReading {
  id: number;
  account: string;
  meter: string;
  zones: number;
  values: number[];
  date: string;
  channel: string;
  status: string;
  reason: string | null;
  billingPeriod: string | null;
  submittedAt: number;
}

/** Readings dated within [from, to], optionally of some channels only, in date order, in pages. */
export async function listForExport(
  db: Q,
  range: { from: string; to: string; channels?: string[]; afterId?: number; limit: number },
): Promise<ExportedReading[]> {
  let q = db
    .selectFrom('readings')
    .innerJoin('accounts', 'accounts.id', 'readings.account_id')
    .innerJoin('meters', 'meters.id', 'readings.meter_id')
    .select([
      'readings.id',
      'accounts.number',
      'meters.serial',
      'meters.zones',
      'readings.value1',
      'readings.value2',
      'readings.value3',
      'readings.reading_date',
      'readings.channel',
      'readings.status',
      'readings.reason',
      'readings.billing_period',
      'readings.submitted_at',
    ])
    .where('readings.reading_date', '>=', range.from)
    .where('readings.reading_date', '<=', range.to)
    .where('readings.id', '>', range.afterId ?? 0)
    .orderBy('readings.id')
    .limit(range.limit);
  if (range.channels?.length) {
    q = q.where('readings.channel', 'in', range.channels);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    account: r.number,
    meter: r.serial,
    zones: r.zones,
    values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
    date: r.reading_date,
    channel: r.channel,
    status: r.status,
    reason: r.reason,
    billingPeriod: r.billing_period,
    submittedAt: Number(r.submitted_at),
  }));
}

export interface ReviewTarget {
  id: number;
  accountId: number;
  account: string;
  status: string;
  reason: string | null;
  readingDate: string;
  billingPeriod: string | null;
}

export async function findForReview(db: Q, id: number): Promise<ReviewTarget | undefined> {
  const r = await db
    .selectFrom('readings')
    .innerJoin('accounts', 'accounts.id', 'readings.account_id')
    .select([
      'readings.id',
      'readings.account_id',
      'accounts.number',
      'readings.status',
      'readings.reason',
      'readings.reading_date',
      'readings.billing_period',
    ])
    .where('readings.id', '=', id)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      accountId: Number(r.account_id),
      account: r.number,
      status: r.status,
      reason: r.reason,
      readingDate: r.reading_date,
      billingPeriod: r.billing_period,
    }
  );
}

/** Who decided a held reading, when and why (null reviewer: the command line). */
export interface Review {
  status: 'accepted' | 'rejected';
  reviewedBy: number | null;
  reviewedAt: number;
  reason: string | null;
}

/** Sets the status only if it is still `review`, with who decided it; returns whether it changed. */
export async function decideReview(db: Q, id: number, review: Review): Promise<boolean> {
  const res = await db
    .updateTable('readings')
    .set({
      status: review.status,
      reviewed_by: review.reviewedBy,
      reviewed_at: review.reviewedAt,
      review_reason: review.reason,
    })
    .where('id', '=', id)
    .where('status', '=', 'review')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The readings the rules held for review (indexed by readings_review): the back office counts them. */
export async function readingsUnderReview(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'review')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A reading as the back office sees it: where it came from, its status and the rules' reason. */
export interface StaffReadingRow {
  id: number;
  meterSerial: string;
  readingDate: string;
  values: number[];
  channel: string;
  status: string;
  reason: string | null;
  submittedAt: number;
  submittedIp: string | null;
  billingPeriod: string | null;
}

/** The account's newest readings of every status, newest first (the back office's account card). */
export async function readingsForStaff(db: Q, accountId: number, limit: number): Promise<StaffReadingRow[]> {
  const rows = await db
    .selectFrom('readings as r')
    .innerJoin('meters as m', 'm.id', 'r.meter_id')
    .select([
      'r.id',
      'm.serial',
      'r.reading_date',
      'r.value1',
      'r.value2',
      'r.value3',
      'r.channel',
      'r.status',
      'r.reason',
      'r.submitted_at',
      'r.submitted_ip',
      'r.billing_period',
    ])
    .where('r.account_id', '=', accountId)
    .orderBy('r.reading_date', 'desc')
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    meterSerial: r.serial,
    readingDate: r.reading_date,
    values: [r.value1, r.value2, r.value3].filter((v) => v !== null).map(Number),
    channel: r.channel,
    status: r.status,
    reason: r.reason,
    submittedAt: Number(r.submitted_at),
    submittedIp: r.submitted_ip,
    billingPeriod: r.billing_period,
  }));
}
