import type { Compilable, Kysely, Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from '../../platform/db/schema.ts';
import type { Method, PreviousCharge, ReadingInput } from '../../domain/billing.ts';
import type { PriceRow } from '../../domain/tariff.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Bulk reads and writes of the monthly closing, a batch of accounts (an id range) at a time.

export interface BatchAccount {
  id: number;
  number: string;
  residents: number;
  planId: number;
  areaE2: number;
  buildingId: number | null;
}

export async function nextAccounts(db: Q, afterId: number, limit: number): Promise<BatchAccount[]> {
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'number', 'residents', 'tariff_plan_id', 'area_e2', 'building_id'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    number: r.number,
    residents: r.residents,
    planId: Number(r.tariff_plan_id),
    areaE2: r.area_e2,
    buildingId: r.building_id === null ? null : Number(r.building_id),
  }));
}

export async function countAccounts(db: Q): Promise<number> {
  const r = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface PlanRow {
  id: number;
  zones: number;
  normKwhPerResident: number;
  socialNormKwh: number | null;
  socialNormExtraKwh: number | null;
  prices: PriceRow[];
}

export async function loadPlans(db: Q): Promise<Map<number, PlanRow>> {
  const plans = await db.selectFrom('tariff_plans').selectAll().execute();
  const prices = await db.selectFrom('tariff_prices').selectAll().execute();
  return new Map(
    plans.map((p) => [
      Number(p.id),
      {
        id: Number(p.id),
        zones: p.zones,
        normKwhPerResident: p.norm_kwh_per_resident,
        socialNormKwh: p.social_norm_kwh,
        socialNormExtraKwh: p.social_norm_extra_kwh,
        prices: prices
          .filter((x) => Number(x.plan_id) === Number(p.id))
          .map((x) => ({ zone: x.zone, band: x.band, validFrom: x.valid_from, priceE5: Number(x.price_e5) })),
      },
    ]),
  );
}

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

/** Meters in service at some time during [start, end], per account; the latest installed wins. */
export async function metersInService(
  db: Q,
  fromId: number,
  toId: number,
  start: string,
  end: string,
): Promise<Map<number, BatchMeter>> {
  const rows = await db
    .selectFrom('meters')
    .select(['id', 'account_id', 'serial', 'digits', 'ratio', 'zones', 'verification_due', 'installed_on'])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('installed_on', '<=', end)
    .where((eb) => eb.or([eb('removed_on', 'is', null), eb('removed_on', '>=', start)]))
    .orderBy('account_id')
    .orderBy('installed_on')
    .execute();
  const out = new Map<number, BatchMeter>();
  for (const r of rows) {
    out.set(Number(r.account_id), {
      id: Number(r.id),
      accountId: Number(r.account_id),
      serial: r.serial,
      digits: r.digits,
      ratio: r.ratio,
      zones: r.zones,
      verificationDue: r.verification_due,
      installedOn: r.installed_on,
    });
  }
  return out;
}

export interface BatchReading extends ReadingInput {
  accountId: number;
  meterId: number;
  billingPeriod: string | null;
}

const toBatchReading = (r: {
  id: number;
  account_id: number;
  meter_id: number;
  reading_date: string;
  value1: number;
  value2: number | null;
  value3: number | null;
  billing_period: string | null;
}): BatchReading => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  meterId: Number(r.meter_id),
  date: r.reading_date,
  values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
  billingPeriod: r.billing_period,
});

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

export interface PendingRecalc {
  id: number;
  accountId: number;
  period: string;
  amountKop: number;
  kwh: number;
  reason: string;
}

/** Recalculations not yet carried by a bill. */
export async function pendingRecalculations(db: Q, fromId: number, toId: number): Promise<PendingRecalc[]> {
  const rows = await db
    .selectFrom('recalculations')
    .select(['id', 'account_id', 'period', 'amount_kop', 'kwh', 'reason'])
    .where('account_id', '>=', fromId)
    .where('account_id', '<=', toId)
    .where('applied_period', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    accountId: Number(r.account_id),
    period: r.period,
    amountKop: Number(r.amount_kop),
    kwh: Number(r.kwh),
    reason: r.reason,
  }));
}

export interface BuildingVolume {
  flatsAreaE2: number;
  totalKwh: number;
  nonresidentialKwh: number;
  unmeteredFlatsKwh: number;
  meteredFlatsKwh: number;
}

