import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { lastDayOfPeriod } from '../../domain/dates.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** The tables of the debtors' query: accounts `a` and the period's charges `l`. */
type DebtorsFrom = Database & { a: Database['accounts']; l: Database['charges'] };

// The reads of the exports, a page at a time: keyset pages of accounts (`id > after`, in id
// order), so that a file of a million accounts never holds more than a page in memory and each
// page is an index range of every table it reads. Money stays integer kopecks here.

/** Accounts (or their rows) per page. */
export const PAGE = 1000;

export interface AccountPart {
  accountId: number;
  number: string;
  fullName: string;
  address: string;
}

export const ACCOUNT_COLS = [
  'a.id',
  'a.number',
  'a.surname',
  'a.first_name',
  'a.patronymic',
  'a.object_address',
] as const;

export function accountPart(r: {
  id: number | string;
  number: string;
  surname: string;
  first_name: string;
  patronymic: string;
  object_address: string;
}): AccountPart {
  return {
    accountId: Number(r.id),
    number: r.number,
    fullName: [r.surname, r.first_name, r.patronymic].filter((s) => s !== '').join(' '),
    address: r.object_address,
  };
}

/** 'closed', 'closing' or undefined (never closed). */
export async function periodStatus(db: Q, period: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('billing_periods')
    .select('status')
    .where('period', '=', period)
    .executeTakeFirst();
  return r?.status;
}

/** The closed periods, newest first. */
export async function closedPeriods(db: Q, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('billing_periods')
    .select('period')
    .where('status', '=', 'closed')
    .orderBy('period', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.period);
}

export interface ChargeLine extends AccountPart {
  method: string;
  kwh: number;
  tariffE5: number;
  amountKop: number;
  odnKwh: number;
  odnKop: number;
  recalcKop: number;
  debtStartKop: number;
  paymentsKop: number;
  debtKop: number;
}

/**
 * The accounts after `afterId`, in id order, each with its charge of `period` (`c`). A cross join
 * so that SQLite walks the accounts by their key and finds each charge by (account, period):
 * joined the other way round it reads the whole period by `charges_period` and sorts it for every
 * page (measured: 1.6 s for 5 000 accounts, growing with the square of their number). PostgreSQL
 * plans a cross join with conditions as the inner join it is.
 */
export function chargesOfAccounts(db: Q, period: string, afterId: number) {
  return db
    .selectFrom('accounts as a')
    .crossJoin('charges as c')
    .whereRef('c.account_id', '=', 'a.id')
    .where('c.period', '=', period)
    .where('a.id', '>', afterId);
}

/** The period's charges of the accounts after `afterId`, in account order. */
export async function chargesPage(
  db: Q,
  period: string,
  afterId: number,
  limit = PAGE,
): Promise<ChargeLine[]> {
  const rows = await chargesOfAccounts(db, period, afterId)
    .select([
      ...ACCOUNT_COLS,
      'c.method',
      'c.kwh',
      'c.tariff_e5',
      'c.amount_kop',
      'c.odn_kwh',
      'c.odn_kop',
      'c.recalc_kop',
      'c.debt_start_kop',
      'c.payments_kop',
      'c.debt_kop',
    ])
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...accountPart(r),
    method: r.method,
    kwh: Number(r.kwh),
    tariffE5: Number(r.tariff_e5),
    amountKop: Number(r.amount_kop),
    odnKwh: Number(r.odn_kwh),
    odnKop: Number(r.odn_kop),
    recalcKop: Number(r.recalc_kop),
    debtStartKop: Number(r.debt_start_kop),
    paymentsKop: Number(r.payments_kop),
    debtKop: Number(r.debt_kop),
  }));
}

export interface BalanceLine extends AccountPart {
  /** The last closed period billed on or before the date; null when there is none. */
  period: string | null;
  /** The debt at its end (0 without one). */
  closedDebtKop: number;
  /** Payments dated after its billing date, up to the date. */
  paidAfterKop: number;
}

/**
 * Each account after `afterId`: its last closed period billed on or before `date`, the debt at
 * that period's end, and the payments dated after it up to `date`.
 */
export async function balancesPage(
  db: Q,
  date: string,
  afterId: number,
  limit = PAGE,
): Promise<BalanceLine[]> {
  const rows = await db
    .selectFrom('accounts as a')
    .leftJoin('charges as c', (join) =>
      join.onRef('c.account_id', '=', 'a.id').on((eb) =>
        eb(
          'c.period',
          '=',
          eb
            .selectFrom('charges as d')
            .innerJoin('billing_periods as bp', 'bp.period', 'd.period')
            .select((e) => e.fn.max('d.period').as('p'))
            .whereRef('d.account_id', '=', 'a.id')
            .where('d.billed_on', '<=', date)
            .where('bp.status', '=', 'closed'),
        ),
      ),
    )
    .select((eb) => [
      ...ACCOUNT_COLS,
      'c.period',
      'c.debt_kop',
      eb
        .selectFrom('payments as p')
        .select((e) => e.fn.coalesce(e.fn.sum<number>('p.amount_kop'), e.lit(0)).as('s'))
        .whereRef('p.account_id', '=', 'a.id')
        .where('p.paid_on', '<=', date)
        .where((e) => e('p.paid_on', '>', e.fn.coalesce('c.billed_on', e.val(''))))
        .as('paid_after'),
    ])
    .where('a.id', '>', afterId)
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...accountPart(r),
    period: r.period,
    closedDebtKop: Number(r.debt_kop ?? 0),
    paidAfterKop: Number(r.paid_after ?? 0),
  }));
}

