import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, TariffPlansTable, TariffPricesTable } from '../../platform/db/schema.ts';
import type { PlanInput } from '../../domain/billing.ts';

type Q = Kysely<Database> | Transaction<Database>;

// A closing run: the state of its period, the accounts it walks a batch at a time, and what every
// batch shares (the tariff plans, the buildings' volumes). The batches' own reads are in
// close-batch.repository.ts, their writes in charge-writes.repository.ts.

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

/** The periods whose closing is under way (or was interrupted), and when the oldest began (ms). */
export async function closingPeriods(db: Q): Promise<{ count: number; oldestStartedAt: number | null }> {
  const r = await db
    .selectFrom('billing_periods')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number | null>('started_at').as('oldest')])
    .where('status', '=', 'closing')
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), oldestStartedAt: r.oldest === null ? null : Number(r.oldest) };
}

export interface PeriodState {
  period: string;
  status: 'closing' | 'closed';
  accounts: number;
  totalKop: number;
  closedAt: number | null;
}

/** The newest billing period that was closed or is being closed. */
export async function latestPeriod(db: Q): Promise<PeriodState | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select(['period', 'status', 'accounts', 'total_kop', 'closed_at'])
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      period: r.period,
      status: r.status === 'closed' ? 'closed' : 'closing',
      accounts: Number(r.accounts),
      totalKop: Number(r.total_kop),
      closedAt: r.closed_at === null ? null : Number(r.closed_at),
    }
  );
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

// ---- The accounts, a batch (an id range) at a time

export interface BatchAccount {
  id: number;
  number: string;
  residents: number;
  planId: number;
  areaE2: number;
  buildingId: number | null;
}

/**
 * The next accounts by id. With `from` (a month's first day, YYYY-MM-DD), only those the month
 * charges: open, or closed from a later day (an account that closes during the month is charged
 * for the whole month; one closed from its first day is not). Without it, every account (a
 * recalculation names its own).
 */
export async function nextAccounts(
  db: Q,
  afterId: number,
  limit: number,
  from?: string,
): Promise<BatchAccount[]> {
  let q = db
    .selectFrom('accounts')
    .select(['id', 'number', 'residents', 'tariff_plan_id', 'area_e2', 'building_id'])
    .where('id', '>', afterId);
  if (from !== undefined) {
    q = q.where((eb) => eb.or([eb('closed_on', 'is', null), eb('closed_on', '>', from)]));
  }
  const rows = await q.orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    number: r.number,
    residents: r.residents,
    planId: Number(r.tariff_plan_id),
    areaE2: r.area_e2,
    buildingId: r.building_id === null ? null : Number(r.building_id),
  }));
}

/** How many accounts the month starting on `from` charges (see nextAccounts). */
export async function countAccounts(db: Q, from: string): Promise<number> {
  const r = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('closed_on', 'is', null), eb('closed_on', '>', from)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A tariff plan that accounts are on: its code, zone count and how many accounts. */
export interface PlanInUse {
  id: number;
  code: string;
  zones: number;
  accounts: number;
}

/** The tariff plans of the accounts the month starting on `from` charges, by code. */
export async function plansInUse(db: Q, from: string): Promise<PlanInUse[]> {
  const rows = await db
    .selectFrom('accounts as a')
    .innerJoin('tariff_plans as p', 'p.id', 'a.tariff_plan_id')
    .where((eb) => eb.or([eb('a.closed_on', 'is', null), eb('a.closed_on', '>', from)]))
    .select((eb) => ['p.id', 'p.code', 'p.zones', eb.fn.countAll<number>().as('n')])
    .groupBy(['p.id', 'p.code', 'p.zones'])
    .orderBy('p.code')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code, zones: Number(r.zones), accounts: Number(r.n) }));
}

/**
 * Gives up the «closing» mark of a month that has no charge yet (a run stopped before its first
 * batch, e.g. by a missing price, before that was checked first): the month is open again, and
 * its prices can be set. A month with charges stays closing: they were computed at its prices.
 */
export async function releaseUncharged(db: Q, period: string): Promise<boolean> {
  const res = await db
    .deleteFrom('billing_periods')
    .where('period', '=', period)
    .where('status', '=', 'closing')
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('charges').select('charges.id').where('charges.period', '=', period))),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

// ---- What every batch shares

/** Every tariff plan with its prices, by plan id, as the charge computation takes it. */
export async function loadPlans(db: Q): Promise<Map<number, PlanInput>> {
  const plans = await db.selectFrom('tariff_plans').selectAll().execute();
  const prices = await db.selectFrom('tariff_prices').selectAll().execute();
  return new Map(plans.map((p) => [Number(p.id), toPlan(p, prices)]));
}

function toPlan(p: Selectable<TariffPlansTable>, prices: Selectable<TariffPricesTable>[]): PlanInput {
  return {
    zones: p.zones,
    normKwhPerResident: p.norm_kwh_per_resident,
    socialNormKwh: p.social_norm_kwh,
    socialNormExtraKwh: p.social_norm_extra_kwh,
    prices: prices
      .filter((x) => Number(x.plan_id) === Number(p.id))
      .map((x) => ({ zone: x.zone, band: x.band, validFrom: x.valid_from, priceE5: Number(x.price_e5) })),
  };
}

export interface BuildingVolume {
  flatsAreaE2: number;
  totalKwh: number;
  nonresidentialKwh: number;
  unmeteredFlatsKwh: number;
  meteredFlatsKwh: number;
}

/** The period's volumes of every building that has them, by building id (for the ОДН). */
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
