import { DEFAULT_TIME_ZONE } from '../../platform/config.ts';
import type { Kysely } from 'kysely';
import type { Db } from '../../platform/db/connect.ts';
import type { Database } from '../../platform/db/schema.ts';
import {
  addMonths,
  addYears,
  dateInZone,
  lastDayOfPeriod,
  periodOf,
  type IsoDate,
} from '../../domain/dates.ts';
import { chargeKopecks } from '../../domain/money.ts';
import { consumption } from '../../domain/consumption.ts';
import { DEMO_ACCOUNT } from './demo-account.ts';
import { closeMonth } from '../../features/billing/close-month.ts';
import type { BatchRules } from '../../features/billing/close-batch.ts';
import { BRANCH_OF_SETTLEMENT, ensureReferenceData } from './reference-data.ts';

/** The year of the seed's screens; its dates are moved by whole years (see `demoYear`). */
const SEED_YEAR = 2014;
/** The seed's newest date (its last reading). */
const SEED_LAST_DATE = '2014-06-03';
const SEED_PRICE_E5 = 161_000;

/** The seed's reading history (date, value, channel), plus one earlier reading the first charge needs. */
const SEED_READINGS: Array<[string, number, string]> = [
  ['2012-12-20', 19_850, 'bill'],
  ['2013-01-21', 20104, 'internet'],
  ['2013-01-25', 20120, 'grid'],
  ['2013-02-04', 20200, 'bill'],
  ['2013-03-24', 21300, 'internet'],
  ['2013-04-05', 21450, 'bill'],
  ['2013-05-16', 22350, 'bill'],
  ['2013-06-26', 24500, 'customer'],
  ['2013-07-02', 24501, 'internet'],
  ['2013-09-23', 25100, 'bill'],
  ['2013-10-22', 25101, 'internet'],
  ['2013-10-25', 25105, 'internet'],
  ['2013-10-29', 25110, 'internet'],
  ['2013-11-14', 25700, 'bill'],
  ['2013-11-19', 25710, 'internet'],
  ['2013-12-27', 26400, 'internet'],
  ['2014-01-15', 26600, 'internet'],
  ['2014-02-26', 27130, 'bill'],
  ['2014-03-20', 27220, 'internet'],
  ['2014-03-21', 27439, 'bill'],
  ['2014-04-21', 27440, 'internet'],
  ['2014-05-15', 28250, 'internet'],
  ['2014-06-03', 28470, 'internet'],
];

/** The seed's payment history, rubles. */
const SEED_PAYMENTS: Array<[string, string]> = [
  ['2013-02-05', '2000.00'],
  ['2013-04-08', '1600.00'],
  ['2013-05-17', '1260.00'],
  ['2013-06-27', '3010.00'],
  ['2013-09-24', '980.00'],
  ['2013-11-15', '966.00'],
  ['2014-01-16', '1500.00'],
  ['2014-02-27', '860.00'],
  ['2014-03-24', '500.00'],
  ['2014-04-17', '700.00'],
  ['2014-05-16', '1000.00'],
  ['2014-05-26', '600.00'],
];

/** The seed's charge history shows this debt at the end of February 2014; earlier debts follow from it. */
const SEED_FEB_DEBT_KOP = -9605;
const FIRST_PERIOD = '2013-01';
const LAST_PERIOD = '2014-05';

function kopecksOf(rub: string): number {
  const [r, k = '0'] = rub.split('.');
  return Number(r) * 100 + Number(k.padEnd(2, '0'));
}

export interface DemoCharge {
  period: string;
  billedOn: string;
  readingIndex: number | null;
  readingValue: number | null;
  kwh: number;
  amountKop: number;
  paymentsKop: number;
  debtStartKop: number;
  debtKop: number;
  method: 'readings' | 'average';
}

/**
 * The demo account's monthly charges in seed dates: by the month's last reading, or by the
 * average of the months billed so far when no reading came (the next reading settles the rest).
 * The opening debt is chosen so that February 2014 shows the seed's −96.05.
 */
