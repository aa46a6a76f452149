import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ChargesTable, Database } from '../../platform/db/schema.ts';
import type { PriceRow } from '../../domain/tariff.ts';
import type { Cursor, ListPage } from '../../platform/db/paging.ts';

type Q = Kysely<Database> | Transaction<Database>;

// One account's charges and prices, as its holder's pages read them. Every query takes the
// account's id and filters by it.

/** A closed month's charge of the account. */
export interface ChargeItem {
  period: string;
  billedOn: string;
  readingId: number | null;
  readingValue: number | null;
  kwh: number;
  amountKop: number;
  odnKwh: number;
  odnKop: number;
  recalcKop: number;
  debtKop: number;
  tariffE5: number;
  method: string;
  /** The calculation's inputs as the closing stored them (JSON), for "Как рассчитано". */
  details: string | null;
}

const CHARGE_COLUMNS = [
  'period',
  'billed_on',
  'reading_id',
  'reading_value',
  'kwh',
  'amount_kop',
  'odn_kwh',
  'odn_kop',
  'recalc_kop',
  'debt_kop',
  'tariff_e5',
  'method',
  'details',
] as const;

type ChargeRow = Pick<Selectable<ChargesTable>, (typeof CHARGE_COLUMNS)[number]>;

function toCharge(r: ChargeRow): ChargeItem {
  return {
    period: r.period,
    billedOn: r.billed_on,
    readingId: r.reading_id === null ? null : Number(r.reading_id),
    readingValue: r.reading_value === null ? null : Number(r.reading_value),
    kwh: Number(r.kwh),
    amountKop: Number(r.amount_kop),
    odnKwh: Number(r.odn_kwh),
    odnKop: Number(r.odn_kop),
    recalcKop: Number(r.recalc_kop),
    debtKop: Number(r.debt_kop),
    tariffE5: Number(r.tariff_e5),
    method: r.method,
    details: r.details,
  };
}

/** The account's charges from `fromPeriod` on, oldest first. */
export async function listCharges(db: Q, accountId: number, fromPeriod: string): Promise<ChargeItem[]> {
  const rows = await db
    .selectFrom('charges')
    .select(CHARGE_COLUMNS)
    .where('account_id', '=', accountId)
    .where('period', '>=', fromPeriod)
    .orderBy('period')
    .execute();
  return rows.map(toCharge);
}

/**
 * A page of `limit` of the account's charges, newest first, from `at` (a period: `after` it are the
 * older months), with how many come before it and how many there are (charges_account_period).
 */
export async function chargesPage(
  db: Q,
  accountId: number,
  limit: number,
  at: Cursor<string> = undefined,
): Promise<ListPage<ChargeItem>> {
  const backwards = at !== undefined && 'before' in at;
  const key = at === undefined ? undefined : 'after' in at ? at.after : at.before;
  let q = db.selectFrom('charges').select(CHARGE_COLUMNS).where('account_id', '=', accountId);
  if (key !== undefined) {
    q = q.where('period', backwards ? '>' : '<', key);
  }
  const [found, total] = await Promise.all([
    q
      .orderBy('period', backwards ? 'asc' : 'desc')
      .limit(limit)
      .execute(),
    countCharges(db, accountId),
  ]);
  const rows = (backwards ? found.reverse() : found).map(toCharge);
  const first = rows[0];
  // Past the end (the rows after the key are gone): every row comes before.
  const skipped = first ? await countCharges(db, accountId, first.period) : backwards ? 0 : total;
  return { rows, skipped, total };
}

/** How many charges the account has in all, or newer than `period`. */
async function countCharges(db: Q, accountId: number, period?: string): Promise<number> {
  let q = db
    .selectFrom('charges')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId);
  if (period !== undefined) {
    q = q.where('period', '>', period);
  }
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The account's latest charge, for the balance when a page's history holds none. */
export async function findLastCharge(db: Q, accountId: number): Promise<ChargeItem | undefined> {
  const r = await db
    .selectFrom('charges')
    .select(CHARGE_COLUMNS)
    .where('account_id', '=', accountId)
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && toCharge(r);
}

/** The prices of a tariff plan, every zone, band and date from which each holds. */
export async function planPrices(db: Q, planId: number): Promise<PriceRow[]> {
  const rows = await db
    .selectFrom('tariff_prices')
    .select(['zone', 'band', 'valid_from', 'price_e5'])
    .where('plan_id', '=', planId)
    .orderBy('zone')
    .orderBy('band')
    .orderBy('valid_from')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    zone: r.zone,
    band: r.band,
    validFrom: r.valid_from,
    priceE5: Number(r.price_e5),
  }));
}
