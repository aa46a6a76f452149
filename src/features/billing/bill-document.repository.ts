import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { BillSupplier } from './pdf/bill.model.ts';

// Reads for the bill and the slip. Every query takes the customer's account id and filters by it.

export interface BillAccount {
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  residents: number;
  deliveryAddress: string;
  objectAddress: string;
  areaE2: number;
  buildingId: number | null;
  tariffPlanId: number;
  supplier: BillSupplier;
}

export async function findBillAccount(
  db: Kysely<Database>,
  accountId: number,
): Promise<BillAccount | undefined> {
  const r = await db
    .selectFrom('accounts as a')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .select([
      'a.number',
      'a.surname',
      'a.first_name',
      'a.patronymic',
      'a.residents',
      'a.delivery_address',
      'a.object_address',
      'a.area_e2',
      'a.building_id',
      'a.tariff_plan_id',
      'b.payee_name',
      'b.name as branch_name',
      'b.inn',
      'b.kpp',
      'b.bank_name',
      'b.bic',
      'b.corr_account',
      'b.settlement_account',
      'b.address',
      'b.phones',
      'b.fax',
      'b.email',
      'b.website',
    ])
    .where('a.id', '=', accountId)
    .executeTakeFirst();
  return (
    r && {
      number: r.number,
      surname: r.surname,
      firstName: r.first_name,
      patronymic: r.patronymic,
      residents: r.residents,
      deliveryAddress: r.delivery_address,
      objectAddress: r.object_address,
      areaE2: r.area_e2,
      buildingId: r.building_id === null ? null : Number(r.building_id),
      tariffPlanId: Number(r.tariff_plan_id),
      supplier: {
        payeeName: r.payee_name,
        branchName: r.branch_name,
        inn: r.inn,
        kpp: r.kpp,
        bankName: r.bank_name,
        bic: r.bic,
        corrAccount: r.corr_account,
        settlementAccount: r.settlement_account,
        address: r.address,
        phones: r.phones,
        fax: r.fax,
        email: r.email,
        website: r.website,
      },
    }
  );
}

export interface BillCharge {
  period: string;
  billedOn: string;
  method: string;
  kwh: number;
  amountKop: number;
  odnKwh: number;
  odnKop: number;
  recalcKop: number;
  paymentsKop: number;
  debtStartKop: number;
  debtKop: number;
  tariffE5: number;
  readingValue: number | null;
  details: string | null;
}

export async function findCharge(
  db: Kysely<Database>,
  accountId: number,
  period: string,
): Promise<BillCharge | undefined> {
  const r = await db
    .selectFrom('charges')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('period', '=', period)
    .executeTakeFirst();
  return (
    r && {
      period: r.period,
      billedOn: r.billed_on,
      method: r.method,
      kwh: Number(r.kwh),
      amountKop: Number(r.amount_kop),
      odnKwh: Number(r.odn_kwh),
      odnKop: Number(r.odn_kop),
      recalcKop: Number(r.recalc_kop),
      paymentsKop: Number(r.payments_kop),
      debtStartKop: Number(r.debt_start_kop),
      debtKop: Number(r.debt_kop),
      tariffE5: Number(r.tariff_e5),
      readingValue: r.reading_value === null ? null : Number(r.reading_value),
      details: r.details,
    }
  );
}

export async function findBuildingVolume(db: Kysely<Database>, buildingId: number, period: string) {
  const r = await db
    .selectFrom('building_volumes')
    .selectAll()
    .where('building_id', '=', buildingId)
    .where('period', '=', period)
    .executeTakeFirst();
  return (
    r && {
      totalKwh: Number(r.total_kwh),
      commonKwh:
        Number(r.total_kwh) -
        Number(r.nonresidential_kwh) -
        Number(r.unmetered_flats_kwh) -
        Number(r.metered_flats_kwh),
    }
  );
}

/**
 * The shares of the tariff's components (millionths) in force on `onDate` for a plan: the rows
 * of its latest `valid_from` not after that date; empty when the supplier configured none.
 */
export async function findTariffComponents(
  db: Kysely<Database>,
  planId: number,
  onDate: string,
): Promise<Array<{ component: string; shareE6: number }>> {
  const rows = await db
    .selectFrom('tariff_components')
    .select(['component', 'share_e6'])
    .where('plan_id', '=', planId)
    .where('valid_from', '=', (eb) =>
      eb
        .selectFrom('tariff_components')
        .select((e) => e.fn.max('valid_from').as('latest'))
        .where('plan_id', '=', planId)
        .where('valid_from', '<=', onDate),
    )
    .orderBy('component')
    .execute();
  return rows.map((r) => ({ component: r.component, shareE6: Number(r.share_e6) }));
}

/** The latest reading submitted after `afterDate` (not rejected), for the slip. */
export async function latestReadingAfter(db: Kysely<Database>, accountId: number, afterDate: string) {
  const r = await db
    .selectFrom('readings as r')
    .innerJoin('meters as m', 'm.id', 'r.meter_id')
    .select(['r.reading_date', 'r.value1', 'r.value2', 'r.value3', 'm.serial'])
    .where('r.account_id', '=', accountId)
    .where('r.reading_date', '>', afterDate)
    .where('r.status', '!=', 'rejected')
    .orderBy('r.reading_date', 'desc')
    .orderBy('r.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      date: r.reading_date,
      serial: r.serial,
      values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
    }
  );
}

export async function lastBilledOn(db: Kysely<Database>, accountId: number): Promise<string | undefined> {
  const r = await db
    .selectFrom('charges')
    .select('billed_on')
    .where('account_id', '=', accountId)
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.billed_on;
}

export async function activeMeterSerial(
  db: Kysely<Database>,
  accountId: number,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('meters')
    .select('serial')
    .where('account_id', '=', accountId)
    .where('removed_on', 'is', null)
    .orderBy('installed_on', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.serial;
}
