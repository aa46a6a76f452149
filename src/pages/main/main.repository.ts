import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../../platform/db/connect.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { PriceRow } from '../../domain/tariff.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Every query here takes the customer's account id and filters by it: a customer can reach
// only their own rows, whatever a request names. The main page's reads go through `db.rows`
// (plain SQL, prepared once): they run on every view of the busiest page.

export interface AccountProfile {
  id: number;
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  objectAddress: string;
  residents: number;
  tariffPlanId: number;
  branchId: number;
}

type ProfileRow = [number, string, string, string, string, string, number, number, number];
const PROFILE_COLUMNS = `id, number, surname, first_name, patronymic, object_address, residents, tariff_plan_id, branch_id`;

/** The account from a row that starts with PROFILE_COLUMNS. */
function profileOfRow(r: readonly [...ProfileRow, ...unknown[]]): AccountProfile {
  return {
    id: Number(r[0]),
    number: r[1],
    surname: r[2],
    firstName: r[3],
    patronymic: r[4],
    objectAddress: r[5],
    residents: r[6],
    tariffPlanId: Number(r[7]),
    branchId: Number(r[8]),
  };
}

const FIND_PROFILE = `select ${PROFILE_COLUMNS} from accounts where id = ?`;

export async function findProfile(db: Db, accountId: number): Promise<AccountProfile | undefined> {
  const [r] = await db.rows<ProfileRow>(FIND_PROFILE, [accountId]);
  return r && profileOfRow(r);
}

/** The account's e-mail address for bills, as the main page shows it (the mail feature's row). */
export interface PageMailRow {
  email: string;
  subscribed: boolean;
  confirmedAt: number | null;
}

export interface PageHeadRows {
  profile: AccountProfile;
  /** The plan's prices, in a fixed order. */
  prices: PriceRow[];
  mail: PageMailRow | null;
}

type PageHeadRow = [
  ...ProfileRow,
  ...[string | null, number | null, number | null],
  ...[string | null, string | null, string | null, number | null],
];

// Made once: `db.rows` finds its prepared statement by the SQL's text.
const FIND_PAGE_HEAD = `
  select ${PROFILE_COLUMNS.replace(/\w+/g, 'a.$&')},
         s.email, s.subscribed, s.confirmed_at,
         p.zone, p.band, p.valid_from, p.price_e5
    from accounts a
    left join mail_subscriptions s on s.account_id = a.id
    left join tariff_prices p on p.plan_id = a.tariff_plan_id
   where a.id = ?
   order by p.zone, p.band, p.valid_from, p.id`;

/**
 * The main page's read on every view, in one statement: the account's row, its e-mail address
 * for bills, and its tariff plan's prices (one row per price, the account's columns repeated).
 */
export async function findPageHead(db: Db, accountId: number): Promise<PageHeadRows | undefined> {
  const rows = await db.rows<PageHeadRow>(FIND_PAGE_HEAD, [accountId]);
  const r = rows[0];
  if (!r) {
    return undefined;
  }
  const prices: PriceRow[] = [];
  for (const x of rows) {
    if (x[12] !== null) {
      prices.push({ zone: x[12], band: x[13]!, validFrom: x[14]!, priceE5: Number(x[15]) });
    }
  }
  return {
    profile: profileOfRow(r),
    prices,
    mail:
      r[9] === null
        ? null
        : {
            email: r[9],
            subscribed: Number(r[10]) === 1,
            confirmedAt: r[11] === null ? null : Number(r[11]),
          },
  };
}

export interface MeterInfo {
  id: number;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  verificationDue: string;
}

/** The meter in service (not removed), the most recently installed one if several. */
export async function findActiveMeter(db: Db, accountId: number): Promise<MeterInfo | undefined> {
  const [r] = await db.rows<[number, string, number, number, number, string]>(
    `select id, serial, digits, zones, ratio, verification_due from meters
      where account_id = ? and removed_on is null order by installed_on desc limit 1`,
    [accountId],
  );
  return (
    r && {
      id: Number(r[0]),
      serial: r[1],
      digits: r[2],
      zones: r[3],
      ratio: r[4],
      verificationDue: r[5],
    }
  );
}

export interface PaymentItem {
  paidOn: string;
  amountKop: number;
  channel: string;
}

export async function listPayments(db: Db, accountId: number, fromDate: string): Promise<PaymentItem[]> {
  const rows = await db.rows<[string, number, string]>(
    'select paid_on, amount_kop, channel from payments where account_id = ? and paid_on >= ? order by paid_on, id',
    [accountId, fromDate],
  );
  return rows.map((r) => ({ paidOn: r[0], amountKop: Number(r[1]), channel: r[2] }));
}

export async function sumPaymentsAfter(db: Q, accountId: number, afterDate: string): Promise<number> {
  const r = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.sum<number>('amount_kop').as('total'))
    .where('account_id', '=', accountId)
    .where('paid_on', '>', afterDate)
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

export interface ChargeItem {
  details: string | null;
  tariffE5: number;
  odnKwh: number;
  recalcKop: number;
  period: string;
  billedOn: string;
  readingId: number | null;
  readingValue: number | null;
  kwh: number;
  amountKop: number;
  odnKop: number;
  debtKop: number;
  method: string;
}

/** The columns every charge read selects, in the order of `ChargeTuple`. */
const CHARGE_COLUMNS =
  'details, tariff_e5, odn_kwh, recalc_kop, period, billed_on, reading_id, reading_value, kwh, amount_kop, odn_kop, debt_kop, method';

type ChargeTuple = [
  details: string | null,
  tariffE5: number,
  odnKwh: number,
  recalcKop: number,
  period: string,
  billedOn: string,
  readingId: number | null,
  readingValue: number | null,
  kwh: number,
  amountKop: number,
  odnKop: number,
  debtKop: number,
  method: string,
];

function toCharge(r: ChargeTuple): ChargeItem {
  return {
    details: r[0],
    tariffE5: Number(r[1]),
    odnKwh: Number(r[2]),
    recalcKop: Number(r[3]),
    period: r[4],
    billedOn: r[5],
    readingId: r[6] === null ? null : Number(r[6]),
    readingValue: r[7] === null ? null : Number(r[7]),
    kwh: Number(r[8]),
    amountKop: Number(r[9]),
    odnKop: Number(r[10]),
    debtKop: Number(r[11]),
    method: r[12],
  };
}

const LIST_CHARGES = `select ${CHARGE_COLUMNS} from charges where account_id = ? and period >= ? order by period`;
const LAST_CHARGE = `select ${CHARGE_COLUMNS} from charges where account_id = ? order by period desc limit 1`;

/** The main page's charge history. */
export async function listCharges(db: Db, accountId: number, fromPeriod: string): Promise<ChargeItem[]> {
  const rows = await db.rows<ChargeTuple>(LIST_CHARGES, [accountId, fromPeriod]);
  return rows.map(toCharge);
}

/** The account's latest charge, for the balance when the page's history holds none. */
export async function findLastCharge(db: Db, accountId: number): Promise<ChargeItem | undefined> {
  const [r] = await db.rows<ChargeTuple>(LAST_CHARGE, [accountId]);
  return r && toCharge(r);
}
