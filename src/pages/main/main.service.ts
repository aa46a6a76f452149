import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { balanceAtLastReading } from '../../domain/balance.ts';
import { addMonths, monthIndex, periodAt, periodOf, periodTitle } from '../../domain/dates.ts';
import { explainCharge, type ChargeDetails } from '../../domain/explain.ts';
import { pricesOn, zonesFor, ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import { verificationStatus, type VerificationStatus } from '../../domain/verification.ts';
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
import { CHANNEL_TITLES, STATUS_TITLES } from '../../features/readings/reading-titles.ts';
import * as readingsRepo from '../../features/readings/readings.repository.ts';
import {
  readingForm as makeReadingForm,
  type ReadingFormData,
} from '../../features/readings/readings.service.ts';

type Db = Kysely<Database>;

export interface MainPageModel {
  account: { number: string; fullName: string; objectAddress: string; residents: number };
  meter: { serial: string; digits: number; ratio: number; zones: Zone[] } | null;
  /** Current prices, per zone, in 1/100000 ₽. */
  tariffs: Array<{ zone: Zone; title: string; priceE5: number | null }>;
  balanceKop: number;
  verification: VerificationStatus | null;
  payments: PaymentItem[];
  readings: Array<{ date: string; values: number[]; channel: string; status: string; statusCode: string }>;
  /** The form for a new reading; null without a meter in service. */
  readingForm: ReadingFormData | null;
  charges: Array<{
    period: string;
    title: string;
    billedOn: string;
    readingValue: number | null;
    odnKop: number;
    debtKop: number;
    method: string;
    /** "Как рассчитано": the formula with the customer's numbers, line by line. */
    explanation: string[];
  }>;
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
  payments: PaymentItem[];
  readings: readingsRepo.ReadingItem[];
  /** The last 24 periods' charges, oldest first. */
  charges: ChargeItem[];
  prices: Map<string, number>;
  address: AddressView;
  /** The histories are complete from this date on. */
  historyFrom: string;
}

/**
 * The customer's main page. Histories cover the current and the previous calendar year in the
 * supplier's time zone (`today`); the chart, the last 24 months.
 */
export async function loadMainPage(db: Db, accountId: number, today: string): Promise<MainPageModel> {
  const data = await readPage(db, accountId, today);
  const { profile, meter, readings, charges } = data;
  const zones = zonesFor(meter?.zones ?? 1);
  // One read of the latest accepted reading serves the form and the balance.
  const latest = meter
    ? (readings.findLast((r) => r.status === 'accepted' && r.meterId === meter.id) ??
      (await readingsRepo.latestAcceptedReading(db, accountId, meter.id)))
    : undefined;
  const balanceKop = await computeBalance(db, accountId, data, zones, latest);
  const status = meter ? verificationStatus(meter.verificationDue, today) : null;
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
    balanceKop,
    verification: status && status.state !== 'valid' ? status : null,
    readingForm: meter ? makeReadingForm(meter, latest) : null,
    payments: data.payments,
    readings: readings.map((r) => ({
      date: r.readingDate,
      values: r.values,
      channel: CHANNEL_TITLES[r.channel] ?? r.channel,
      status: STATUS_TITLES[r.status] ?? r.status,
      statusCode: r.status,
    })),
    charges: chargeHistory(charges, `${Number(today.slice(0, 4)) - 1}-01`),
    consumption: consumptionByMonth(charges, periodOf(today)),
    address: data.address,
  };
}

async function readPage(db: Db, accountId: number, today: string): Promise<PageData> {
  const profile = await findAccountProfile(db, accountId);
  if (!profile) {
    throw new AccountNotFound();
  }
  const historyFrom = `${Number(today.slice(0, 4)) - 1}-01-01`;
  const [prices, address, meter, payments, readings, charges] = await Promise.all([
    planPrices(db, profile.tariffPlanId),
    loadAddress(db, accountId),
    readingsRepo.findActiveMeter(db, accountId),
    listPayments(db, accountId, historyFrom),
    readingsRepo.listReadings(db, accountId, historyFrom),
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
): Promise<number> {
  const { meter, prices } = data;
  const lastCharge = data.charges.at(-1) ?? (await findLastCharge(db, accountId));
  const since = lastCharge?.billedOn ?? '0000-00-00';
  const paymentsSinceKop =
    since >= data.historyFrom
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

/** The charges of the history's table, from `fromPeriod`, each with "Как рассчитано". */
function chargeHistory(charges: ChargeItem[], fromPeriod: string): MainPageModel['charges'] {
  return charges
    .filter((c) => c.period >= fromPeriod)
    .map((c) => ({
      period: c.period,
      title: periodTitle(c.period),
      billedOn: c.billedOn,
      readingValue: c.readingValue,
      odnKop: c.odnKop,
      debtKop: c.debtKop,
      method: c.method,
      explanation: explainCharge({ ...c, details: parseDetails(c.details) }),
    }));
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

function parseDetails(json: string | null): ChargeDetails | null {
  if (!json) {
    return null;
  }
  try {
    return JSON.parse(json) as ChargeDetails;
  } catch {
    return null;
  }
}
