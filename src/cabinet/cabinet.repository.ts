import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { PriceRow } from '../domain/tariff.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Every query here takes the customer's account id and filters by it: a customer can reach
// only their own rows, whatever a request names.

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

export async function findProfile(db: Q, accountId: number): Promise<AccountProfile | undefined> {
  const r = await db
    .selectFrom('accounts')
    .select([
      'id',
      'number',
      'surname',
      'first_name',
      'patronymic',
      'object_address',
      'residents',
      'tariff_plan_id',
      'branch_id',
    ])
    .where('id', '=', accountId)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      number: r.number,
      surname: r.surname,
      firstName: r.first_name,
      patronymic: r.patronymic,
      objectAddress: r.object_address,
      residents: r.residents,
      tariffPlanId: Number(r.tariff_plan_id),
      branchId: Number(r.branch_id),
    }
  );
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
export async function findActiveMeter(db: Q, accountId: number): Promise<MeterInfo | undefined> {
  const r = await db
    .selectFrom('meters')
    .select(['id', 'serial', 'digits', 'zones', 'ratio', 'verification_due'])
    .where('account_id', '=', accountId)
    .where('removed_on', 'is', null)
    .orderBy('installed_on', 'desc')
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
    }
  );
}

export async function listPrices(db: Q, planId: number): Promise<PriceRow[]> {
  const rows = await db
    .selectFrom('tariff_prices')
    .select(['zone', 'band', 'valid_from', 'price_e5'])
    .where('plan_id', '=', planId)
    .execute();
  return rows.map((r) => ({
    zone: r.zone,
    band: r.band,
    validFrom: r.valid_from,
    priceE5: Number(r.price_e5),
  }));
}

export interface PaymentItem {
  paidOn: string;
  amountKop: number;
  channel: string;
}

export async function listPayments(db: Q, accountId: number, fromDate: string): Promise<PaymentItem[]> {
  const rows = await db
    .selectFrom('payments')
    .select(['paid_on', 'amount_kop', 'channel'])
    .where('account_id', '=', accountId)
    .where('paid_on', '>=', fromDate)
    .orderBy('paid_on')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ paidOn: r.paid_on, amountKop: Number(r.amount_kop), channel: r.channel }));
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

const CHARGE_COLUMNS = [
  'details',
  'tariff_e5',
  'odn_kwh',
  'recalc_kop',
  'period',
  'billed_on',
  'reading_id',
  'reading_value',
  'kwh',
  'amount_kop',
  'odn_kop',
  'debt_kop',
  'method',
] as const;

function toCharge(r: {
  details: string | null;
  tariff_e5: number;
  odn_kwh: number;
  recalc_kop: number;
  period: string;
  billed_on: string;
  reading_id: number | null;
  reading_value: number | null;
  kwh: number;
  amount_kop: number;
  odn_kop: number;
  debt_kop: number;
  method: string;
}): ChargeItem {
  return {
    details: r.details,
    tariffE5: Number(r.tariff_e5),
    odnKwh: Number(r.odn_kwh),
    recalcKop: Number(r.recalc_kop),
    period: r.period,
    billedOn: r.billed_on,
    readingId: r.reading_id === null ? null : Number(r.reading_id),
    readingValue: r.reading_value === null ? null : Number(r.reading_value),
    kwh: Number(r.kwh),
    amountKop: Number(r.amount_kop),
    odnKop: Number(r.odn_kop),
    debtKop: Number(r.debt_kop),
    method: r.method,
  };
}

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
