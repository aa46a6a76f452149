import type { Compilable, Kysely, Selectable, Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database, ReadingsTable } from '../../platform/db/schema.ts';
import type { Method, PreviousCharge, ReadingInput } from '../../domain/billing.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The bulk reads of the monthly closing, a batch of accounts (an id range) at a time.

export interface BatchMeter {
  id: number;
  accountId: number;
  serial: string;
  digits: number;
  ratio: number;
  zones: number;
  verificationDue: string;
  installedOn: string;
}

export interface BatchMeters {
  /** The meter in service at some time during the period, per account; the latest installed wins. */
  inService: Map<number, BatchMeter>;
  /** The meter that the one in service replaced (the latest removed by its installation), per account. */
  replaced: Map<number, BatchMeter>;
}

/** The accounts' meters in service during [start, end], and those they replaced. */
export async function metersInService(
  db: Q,
  fromId: number,
  toId: number,
  start: string,
  end: string,
): Promise<BatchMeters> {
  const rows = await db
    .selectFrom('meters')
    .select([
      'id',
      'account_id',
      'serial',
      'digits',
      'ratio',
      'zones',
      'verification_due',
      'installed_on',
      'removed_on',
    ])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('installed_on', '<=', end)
    .orderBy('account_id')
    .orderBy('installed_on')
    .orderBy('id')
    .execute();
  const byAccount = new Map<number, typeof rows>();
  for (const r of rows) {
    const list = byAccount.get(Number(r.account_id)) ?? [];
    list.push(r);
    byAccount.set(Number(r.account_id), list);
  }
  const out: BatchMeters = { inService: new Map(), replaced: new Map() };
  for (const [accountId, list] of byAccount) {
    const current = list.findLast((m) => m.removed_on === null || m.removed_on >= start);
    if (!current) {
      continue;
    }
    out.inService.set(accountId, toBatchMeter(current));
    const old = list
      .filter((m) => m !== current && m.removed_on !== null && m.removed_on <= current.installed_on)
      .sort((a, b) =>
        a.removed_on! < b.removed_on! ? -1 : a.removed_on! > b.removed_on! ? 1 : Number(a.id) - Number(b.id),
      )
      .at(-1);
    if (old) {
      out.replaced.set(accountId, toBatchMeter(old));
    }
  }
  return out;
}

function toBatchMeter(r: {
  id: number;
  account_id: number;
  serial: string;
  digits: number;
  ratio: number;
  zones: number;
  verification_due: string;
  installed_on: string;
}): BatchMeter {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    serial: r.serial,
    digits: r.digits,
    ratio: r.ratio,
    zones: r.zones,
    verificationDue: r.verification_due,
    installedOn: r.installed_on,
  };
}

/** Every accepted reading of the given meters, oldest first (by date, then id), by meter id. */
export async function readingsOfMeters(db: Q, meterIds: number[]): Promise<Map<number, BatchReading[]>> {
  const out = new Map<number, BatchReading[]>();
  if (meterIds.length === 0) {
    return out;
  }
  const rows = await db
    .selectFrom('readings')
    .select(READING_COLS)
    .where('meter_id', 'in', meterIds)
    .where('status', '=', 'accepted')
    .orderBy('reading_date')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const b = toBatchReading(r);
    const list = out.get(b.meterId) ?? [];
    list.push(b);
    out.set(b.meterId, list);
  }
  return out;
}

export interface BatchReading extends ReadingInput {
  accountId: number;
  meterId: number;
  billingPeriod: string | null;
}

const READING_COLS = [
  'id',
  'account_id',
  'meter_id',
  'reading_date',
  'value1',
  'value2',
  'value3',
  'billing_period',
] as const;

type ReadingRow = Pick<Selectable<ReadingsTable>, (typeof READING_COLS)[number]>;

const toBatchReading = (r: ReadingRow): BatchReading => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  meterId: Number(r.meter_id),
  date: r.reading_date,
  values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
  billingPeriod: r.billing_period,
});