export function demoCharges(): DemoCharge[] {
  const build = (openingDebt: number): DemoCharge[] => {
    const out: DemoCharge[] = [];
    let debt = openingDebt;
    let billedValue = SEED_READINGS[0]![1];
    let billedCumulative = 0; // kWh billed since the first reading, estimates included
    let readCumulative = 0;
    let months = 0;
    for (let period = FIRST_PERIOD; period <= LAST_PERIOD; period = addMonths(period, 1)) {
      const end = lastDayOfPeriod(period);
      let idx = -1;
      SEED_READINGS.forEach(([d], i) => {
        if (periodOf(d) === period) {
          idx = i;
        }
      });
      let kwh: number;
      let method: DemoCharge['method'];
      if (idx >= 0) {
        const value = SEED_READINGS[idx]![1];
        readCumulative += consumption(billedValue, value, 5).kwh;
        billedValue = value;
        kwh = readCumulative - billedCumulative;
        method = 'readings';
      } else {
        kwh = months > 0 ? Math.round(billedCumulative / months) : 0;
        method = 'average';
      }
      billedCumulative += kwh;
      months += 1;
      const amountKop = chargeKopecks(kwh, SEED_PRICE_E5);
      const paymentsKop = SEED_PAYMENTS.filter(([d]) => periodOf(d) === period).reduce(
        (s, [, r]) => s + kopecksOf(r),
        0,
      );
      const debtStartKop = debt;
      debt = debt + amountKop - paymentsKop;
      out.push({
        period,
        billedOn: end,
        readingIndex: idx >= 0 ? idx : null,
        readingValue: idx >= 0 ? billedValue : null,
        kwh,
        amountKop,
        paymentsKop,
        debtStartKop,
        debtKop: debt,
        method,
      });
    }
    return out;
  };
  const trial = build(0);
  const feb = trial.find((c) => c.period === '2014-02')!;
  return build(SEED_FEB_DEBT_KOP - feb.debtKop);
}

/**
 * The year the seed's 2014 becomes: the current year once the seed's last date has come in it,
 * the year before until then, so that no demo reading, payment or closed month lies in the future.
 */
export function demoYear(today: IsoDate): number {
  const year = Number(today.slice(0, 4));
  return addYears(SEED_LAST_DATE, year - SEED_YEAR) <= today ? year : year - 1;
}

/**
 * Creates the demo data unless the demo account exists; returns whether it did. With the billing
 * rules, the months between the seed's last (May) and the current one are then closed by the
 * portal's own closing, so that the demo's bills reach the last closed month: the meter's
 * verification ran out on 1 June, so they are estimated by п.59, then charged by the norm of п.60.
 */
export async function ensureDemoData(
  db: Db,
  now: Date = new Date(),
  timeZone = DEFAULT_TIME_ZONE,
  billing?: BatchRules,
): Promise<boolean> {
  const k = db.kysely;
  const year = demoYear(dateInZone(now, timeZone));
  const refs = await ensureReferenceData(k, year);
  const exists = await k
    .selectFrom('accounts')
    .select('id')
    .where('number', '=', DEMO_ACCOUNT.number)
    .executeTakeFirst();
  if (exists) {
    return false;
  }
  await k
    .transaction()
    .execute((tx) =>
      insertDemoAccount(tx, refs.branchIds[BRANCH_OF_SETTLEMENT['17']!], refs.planIds['single']!, year, now),
    );
  if (billing) {
    const currentPeriod = periodOf(dateInZone(now, timeZone));
    const seedLast = periodOf(addYears(`${LAST_PERIOD}-01`, year - SEED_YEAR));
    for (let period = addMonths(seedLast, 1); period < currentPeriod; period = addMonths(period, 1)) {
      await closeMonth(db, { ...billing, period, currentPeriod, now: () => now });
    }
  }
  return true;
}

async function insertDemoAccount(
  tx: Kysely<Database>,
  branchId: number,
  planId: number,
  year: number,
  now: Date,
) {
  const shift = year - SEED_YEAR;
  const d = (date: string) => addYears(date, shift);
  const at = now.getTime();
  const { accountId, meterId } = await insertAccountAndMeter(tx, branchId, planId, d, at);
  const readingIds = await insertReadings(tx, accountId, meterId, d, at);
  await tx
    .insertInto('payments')
    .values(
      SEED_PAYMENTS.map(([date, rub], i) => ({
        account_id: accountId,
        paid_on: d(date),
        amount_kop: kopecksOf(rub),
        channel: 'bank',
        external_id: `demo-${DEMO_ACCOUNT.number}-${i + 1}`,
        created_at: at,
      })),
    )
    .execute();
  await insertDemoCharges(tx, accountId, readingIds, d);
  // The demo's months are closed, as if the portal had billed them; the next closing continues from there.
  for (const c of demoCharges()) {
    const period = periodOf(d(`${c.period}-01`));
    await tx
      .insertInto('billing_periods')
      .values({ period, status: 'closed', started_at: at, closed_at: at })
      .onConflict((oc) => oc.column('period').doNothing())
      .execute();
  }
}

