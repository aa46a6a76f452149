import type { Db } from '../../platform/db/connect.ts';
import { balanceAtLastReading } from '../../domain/balance.ts';
import { addMonths, monthIndex, periodAt, periodOf, periodTitle } from '../../domain/dates.ts';
import { explainCharge, type ChargeDetails } from '../../domain/explain.ts';
import { pricesOn, zonesFor, ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import { verificationStatus, type VerificationStatus } from '../../domain/verification.ts';
import * as repo from './main.repository.ts';
import * as readingsRepo from '../../features/readings/readings.repository.ts';
import {
  readingForm as makeReadingForm,
  type ReadingFormData,
} from '../../features/readings/readings.service.ts';

export const CHANNEL_TITLES: Record<string, string> = {
  internet: 'Интернет',
  grid: 'Сетевая компания',
  bill: 'Квитанция',
  customer: 'Потребитель',
  operator: 'Оператор',
  computed: 'Расчётное',
};

export const STATUS_TITLES: Record<string, string> = {
  accepted: 'принято',
  review: 'на проверке',
  rejected: 'отклонено',
};

export interface MainPageModel {
  account: { number: string; fullName: string; objectAddress: string; residents: number };
  meter: { serial: string; digits: number; ratio: number; zones: Zone[] } | null;
  /** Current prices, per zone, in 1/100000 ₽. */
  tariffs: Array<{ zone: Zone; title: string; priceE5: number | null }>;
  balanceKop: number;
  verification: VerificationStatus | null;
  payments: repo.PaymentItem[];
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
}

export class AccountNotFound extends Error {}

/**
 * What is read on every view, cached sections or not: the account's row, its tariff plan's prices
 * and its e-mail address for bills (one statement).
 */
export type PageHead = repo.PageHeadRows;

export async function loadPageHead(db: Db, accountId: number): Promise<PageHead> {
  const head = await repo.findPageHead(db, accountId);
  if (!head) {
    throw new AccountNotFound();
  }
  return head;
}

/**
 * The customer's main page. Histories cover the current and the previous calendar year
 * in the supplier's time zone (`today`).
 */
export async function loadMainPage(
  db: Db,
  accountId: number,
  today: string,
  head?: PageHead,
): Promise<MainPageModel> {
  const { profile, prices } = head ?? (await loadPageHead(db, accountId));
  const fromYear = Number(today.slice(0, 4)) - 1;
  const historyFrom = `${fromYear}-01-01`;
  const [meter, payments, readings, charges] = await Promise.all([
    repo.findActiveMeter(db, accountId),
    repo.listPayments(db, accountId, historyFrom),
    readingsRepo.listReadings(db, accountId, historyFrom),
    repo.listCharges(db, accountId, addMonths(periodOf(today), -24)),
  ]);
  // The page's lists usually hold what the balance needs; the database is asked only when
  // the last charge, the billed reading or the latest accepted one is older than the lists.
  const lastCharge =
    charges.length > 0 ? charges[charges.length - 1] : await repo.findLastCharge(db, accountId);

  const current = pricesOn(prices, today);
  const zones = zonesFor(meter?.zones ?? 1);
  const tariffs = zones.map((zone) => ({
    zone,
    title: ZONE_TITLES[zone],
    priceE5: current.get(zone) ?? null,
  }));

  // One read of the latest accepted reading serves the form and the balance.
  const latest = meter
    ? (readings.findLast((r) => r.status === 'accepted' && r.meterId === meter.id) ??
      (await readingsRepo.latestAcceptedReading(db.kysely, accountId, meter.id)))
    : undefined;
  const readingForm = meter ? makeReadingForm(meter, latest) : null;
  const balanceKop = await computeBalance(
    db,
    accountId,
    { meter, latest, lastCharge, zones, prices: current },
    { payments, readings, from: historyFrom },
  );

  const status = meter ? verificationStatus(meter.verificationDue, today) : null;
  const byPeriod = new Map(charges.map((c) => [c.period, c]));
  return {
    account: {
      number: profile.number,
      fullName: [profile.surname, profile.firstName, profile.patronymic].filter(Boolean).join(' '),
      objectAddress: profile.objectAddress,
      residents: profile.residents,
    },
    meter: meter ? { serial: meter.serial, digits: meter.digits, ratio: meter.ratio, zones } : null,
    tariffs,
    balanceKop,
    verification: status && status.state !== 'valid' ? status : null,
    readingForm,
    payments,
    readings: readings.map((r) => ({
      date: r.readingDate,
      values: r.values,
      channel: CHANNEL_TITLES[r.channel] ?? r.channel,
      status: STATUS_TITLES[r.status] ?? r.status,
      statusCode: r.status,
    })),
    charges: charges
      .filter((c) => c.period >= `${fromYear}-01`)
      .map((c) => ({
        period: c.period,
        title: periodTitle(c.period),
        billedOn: c.billedOn,
        readingValue: c.readingValue,
        odnKop: c.odnKop,
        debtKop: c.debtKop,
        method: c.method,
        explanation: explainCharge({ ...c, details: parseDetails(c.details) }),
      })),
    consumption: lastMonths(periodOf(today), 24).map((period) => {
      const c = byPeriod.get(period);
      return c
        ? { period, kwh: c.kwh, estimated: c.method !== 'readings' }
        : { period, kwh: null, estimated: false as const };
    }),
  };
}

async function computeBalance(
  db: Db,
  accountId: number,
  c: {
    meter: repo.MeterInfo | undefined;
    latest: readingsRepo.ReadingItem | undefined;
    lastCharge: repo.ChargeItem | undefined;
    zones: Zone[];
    prices: Map<string, number>;
  },
  /** The page's histories, complete from `from` (a date) on. */
  lists: { payments: repo.PaymentItem[]; readings: readingsRepo.ReadingItem[]; from: string },
): Promise<number> {
  const { meter, latest, lastCharge, zones, prices } = c;
  const since = lastCharge?.billedOn ?? '0000-00-00';
  const paymentsSinceKop =
    since >= lists.from
      ? lists.payments.reduce((sum, p) => (p.paidOn > since ? sum + p.amountKop : sum), 0)
      : await repo.sumPaymentsAfter(db.kysely, accountId, since);
  const unbilled: Array<{ previous: number; current: number; priceE5: number }> = [];
  const billedId = lastCharge?.readingId;
  if (meter && billedId != null) {
    const billed =
      lists.readings.find((r) => r.id === billedId) ??
      (await readingsRepo.findReading(db.kysely, accountId, billedId));
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

/** The `count` periods before `current`, oldest first. */
function lastMonths(current: string, count: number): string[] {
  const first = monthIndex(current) - count;
  return Array.from({ length: count }, (_, i) => periodAt(first + i));
}