/**
 * The rows of a batch query as arrays, in its select order. On SQLite (`sqlite`, the handle
 * under `db`, whose one connection runs `db`'s transaction) they come from a raw-mode statement:
 * tens of thousands of rows per batch cost much less as arrays than as objects.
 */
async function arrays(db: Q, query: Compilable, sqlite: SQLite.Database | undefined): Promise<unknown[][]> {
  const c = query.compile();
  if (sqlite) {
    return sqlite
      .prepare(c.sql)
      .raw(true)
      .all(...c.parameters) as unknown[][];
  }
  const res = await db.executeQuery(c);
  return res.rows.map((r): unknown[] => Object.values(r as Record<string, unknown>));
}

/** Accepted readings dated from `fromDate` on, oldest first. */
export async function acceptedReadings(
  db: Q,
  fromId: number,
  toId: number,
  fromDate: string,
  sqlite?: SQLite.Database,
): Promise<BatchReading[]> {
  const query = db
    .selectFrom('readings')
    .select(READING_COLS)
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('reading_date', '>=', fromDate)
    .where('status', '=', 'accepted')
    .orderBy('account_id')
    .orderBy('reading_date')
    .orderBy('id');
  // The columns of READING_COLS, in order.
  return (await arrays(db, query, sqlite)).map(([id, accountId, meterId, date, v1, v2, v3, billingPeriod]) =>
    toBatchReading({
      id: id as number,
      account_id: accountId as number,
      meter_id: meterId as number,
      reading_date: date as string,
      value1: v1 as number,
      value2: v2 as number | null,
      value3: v3 as number | null,
      billing_period: billingPeriod as string | null,
    }),
  );
}

/**
 * Each account's latest accepted reading dated before `beforeDate` (the batch's history window),
 * found by one index seek per account. The average (п.59) spans at least six months back from the
 * latest reading; with readings months apart, the one it starts from can lie before the window.
 */
export async function lastReadingsBefore(
  db: Q,
  fromId: number,
  toId: number,
  beforeDate: string,
): Promise<BatchReading[]> {
  const rows = await db
    .selectFrom('readings')
    .select(READING_COLS)
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('accounts as a')
        .select((e) =>
          e
            .selectFrom('readings as r')
            .select('r.id')
            .whereRef('r.account_id', '=', 'a.id')
            .where('r.reading_date', '<', beforeDate)
            .where('r.status', '=', 'accepted')
            .orderBy('r.reading_date', 'desc')
            .orderBy('r.id', 'desc')
            .limit(1)
            .as('id'),
        )
        .where('a.id', '>=', fromId)
        .where('a.id', '<=', toId),
    )
    .execute();
  return rows.map(toBatchReading);
}

export async function readingsById(db: Q, ids: number[]): Promise<BatchReading[]> {
  if (ids.length === 0) {
    return [];
  }
  const rows = await db.selectFrom('readings').select(READING_COLS).where('id', 'in', ids).execute();
  return rows.map(toBatchReading);
}

export interface BatchCharge extends PreviousCharge {
  accountId: number;
  debtKop: number;
}

/**
 * Charges of the periods [fromPeriod, throughPeriod], newest first per account. Only charges by
 * the average carry their kWh per zone (parsed from the details, which the other methods'
 * settlement never reads); the others give their total as one figure.
 */
export async function recentCharges(
  db: Q,
  fromId: number,
  toId: number,
  fromPeriod: string,
  throughPeriod: string,
  sqlite?: SQLite.Database,
): Promise<BatchCharge[]> {
  const query = db
    .selectFrom('charges')
    .select((eb) => [
      'account_id',
      'period',
      'method',
      'reading_id',
      'kwh',
      'debt_kop',
      eb.case().when('method', '=', 'average').then(eb.ref('details')).else(null).end().as('details'),
    ])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('period', '>=', fromPeriod)
    .where('period', '<=', throughPeriod)
    .orderBy('account_id')
    .orderBy('period', 'desc');
  return (await arrays(db, query, sqlite)).map(
    ([accountId, period, method, readingId, kwh, debtKop, details]) => ({
      accountId: Number(accountId),
      period: period as string,
      method: method as Method,
      readingId: readingId === null ? null : Number(readingId),
      zoneKwh: zoneKwhOf(details as string | null, Number(kwh)),
      debtKop: Number(debtKop),
    }),
  );
}

