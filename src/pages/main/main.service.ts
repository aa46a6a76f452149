import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { balanceAtLastReading } from '../../domain/balance.ts';
import { addMonths, monthIndex, periodAt, periodOf } from '../../domain/dates.ts';
import { pricesOn, zonesFor, ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import { verificationStatus } from '../../domain/verification.ts';
import { paymentDueDate, readingsWindow, type MonthSchedule } from '../../domain/schedule.ts';
import type { TaskSummary } from './summary.view.tsx';
import { findAccountProfile, type AccountProfile } from '../../features/account/account.repository.ts';
import {
  findLastCharge,
  listCharges,
  planPrices,
  type ChargeItem,
} from '../../features/billing/charges.repository.ts';
import { loadAddress, type AddressView } from '../../features/mail/mail.service.ts';
import {
  listPayments,
  sumPaymentsAfter,
  type PaymentItem,
} from '../../features/payments/payments.repository.ts';
import * as readingsRepo from '../../features/readings/readings.repository.ts';
import {
  readingForm as makeReadingForm,
  type ReadingFormData,
} from '../../features/readings/readings.service.ts';
import {
  chargeRows,
  historyStart,
  MAIN_PAGE_ROWS,
  readingRows,
  type ChargeRow,
  type HistoryKind,
  type ReadingRow,
} from './histories.service.ts';

type Db = Kysely<Database>;

export interface MainPageModel {
  account: { number: string; fullName: string; objectAddress: string; residents: number };
  meter: { serial: string; digits: number; ratio: number; zones: Zone[] } | null;
  /** Current prices, per zone, in 1/100000 ₽. */
  tariffs: Array<{ zone: Zone; title: string; priceE5: number | null }>;
  /** The top of the page: what is owed, the last reading, the readings window, the verification. */
  summary: TaskSummary;
  /** The histories' newest rows, newest first (at most MAIN_PAGE_ROWS each). */
  payments: PaymentItem[];
  readings: ReadingRow[];
  /** The form for a new reading; null without a meter in service. */
  readingForm: ReadingFormData | null;
  charges: ChargeRow[];
  /** The histories that hold more rows than the page shows («Показать все»). */
  more: Record<HistoryKind, boolean>;
  /** kWh per month for the last 24 months, for the chart; estimated months flagged. */
  consumption: Array<
    { period: string; kwh: number; estimated: boolean } | { period: string; kwh: null; estimated: false }
  >;
  /** The e-mail address for bills, for the page's e-mail section. */
  address: AddressView;
}

export class AccountNotFound extends Error {}

/** What the page reads about the account from the features that own it. */
interface PageData {
  profile: AccountProfile;
  meter: readingsRepo.MeterInfo | undefined;
  /** The newest payments and readings of the histories, newest first, one more than the page shows. */
  payments: PaymentItem[];
  readings: readingsRepo.ReadingItem[];
  /** The last 24 periods' charges, oldest first. */
  charges: ChargeItem[];
  prices: Map<string, number>;
  address: AddressView;
  /** The histories start on this date. */
  historyFrom: string;
  /** `payments` holds every payment made after this date. */
  paymentsFrom: string;
}

/**
 * The customer's main page. Histories cover the current and the previous calendar year in the
 * supplier's time zone (`today`), of which the page shows the newest rows; the chart, the last
 * 24 months.
 */
export async function loadMainPage(
  db: Db,
  accountId: number,
  today: string,
  schedule: MonthSchedule,
): Promise<MainPageModel> {
  const data = await readPage(db, accountId, today);
  const { profile, meter, readings, charges } = data;
  const zones = zonesFor(meter?.zones ?? 1);
  // One read of the latest accepted reading serves the form and the balance.
  const latest = meter
    ? (readings.find((r) => r.status === 'accepted' && r.meterId === meter.id) ??
      (await readingsRepo.latestAcceptedReading(db, accountId, meter.id)))
    : undefined;
  const lastCharge = data.charges.at(-1) ?? (await findLastCharge(db, accountId));
  const balanceKop = await computeBalance(db, accountId, data, zones, latest, lastCharge);
  const status = meter ? verificationStatus(meter.verificationDue, today) : null;
  const summary: TaskSummary = {
    today,
    balanceKop,
    dueDate: lastCharge ? paymentDueDate(lastCharge.period, schedule.paymentDueDay) : null,
    lastReading: latest ? { date: latest.readingDate, values: latest.values, zones } : null,
    window: meter ? readingsWindow(today, schedule.readingsFirstDay, schedule.readingsLastDay) : null,
    verification: status,
  };
  const historyFrom = data.historyFrom.slice(0, 7);
  const history = charges.filter((c) => c.period >= historyFrom).reverse();
  return {
    account: {
      number: profile.number,
      fullName: [profile.surname, profile.firstName, profile.patronymic].filter(Boolean).join(' '),
      objectAddress: profile.objectAddress,
      residents: profile.residents,
    },
    meter: meter ? { serial: meter.serial, digits: meter.digits, ratio: meter.ratio, zones } : null,
    tariffs: zones.map((zone) => ({
      zone,
      title: ZONE_TITLES[zone],
      priceE5: data.prices.get(zone) ?? null,
    })),
    summary,
    readingForm: meter ? makeReadingForm(meter, latest) : null,
    payments: data.payments.slice(0, MAIN_PAGE_ROWS),
    readings: readingRows(readings.slice(0, MAIN_PAGE_ROWS)),
    charges: chargeRows(history.slice(0, MAIN_PAGE_ROWS)),
    more: {
      payments: data.payments.length > MAIN_PAGE_ROWS,
      readings: readings.length > MAIN_PAGE_ROWS,
      charges: history.length > MAIN_PAGE_ROWS,
    },
    consumption: consumptionByMonth(charges, periodOf(today)),
    address: data.address,
  };
}

async function readPage(db: Db, accountId: number, today: string): Promise<PageData> {
  const profile = await findAccountProfile(db, accountId);
  if (!profile) {
    throw new AccountNotFound();
  }
  const historyFrom = historyStart(today);
  const [prices, address, meter, payments, readings, charges] = await Promise.all([
    planPrices(db, profile.tariffPlanId),
    loadAddress(db, accountId),
    readingsRepo.findActiveMeter(db, accountId),
    listPayments(db, accountId, historyFrom, MAIN_PAGE_ROWS + 1),
    readingsRepo.listReadings(db, accountId, historyFrom, MAIN_PAGE_ROWS + 1),
    listCharges(db, accountId, addMonths(periodOf(today), -24)),
  ]);
  return {
    profile,
    meter,
    payments,
    readings,
    charges,
    prices: pricesOn(prices, today),
    address,
    historyFrom,
    // Cut at the limit, the list holds every payment after its oldest (last) one's date.
    paymentsFrom: payments[MAIN_PAGE_ROWS]?.paidOn ?? historyFrom,
  };
}

/**
 * The balance at the last reading: the last closed month's debt, less what was paid since, plus
 * the consumption read since the billed reading. The page's lists usually hold what it needs; the
 * database is asked only when the last charge or the billed reading is older than the lists.
 */
async function computeBalance(
  db: Db,
  accountId: number,
  data: PageData,
  zones: Zone[],
  latest: readingsRepo.ReadingItem | undefined,
  lastCharge: ChargeItem | undefined,
): Promise<number> {
  const { meter, prices } = data;
  const since = lastCharge?.billedOn ?? '0000-00-00';
  const paymentsSinceKop =
    since >= data.paymentsFrom
      ? data.payments.reduce((sum, p) => (p.paidOn > since ? sum + p.amountKop : sum), 0)
      : await sumPaymentsAfter(db, accountId, since);
  const unbilled: Array<{ previous: number; current: number; priceE5: number }> = [];
  const billedId = lastCharge?.readingId;
  if (meter && billedId != null) {
    const billed =
      data.readings.find((r) => r.id === billedId) ??
      (await readingsRepo.findReading(db, accountId, billedId));
    if (billed && latest && billed.meterId === meter.id && latest.readingDate > billed.readingDate) {
      zones.forEach((zone, i) => {
        const previous = billed.values[i];
        const cur = latest.values[i];
        const priceE5 = prices.get(zone);
        if (previous !== undefined && cur !== undefined && priceE5 !== undefined) {
          unbilled.push({ previous, current: cur, priceE5 });
        }
      });
    }
  }
  return balanceAtLastReading({
    closedDebtKop: lastCharge?.debtKop ?? 0,
    paymentsSinceKop,
    unbilled,
    digits: meter?.digits ?? 1,
    ratio: meter?.ratio ?? 1,
  });
}

/** kWh of each of the 24 months before `current`, for the chart. */
function consumptionByMonth(charges: ChargeItem[], current: string): MainPageModel['consumption'] {
  const byPeriod = new Map(charges.map((c) => [c.period, c]));
  const first = monthIndex(current) - 24;
  return Array.from({ length: 24 }, (_, i) => {
    const period = periodAt(first + i);
    const c = byPeriod.get(period);
    return c
      ? { period, kwh: c.kwh, estimated: c.method !== 'readings' }
      : { period, kwh: null, estimated: false as const };
  });
}