/** The ids of the page of accounts after `afterId`: the first and the last, or undefined at the end. */
export async function accountRange(
  db: Q,
  afterId: number,
  limit = PAGE,
): Promise<{ first: number; last: number } | undefined> {
  const rows = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.length === 0
    ? undefined
    : { first: Number(rows[0]!.id), last: Number(rows[rows.length - 1]!.id) };
}

export interface PaymentLine {
  paymentId: number;
  paidOn: string;
  number: string;
  fullName: string;
  amountKop: number;
  commissionKop: number;
  channel: string;
  source: string | null;
  externalId: string | null;
}

/** Payments dated within [from, to] of the accounts with ids [firstId, lastId], by account and date. */
export async function paymentsOfRange(
  db: Q,
  from: string,
  to: string,
  firstId: number,
  lastId: number,
): Promise<PaymentLine[]> {
  const rows = await db
    .selectFrom('payments as p')
    .innerJoin('accounts as a', 'a.id', 'p.account_id')
    .select([
      ...ACCOUNT_COLS,
      'p.id as payment_id',
      'p.paid_on',
      'p.amount_kop',
      'p.commission_kop',
      'p.channel',
      'p.source',
      'p.external_id',
    ])
    .where('p.account_id', '>=', firstId)
    .where('p.account_id', '<=', lastId)
    .where('p.paid_on', '>=', from)
    .where('p.paid_on', '<=', to)
    .orderBy('p.account_id')
    .orderBy('p.paid_on')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({
    paymentId: Number(r.payment_id),
    paidOn: r.paid_on,
    number: r.number,
    fullName: accountPart(r).fullName,
    amountKop: Number(r.amount_kop),
    commissionKop: Number(r.commission_kop),
    channel: r.channel,
    source: r.source,
    externalId: r.external_id,
  }));
}

export interface DebtorLine extends AccountPart {
  debtKop: number;
  /** Closed months in a row, up to the period, whose end found the debt over the threshold. */
  months: number;
  /** The first of them. */
  since: string;
  lastPaidOn: string | null;
}

/**
 * The accounts after `afterId` whose debt at the end of `period` and of each month before it, `months`
 * months in a row at least, was over `minKop`. A run is counted back from `period` to the last
 * month the debt was at or below `minKop` (not counting it).
 */
export async function debtorsPage(
  db: Q,
  period: string,
  minKop: number,
  months: number,
  afterId: number,
  limit = PAGE,
): Promise<DebtorLine[]> {
  // The account's months from the last one at or below the threshold (exclusive) to the period.
  const run = (eb: ExpressionBuilder<DebtorsFrom, 'a' | 'l'>) =>
    eb
      .selectFrom('charges as c')
      .whereRef('c.account_id', '=', 'a.id')
      .where('c.period', '<=', period)
      .where(
        'c.period',
        '>',
        eb.fn.coalesce(
          eb
            .selectFrom('charges as d')
            .select((e) => e.fn.max('d.period').as('p'))
            .whereRef('d.account_id', '=', 'a.id')
            .where('d.period', '<=', period)
            .where('d.debt_kop', '<=', minKop),
          eb.val(''),
        ),
      );
  const rows = await db
    .selectFrom('accounts as a')
    // A cross join, as in chargesOfAccounts: the accounts by their key, each period's charge by its.
    .crossJoin('charges as l')
    .whereRef('l.account_id', '=', 'a.id')
    .where('l.period', '=', period)
    .select((eb) => [
      ...ACCOUNT_COLS,
      'l.debt_kop',
      run(eb)
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('months'),
      run(eb)
        .select((e) => e.fn.min('c.period').as('p'))
        .as('since'),
      eb
        .selectFrom('payments as p')
        .select((e) => e.fn.max('p.paid_on').as('d'))
        .whereRef('p.account_id', '=', 'a.id')
        .where('p.paid_on', '<=', lastDayOfPeriod(period))
        .as('last_paid_on'),
    ])
    .where('l.debt_kop', '>', minKop)
    // In the query, not after it: a page is `limit` debtors, and only an empty page ends the file.
    .where((eb) =>
      eb(
        run(eb).select((e) => e.fn.countAll<number>().as('n')),
        '>=',
        months,
      ),
    )
    .where('a.id', '>', afterId)
    .orderBy('a.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...accountPart(r),
    debtKop: Number(r.debt_kop),
    months: Number(r.months ?? 0),
    since: r.since ?? period,
    lastPaidOn: r.last_paid_on ?? null,
  }));
}