/** The demo account and its meter; `d` moves a seed date into the demo's year. */
async function insertAccountAndMeter(
  tx: Kysely<Database>,
  branchId: number,
  planId: number,
  d: (date: string) => string,
  at: number,
): Promise<{ accountId: number; meterId: number }> {
  const account = await tx
    .insertInto('accounts')
    .values({
      number: DEMO_ACCOUNT.number,
      settlement_code: '17',
      surname: DEMO_ACCOUNT.surname,
      first_name: 'Пётр',
      patronymic: 'Сергеевич',
      object_address: 'Республика Хакасия, г. Черногорск, ул. Бограда 71',
      delivery_address: 'Республика Хакасия, г. Черногорск, ул. Бограда 71',
      area_e2: 4420,
      residents: 1,
      branch_id: branchId,
      tariff_plan_id: planId,
      created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const accountId = Number(account.id);
  const meter = await tx
    .insertInto('meters')
    .values({
      account_id: accountId,
      serial: '168077',
      digits: 5,
      zones: 1,
      ratio: 1,
      installed_on: d('2005-07-23'),
      // The manual's meter ran out of verification in July 2013 and yet was billed by its readings
      // until May 2014; here it runs out after the last month billed by readings, in time for the
      // manual's warning on the main page, and later months are billed as the rules say.
      verification_due: d('2014-06-01'),
      removed_on: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { accountId, meterId: Number(meter.id) };
}

/** The seed's readings, one at a time; returns their ids, in the order of SEED_READINGS. */
async function insertReadings(
  tx: Kysely<Database>,
  accountId: number,
  meterId: number,
  d: (date: string) => string,
  at: number,
): Promise<number[]> {
  const readingIds: number[] = [];
  for (const [date, value, channel] of SEED_READINGS) {
    const r = await tx
      .insertInto('readings')
      .values({
        account_id: accountId,
        meter_id: meterId,
        reading_date: d(date),
        value1: value,
        value2: null,
        value3: null,
        channel,
        status: 'accepted',
        reason: null,
        submitted_at: at,
        submitted_ip: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    readingIds.push(Number(r.id));
  }
  return readingIds;
}

/** The demo account's charges (demoCharges), with the details the closing would store. */
async function insertDemoCharges(
  tx: Kysely<Database>,
  accountId: number,
  readingIds: number[],
  d: (date: string) => string,
): Promise<void> {
  await tx
    .insertInto('charges')
    .values(
      demoCharges().map((c, i, all) => ({
        account_id: accountId,
        period: periodOf(d(`${c.period}-01`)),
        billed_on: lastDayOfPeriod(periodOf(d(`${c.period}-01`))),
        reading_id: c.readingIndex === null ? null : readingIds[c.readingIndex]!,
        reading_value: c.readingValue,
        kwh: c.kwh,
        amount_kop: c.amountKop,
        odn_kwh: 0,
        odn_kop: 0,
        method: c.method,
        payments_kop: c.paymentsKop,
        debt_start_kop: c.debtStartKop,
        debt_kop: c.debtKop,
        tariff_e5: SEED_PRICE_E5,
        details: JSON.stringify(demoDetails(c, all.slice(0, i), d)),
      })),
    )
    .execute();
}

/** The inputs of a demo charge, in the shape the closing stores (for "Как рассчитано"). */
function demoDetails(c: DemoCharge, earlier: DemoCharge[], d: (date: string) => string) {
  const reading = c.readingIndex === null ? null : SEED_READINGS[c.readingIndex]!;
  const billed = earlier.filter((e) => e.readingIndex !== null).pop();
  const baseline = billed ? SEED_READINGS[billed.readingIndex!]! : SEED_READINGS[0]!;
  return {
    source: 'demo',
    reason: c.method === 'average' ? 'no_reading' : null,
    meter: { serial: '168077', digits: 5, ratio: 1 },
    zones: [
      {
        zone: 'single',
        kwh: c.kwh,
        amountKop: c.amountKop,
        bands: [{ band: 'base', kwh: c.kwh, priceE5: SEED_PRICE_E5, amountKop: c.amountKop }],
      },
    ],
    reading: reading && { date: d(reading[0]), values: [reading[1]] },
    baseline: c.method === 'readings' ? { date: d(baseline[0]), values: [baseline[1]] } : null,
    // The kWh estimated since the last reading, settled by this one.
    settledKwh:
      c.method === 'readings' && earlier.length && earlier[earlier.length - 1]!.method === 'average'
        ? [earlier[earlier.length - 1]!.kwh]
        : undefined,
  };
}