export async function buildingVolumes(db: Q, period: string): Promise<Map<number, BuildingVolume>> {
  const rows = await db
    .selectFrom('building_volumes as v')
    .innerJoin('buildings as b', 'b.id', 'v.building_id')
    .select([
      'v.building_id',
      'b.flats_area_e2',
      'v.total_kwh',
      'v.nonresidential_kwh',
      'v.unmetered_flats_kwh',
      'v.metered_flats_kwh',
    ])
    .where('v.period', '=', period)
    .execute();
  return new Map(
    rows.map((r) => [
      Number(r.building_id),
      {
        flatsAreaE2: Number(r.flats_area_e2),
        totalKwh: Number(r.total_kwh),
        nonresidentialKwh: Number(r.nonresidential_kwh),
        unmeteredFlatsKwh: Number(r.unmetered_flats_kwh),
        meteredFlatsKwh: Number(r.metered_flats_kwh),
      },
    ]),
  );
}

export interface NewCharge {
  account_id: number;
  period: string;
  billed_on: string;
  reading_id: number | null;
  reading_value: number | null;
  kwh: number;
  amount_kop: number;
  odn_kwh: number;
  odn_kop: number;
  method: string;
  payments_kop: number;
  debt_start_kop: number;
  debt_kop: number;
  tariff_e5: number;
  details: string;
  recalc_kop: number;
}

const CHARGE_INSERT_COLUMNS = [
  'account_id',
  'period',
  'billed_on',
  'reading_id',
  'reading_value',
  'kwh',
  'amount_kop',
  'odn_kwh',
  'odn_kop',
  'method',
  'payments_kop',
  'debt_start_kop',
  'debt_kop',
  'tariff_e5',
  'details',
  'recalc_kop',
] as const satisfies ReadonlyArray<keyof NewCharge>;

const INSERT_CHARGE = `insert into charges (${CHARGE_INSERT_COLUMNS.join(', ')})
  values (${CHARGE_INSERT_COLUMNS.map(() => '?').join(', ')}) on conflict (account_id, period) do nothing`;

/**
 * Inserts the batch's charges; an account already charged for the period keeps its charge.
 * On SQLite (`sqlite`, the handle under `db`) one prepared statement runs per row: Kysely's
 * SQLite dialect has this one connection, so the rows belong to the transaction `db` has open,
 * and building a 16 000-value statement costs more than running a small one 1 000 times.
 */
export async function insertCharges(db: Q, rows: NewCharge[], sqlite?: SQLite.Database): Promise<void> {
  if (sqlite) {
    const stmt = sqlite.prepare(INSERT_CHARGE);
    for (const r of rows) {
      stmt.run(CHARGE_INSERT_COLUMNS.map((c) => r[c]));
    }
    return;
  }
  // SQLite limits a statement to 32766 variables: 16 columns × 1000 rows stays well below.
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('charges')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['account_id', 'period']).doNothing())
      .execute();
  }
}

export async function markRecalculationsApplied(db: Q, ids: number[], period: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    await db
      .updateTable('recalculations')
      .set({ applied_period: period })
      .where('id', 'in', ids.slice(i, i + 1000))
      .where('applied_period', 'is', null)
      .execute();
  }
}

// ---- Billing periods

export async function periodState(
  db: Q,
  period: string,
): Promise<{ status: string; accounts: number; totalKop: number } | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select(['status', 'accounts', 'total_kop'])
    .where('period', '=', period)
    .executeTakeFirst();
  return r && { status: r.status, accounts: Number(r.accounts), totalKop: Number(r.total_kop) };
}

export async function latestClosedPeriod(db: Q): Promise<string | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select((eb) => eb.fn.max('period').as('p'))
    .where('status', '=', 'closed')
    .executeTakeFirst();
  return r?.p ?? undefined;
}

export async function startPeriod(db: Q, period: string, at: number): Promise<void> {
  await db
    .insertInto('billing_periods')
    .values({ period, status: 'closing', started_at: at })
    .onConflict((oc) => oc.column('period').doNothing())
    .execute();
}

export async function finishPeriod(
  db: Q,
  period: string,
  at: number,
): Promise<{ accounts: number; totalKop: number }> {
  const t = await db
    .selectFrom('charges')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb('amount_kop', '+', eb('odn_kop', '+', eb.ref('recalc_kop')))).as('total'),
    ])
    .where('period', '=', period)
    .executeTakeFirstOrThrow();
  const accounts = Number(t.n);
  const totalKop = Number(t.total ?? 0);
  await db
    .updateTable('billing_periods')
    .set({ status: 'closed', closed_at: at, accounts, total_kop: totalKop })
    .where('period', '=', period)
    .execute();
  return { accounts, totalKop };
}