/**
 * For accounts whose recent charges hold none based on a reading: their charges before
 * `beforePeriod` back to (and with) the latest one based on a reading, newest first per account.
 * A run of estimates can outlast the recent periods (the average's six, then the norm for as long
 * as no reading comes); the charge that ended the last run of readings is the baseline of the next
 * reading, and the averages since it are settled by it.
 */
export async function chargesSinceLastReading(
  db: Q,
  accountIds: number[],
  beforePeriod: string,
): Promise<BatchCharge[]> {
  if (accountIds.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('charges as c')
    .select((eb) => [
      'c.account_id',
      'c.period',
      'c.method',
      'c.reading_id',
      'c.kwh',
      'c.debt_kop',
      eb.case().when('c.method', '=', 'average').then(eb.ref('c.details')).else(null).end().as('details'),
    ])
    .where('c.account_id', 'in', accountIds)
    .where('c.period', '<', beforePeriod)
    .where((eb) =>
      eb(
        'c.period',
        '>=',
        eb.fn.coalesce(
          eb
            .selectFrom('charges as d')
            .select((e) => e.fn.max('d.period').as('p'))
            .whereRef('d.account_id', '=', 'c.account_id')
            .where('d.period', '<', beforePeriod)
            .where('d.reading_id', 'is not', null),
          eb.val(''),
        ),
      ),
    )
    .orderBy('c.account_id')
    .orderBy('c.period', 'desc')
    .execute();
  return rows.map((r) => ({
    accountId: Number(r.account_id),
    period: r.period,
    method: r.method as Method,
    readingId: r.reading_id === null ? null : Number(r.reading_id),
    zoneKwh: zoneKwhOf(r.details, Number(r.kwh)),
    debtKop: Number(r.debt_kop),
  }));
}

/** kWh per zone from a charge's details; charges without them count all kWh in the first zone. */
function zoneKwhOf(details: string | null, kwh: number): number[] {
  if (details) {
    try {
      const d = JSON.parse(details) as { zones?: Array<{ kwh?: unknown }> };
      if (Array.isArray(d.zones)) {
        return d.zones.map((z) => (typeof z.kwh === 'number' ? z.kwh : 0));
      }
    } catch {
      // fall through
    }
  }
  return [kwh];
}

/** The debt at the end of each account's latest charge before `beforePeriod` (for accounts with a gap). */
export async function lastDebts(
  db: Q,
  accountIds: number[],
  beforePeriod: string,
): Promise<Map<number, number>> {
  if (accountIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('charges as c')
    .select(['c.account_id', 'c.debt_kop'])
    .where('c.account_id', 'in', accountIds)
    .where('c.period', '=', (eb) =>
      eb
        .selectFrom('charges as d')
        .select((e) => e.fn.max('d.period').as('p'))
        .whereRef('d.account_id', '=', 'c.account_id')
        .where('d.period', '<', beforePeriod),
    )
    .execute();
  return new Map(rows.map((r) => [Number(r.account_id), Number(r.debt_kop)]));
}

export async function paymentsIn(
  db: Q,
  fromId: number,
  toId: number,
  start: string,
  end: string,
): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('payments')
    .select(['account_id', (eb) => eb.fn.sum<number>('amount_kop').as('total')])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('paid_on', '>=', start)
    .where('paid_on', '<=', end)
    .groupBy('account_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.account_id), Number(r.total)]));
}
