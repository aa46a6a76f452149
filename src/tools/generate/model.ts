import type { BillingLimits } from '../../domain/billing.ts';
import { MAX_KOPECKS } from '../../domain/money.ts';
import { DEFAULT_READINGS_LAST_DAY } from '../../domain/readings.ts';
import { pricesOn, zonesFor, type PriceRow } from '../../domain/tariff.ts';
import { buildCalendar, isoOfDay, type Calendar } from './calendar.ts';
import {
  DEFAULT_LIMITS,
  detailsJson,
  monthlyCharge,
  ReadingLog,
  type ChargeRecord,
  type MonthPrices,
} from './charges.ts';
import { drawPerson } from './names.ts';
import { accountNumber } from './numbers.ts';
import { drawAddress, drawSettlement, SETTLEMENT_CODES } from './places.ts';
import { cumulative, Rng } from './prng.ts';
import {
  ACCOUNTS,
  CHARGE_METHODS,
  CHARGES,
  EXTERNAL_ID_BASE,
  METERS,
  OFFICE_IP_FIRST,
  PAYMENTS,
  READINGS,
  BufferPool,
  RowBuffer,
  type Chunk,
  type TableName,
} from './tables.ts';

/**
 * The pure model: from (seed, account id, now) to the rows of one account — the account, its
 * meter, two years of readings and payments, and the monthly charges the closing would have
 * made from them (charges.ts). No I/O: the same input gives the same numbers in any thread.
 */

export const HISTORY_MONTHS = 24;

export interface PlanInfo {
  id: number;
  code: string;
  zones: number;
  normKwhPerResident: number;
  socialNormKwh: number | null;
  socialNormExtraKwh: number | null;
  prices: PriceRow[];
}

export interface NextIds {
  account: number;
  meter: number;
  reading: number;
  payment: number;
  charge: number;
}

export interface ModelInput {
  seed: number;
  /** ms since the epoch */
  now: number;
  timeZone: string;
  /** Plans by code: 'single', 'two-zone', 'three-zone'. */
  plans: PlanInfo[];
  /** Branch id per settlement code. */
  branchOf: Record<string, number>;
  /** Account numbers already in the database (never reused). */
  taken: string[];
  /** The first id to use in each table. */
  next: NextIds;
  /** The closing's limits (config.billing); defaults: 6, 3, ×1.0. */
  limits?: BillingLimits;
  /** Readings up to this day of a month count for it, later ones for the next (config.readingsLastDay). */
  readingsLastDay?: number;
}

type Buffers = Record<TableName, RowBuffer>;

const SEASON = [1.35, 1.25, 1.1, 0.95, 0.85, 0.8, 0.8, 0.85, 0.9, 1.0, 1.2, 1.35];
const WINTER = [true, true, true, false, false, false, false, false, false, false, true, true];

const PLAN_CUM = cumulative([84, 12, 4]);
const PLAN_CODES = ['single', 'two-zone', 'three-zone'];
const RESIDENTS_CUM = cumulative([22, 34, 22, 13, 6, 3]);
const DIGITS_SINGLE: ReadonlyArray<readonly [number, number]> = [
  [4, 10],
  [5, 55],
  [6, 25],
  [8, 10],
];
const DIGITS_MULTI: ReadonlyArray<readonly [number, number]> = [
  [5, 15],
  [6, 55],
  [8, 30],
];
const DIGITS_SINGLE_CUM = cumulative(DIGITS_SINGLE.map(([, w]) => w));
const DIGITS_MULTI_CUM = cumulative(DIGITS_MULTI.map(([, w]) => w));
/** internet, grid, bill, customer, operator (computed: opening readings only) */
const READING_CHANNEL_CUM = cumulative([46, 12, 22, 12, 8, 0]);
const OPENING_CHANNEL_CUM = cumulative([0, 40, 20, 0, 0, 40]);
/** bank, post, card, terminal, office */
const PAYMENT_CHANNEL_CUM = cumulative([38, 10, 27, 15, 10]);

const PAY_MONTHLY = 0;
const PAY_BIMONTHLY = 1;
const PAY_IRREGULAR = 2;
const PAY_ARREARS = 3;
const PAY_PROBABILITY = [0.93, 0.95, 0.45, 0.3];

const CH_INTERNET = 0;
const CH_OPERATOR = 4;
const ST_ACCEPTED = 0;
const ST_REVIEW = 1;
const ST_REJECTED = 2;
const REASON_EXPIRED = 0;
const REASON_LOWER = 1;
const REASON_REVIEW = 2;

const A = ACCOUNTS.col;
const MT = METERS.col;
const R = READINGS.col;
const P = PAYMENTS.col;
const C = CHARGES.col;

interface PlanRuntime extends PlanInfo {
  zoneNames: string[];
  /** Prices on the 1st of each calendar month (index as in Calendar.months). */
  monthPrices: MonthPrices[];
}

interface PendingReading {
  day: number;
  /** Month index of the billing period the reading counts in. */
  period: number;
  values: number[];
  channel: number;
  status: number;
  reason: number;
}

export class Model {
  readonly calendar: Calendar;
  private readonly plans: PlanRuntime[];
  private readonly taken: ReadonlySet<string>;
  private readonly next: NextIds;
  private readonly limits: BillingLimits;
  private readonly lastDay: number;
  // Per-account scratch, reused.
  private readonly log = new ReadingLog();
  private readonly charged: ChargeRecord[] = [];
  private readonly pending: PendingReading[] = [];
  private readonly periodTotals = new Map<number, { charges: number; totalKop: number }>();
  private readonly pool = new BufferPool();
  /** The account being generated, for addReading. */
  private readonly cur = { accountId: 0, meterId: 0, zones: 1, lastSubmittedAt: 0 };

  constructor(private readonly input: ModelInput) {
    this.calendar = buildCalendar(new Date(input.now), input.timeZone, HISTORY_MONTHS);
    this.taken = new Set(input.taken);
    this.next = { ...input.next };
    this.limits = input.limits ?? DEFAULT_LIMITS;
    this.lastDay = input.readingsLastDay ?? DEFAULT_READINGS_LAST_DAY;
    this.plans = PLAN_CODES.map((code) => {
      const plan = input.plans.find((p) => p.code === code);
      if (!plan) {
        throw new Error(`tariff plan ${code} is missing`);
      }
      const zoneNames = zonesFor(plan.zones);
      const aboveRows = plan.prices
        .filter((r) => r.band === 'above_norm')
        .map((r) => ({ ...r, band: 'base' }));
      const monthPrices = this.calendar.months.map((m) => {
        const first = isoOfDay(m.firstDay);
        const base = pricesOn(plan.prices, first);
        const above = pricesOn(aboveRows, first);
        // computeCharge's priceOf: the zone's price, else the single rate, else any.
        const priceOf = (zone: string) => base.get(zone) ?? base.get('single') ?? [...base.values()][0];
        const baseZ = zoneNames.map(priceOf);
        if (baseZ.some((p) => p === undefined)) {
          throw new Error(`no price of plan ${code} in force on ${first}`);
        }
        return { base: baseZ as number[], above: zoneNames.map((z, i) => above.get(z) ?? baseZ[i]!) };
      });
      return { ...plan, zoneNames, monthPrices };
    });
  }

  /** Buffers of earlier chunks, written and no longer needed. */
  recycle(buffers: ArrayBuffer[]): void {
    this.pool.give(buffers);
  }

  /** Generates the next `count` accounts (ids continue from the previous chunk). */
  chunk(count: number): Chunk {
    const pool = this.pool;
    const b: Buffers = {
      accounts: new RowBuffer(ACCOUNTS, count, pool),
      meters: new RowBuffer(METERS, count, pool),
      readings: new RowBuffer(READINGS, count * 28, pool),
      payments: new RowBuffer(PAYMENTS, count * 20, pool),
      charges: new RowBuffer(CHARGES, count * HISTORY_MONTHS, pool),
    };
    this.periodTotals.clear();
    for (let i = 0; i < count; i++) {
      this.account(b);
    }
    return {
      accounts: count,
      periods: [...this.periodTotals].map(([month, t]) => ({
        month,
        charges: t.charges,
        totalKop: t.totalKop,
      })),
      tables: {
        accounts: b.accounts.seal(),
        meters: b.meters.seal(),
        readings: b.readings.seal(),
        payments: b.payments.seal(),
        charges: b.charges.seal(),
      },
    };
  }

  private account(b: Buffers): void {
    const cal = this.calendar;
    const months = cal.months;
    const H = cal.historyMonths;
    const accountId = this.next.account++;
    const meterId = this.next.meter++;
    const rng = new Rng(this.input.seed, accountId);

    // --- the account -------------------------------------------------------------------
    const num = accountNumber(accountId, this.input.seed, drawSettlement(rng), SETTLEMENT_CODES, this.taken);
    const code = SETTLEMENT_CODES[num.codeIndex]!;
    const person = drawPerson(rng);
    const address = drawAddress(rng, code);
    const delivery = !address.flat && rng.chance(0.12) ? drawAddress(rng, code, true).text : address.text;
    const residents = rng.weighted(RESIDENTS_CUM) + 1;
    const areaM2 = address.flat
      ? Math.min(120, 24 + residents * 9 + rng.int(0, 30)) + rng.int(0, 9) / 10
      : rng.int(32, 165) + rng.int(0, 9) / 10;
    const plan = this.plans[rng.weighted(PLAN_CUM)]!;
    const historyStart = months[1]!.firstDay;
    const createdAt = cal.midnightMs(historyStart - rng.int(40, 7000)) + rng.int(8 * 3600, 18 * 3600) * 1000;

    let o = b.accounts.add();
    let a = b.accounts.nums;
    a[o + A.id] = accountId;
    a[o + A.number] = num.number;
    a[o + A.settlement_code] = num.codeIndex;
    a[o + A.surname] = person.surname;
    a[o + A.first_name] = person.firstName;
    a[o + A.patronymic] = person.patronymic;
    a[o + A.object_address] = b.accounts.str(address.text);
    a[o + A.delivery_address] = b.accounts.str(delivery);
    a[o + A.area_e2] = Math.round(areaM2 * 100);
    a[o + A.residents] = residents;
    a[o + A.branch_id] = this.input.branchOf[code]!;
    a[o + A.tariff_plan_id] = plan.id;
    a[o + A.created_at] = createdAt;

    // --- the meter ---------------------------------------------------------------------
    const zones = plan.zones;
    const digits =
      zones === 1
        ? DIGITS_SINGLE[rng.weighted(DIGITS_SINGLE_CUM)]![0]
        : DIGITS_MULTI[rng.weighted(DIGITS_MULTI_CUM)]![0];
    const wrap = 10 ** digits;
    const rr = rng.float();
    const ratio = rr < 0.006 ? 20 : rr < 0.013 ? 40 : rr < 0.016 ? 3000 : 1;
    const serialLength = rng.int(6, 9);
    const serial = rng.int(10 ** (serialLength - 1), 10 ** serialLength - 1);
    const vr = rng.float();
    const due =
      vr < 0.045
        ? cal.todayDay - rng.int(1, 420)
        : vr < 0.085
          ? cal.todayDay + rng.int(1, 90)
          : cal.todayDay + rng.int(91, 16 * 365);
    const installed = Math.min(historyStart - rng.int(30, 12 * 365), due - 365 * rng.int(1, 16));

    o = b.meters.add();
    a = b.meters.nums;
    a[o + MT.id] = meterId;
    a[o + MT.account_id] = accountId;
    a[o + MT.serial] = serial;
    a[o + MT.digits] = digits;
    a[o + MT.zones] = zones;
    a[o + MT.ratio] = ratio;
    a[o + MT.installed_on] = installed;
    a[o + MT.verification_due] = due;
    a[o + MT.removed_on] = -1;

    // --- how this household uses electricity, reads the meter and pays -------------------
    const heating = !address.flat && rng.chance(0.15);
    let base = address.flat
      ? 55 + 38 * residents + rng.int(-10, 40)
      : 90 + 45 * residents + areaM2 * 0.5 + rng.int(-20, 60);
    if (ratio > 1) {
      base *= ratio >= 1000 ? 12 : 4;
    }
    const shares = zoneShares(zones, rng);
    const reg = new Array<number>(zones);
    const carry = new Array<number>(zones).fill(0);
    const registerCap = digits <= 5 ? Math.floor(wrap * 0.85) : Math.min(wrap - 1, 300_000);
    for (let z = 0; z < zones; z++) {
      reg[z] = rng.int(0, registerCap);
    }
    if (rng.chance(0.012)) {
      // Close to the top of the register, so that it wraps around within the history.
      const monthly = Math.max(1, Math.floor((base * shares[0]!) / ratio));
      reg[0] = Math.max(0, wrap - monthly * rng.int(2, 20));
    }

    const style = rng.float();
    const readProb = style < 0.72 ? 0.96 : style < 0.92 ? 0.72 : 0.94;
    // A stretch without readings: six months by the average, a seventh by the norm (п.59–60).
    const gapStart = style >= 0.92 ? rng.int(2, H - 8) : -1;
    const gapEnd = gapStart < 0 ? -1 : gapStart + rng.int(6, 7);
    // Day of the month the household reads the meter; ≤ 0: the last days of the month before (still in the window).
    const readDay = rng.chance(0.82) ? rng.int(12, this.lastDay) : rng.int(-4, 0);
    // How the household pays: every month (the bill), every other month (two bills at once),
    // irregular round sums, or in arrears with part payments.
    const payStyle = rng.float();
    const payMode =
      payStyle < 0.35
        ? PAY_MONTHLY
        : payStyle < 0.75
          ? PAY_BIMONTHLY
          : payStyle < 0.9
            ? PAY_IRREGULAR
            : PAY_ARREARS;
    const payProb = PAY_PROBABILITY[payMode]!;
    const payParity = rng.int(0, 1);
    const payDay = rng.int(3, 27);
    const reviewMonth = rng.chance(0.012) ? H + (rng.chance(0.5) ? 1 : 0) : -1;

    const log = this.log;
    log.clear();
    const charged = this.charged;
    charged.length = 0;
    const pending = this.pending;
    const rd = b.readings;
    const cur = this.cur;
    cur.accountId = accountId;
    cur.meterId = meterId;
    cur.zones = zones;
    cur.lastSubmittedAt = 0;

    // The opening reading, in the month before the history: what the first charge starts from.
    const m0 = months[0]!;
    this.addReading(rd, rng, {
      day: m0.firstDay + rng.int(5, 20) - 1,
      period: m0.index,
      values: reg.slice(),
      channel: rng.weighted(OPENING_CHANNEL_CUM),
      status: ST_ACCEPTED,
      reason: -1,
    });

    let debt = 0; // the closing starts an account without earlier charges from zero
    const before = new Array<number>(zones).fill(0);
    const delta = new Array<number>(zones).fill(0);
    const meterInfo = { serial: String(serial), digits, ratio };

    for (let i = 1; i <= H + 1; i++) {
      const m = months[i]!;
      const current = i === H + 1;
      const lastDay = current ? cal.todayDay - 1 : m.lastDay; // the current month: up to yesterday
      // Readings count for the month from the day after the previous month's last reading day to its own.
      const windowStart = months[i - 1]!.firstDay + this.lastDay;
      const windowEnd = Math.min(m.firstDay + this.lastDay - 1, lastDay);
      for (let z = 0; z < zones; z++) {
        before[z] = reg[z]!;
      }

      // Consumption of the month moves the registers (in register units: kWh / ratio).
      const elapsed = current ? (cal.todayDay - m.firstDay) / m.days : 1;
      const k =
        base *
        SEASON[m.month - 1]! *
        (heating && WINTER[m.month - 1] ? 2.2 : 1) *
        (0.85 + 0.3 * rng.float()) *
        elapsed;
      for (let z = 0; z < zones; z++) {
        carry[z]! += (k * shares[z]!) / ratio;
        const d = Math.floor(carry[z]!);
        carry[z]! -= d;
        delta[z] = d;
        reg[z] = (reg[z]! + d) % wrap;
      }

      // Payments during the month, for the bill of the month before.
      const debtStart = debt;
      let paymentsKop = 0;
      const payMonth = payMode !== PAY_BIMONTHLY || i % 2 === payParity;
      if (lastDay >= m.firstDay && payMonth && rng.chance(payProb)) {
        let amount = 0;
        if (debtStart > 0) {
          if (payMode === PAY_MONTHLY || payMode === PAY_BIMONTHLY) {
            const r = rng.float();
            amount =
              r < 0.55
                ? debtStart
                : r < 0.8
                  ? Math.ceil(debtStart / 1000) * 1000
                  : Math.ceil(debtStart / 10_000) * 10_000;
          } else if (payMode === PAY_IRREGULAR) {
            amount = Math.max(10_000, Math.ceil((debtStart * (0.6 + rng.float())) / 10_000) * 10_000);
          } else {
            amount = Math.max(5_000, Math.round((debtStart * (0.1 + 0.4 * rng.float())) / 10_000) * 10_000);
          }
        } else if (rng.chance(0.08)) {
          amount = rng.int(3, 15) * 10_000; // an advance
        }
        amount = Math.min(amount, MAX_KOPECKS);
        if (amount > 0) {
          const parts = amount > 20_000 && rng.chance(0.04) ? 2 : 1;
          const first = parts === 2 ? Math.round(amount / 2) : amount;
          const d1 = clampDay(m.firstDay + payDay - 1 + rng.int(-4, 4), m.firstDay, lastDay);
          this.payment(b.payments, rng, accountId, d1, first);
          if (parts === 2) {
            this.payment(
              b.payments,
              rng,
              accountId,
              clampDay(d1 + rng.int(3, 12), m.firstDay, lastDay),
              amount - first,
            );
          }
          paymentsKop = amount;
        }
      }

      // Readings of the month (the customer's, the grid company's, from the bill...).
      pending.length = 0;
      const lastAccepted = log.values[log.length - 1]!;
      const inGap = i >= gapStart && i < gapEnd;
      if (windowEnd >= windowStart && !inGap && rng.chance(readProb)) {
        const day = clampDay(m.firstDay + readDay - 1 + rng.int(-3, 3), windowStart, windowEnd);
        // A meter past its verification date: its readings are not accepted any more.
        const rejectAll = due <= day;
        const status = rejectAll ? ST_REJECTED : ST_ACCEPTED;
        const reason = rejectAll ? REASON_EXPIRED : -1;
        if (day > windowStart && rng.chance(0.05)) {
          // An earlier reading of the same month (a control reading, or the customer's first try).
          const frac = 0.2 + 0.6 * rng.float();
          const values = new Array<number>(zones);
          for (let z = 0; z < zones; z++) {
            values[z] = (before[z]! + Math.floor(delta[z]! * frac)) % wrap;
          }
          pending.push({
            day: rng.int(windowStart, day - 1),
            period: m.index,
            values,
            channel: rng.weighted(READING_CHANNEL_CUM),
            status,
            reason,
          });
        }
        if (!rejectAll && lastAccepted[0]! >= 1000 && rng.chance(0.005)) {
          // A typing error: lower than the last reading and not confirmed as a rollover.
          const values = reg.slice();
          values[0] = lastAccepted[0]! - rng.int(10, 900);
          pending.push({
            day,
            period: m.index,
            values,
            channel: CH_INTERNET,
            status: ST_REJECTED,
            reason: REASON_LOWER,
          });
        }
        pending.push({
          day,
          period: m.index,
          values: reg.slice(),
          channel: rng.weighted(READING_CHANNEL_CUM),
          status,
          reason,
        });
      }
      if (i === reviewMonth && windowEnd >= windowStart && lastAccepted[0]! >= 3000) {
        // A suspicious reading waiting for the customer's confirmation; not billed.
        const values = reg.slice();
        values[0] = lastAccepted[0]! - rng.int(100, 2000);
        const day = clampDay(m.firstDay + readDay + rng.int(0, 3), windowStart, windowEnd);
        pending.push({
          day,
          period: m.index,
          values,
          channel: CH_INTERNET,
          status: ST_REVIEW,
          reason: REASON_REVIEW,
        });
      }
      pending.sort(byDay);
      for (const r of pending) {
        this.addReading(rd, rng, r);
      }
      if (current) {
        break;
      }

      // The month's charge, as the closing makes it.
      const ch = monthlyCharge({
        month: m.index,
        firstDay: m.firstDay,
        lastDay: m.lastDay,
        zones,
        digits,
        ratio,
        dueDay: due,
        residents,
        normKwhPerResident: plan.normKwhPerResident,
        socialNormKwh: plan.socialNormKwh,
        socialNormExtraKwh: plan.socialNormExtraKwh,
        prices: plan.monthPrices[i]!,
        limits: this.limits,
        readings: log,
        charges: charged,
      });
      charged.push({ month: m.index, method: ch.method, reading: ch.reading, zoneKwh: ch.zoneKwh });
      // Without a building's volumes there is no ОДН (as in the closing); no recalculations yet.
      debt = debtStart + ch.amountKop - paymentsKop;
      // Details as the closing stores them, where the bill and the next closing need more than
      // the row: several zones, or an estimate. A single-rate charge by readings keeps the row only.
      const details =
        zones > 1 || ch.method !== 'readings'
          ? detailsJson(ch, plan.zoneNames, plan.monthPrices[i]!, meterInfo, log)
          : null;

      const co = b.charges.add();
      const x = b.charges.nums;
      x[co + C.id] = this.next.charge++;
      x[co + C.account_id] = accountId;
      x[co + C.period] = m.index;
      x[co + C.billed_on] = m.lastDay;
      x[co + C.reading_id] = ch.reading >= 0 ? log.ids[ch.reading]! : NaN;
      x[co + C.reading_value] = ch.reading >= 0 ? log.values[ch.reading]![0]! : NaN;
      x[co + C.kwh] = ch.kwh;
      x[co + C.amount_kop] = ch.amountKop;
      x[co + C.odn_kwh] = 0;
      x[co + C.odn_kop] = 0;
      x[co + C.method] = CHARGE_METHODS.indexOf(ch.method);
      x[co + C.payments_kop] = paymentsKop;
      x[co + C.debt_start_kop] = debtStart;
      x[co + C.debt_kop] = debt;
      x[co + C.tariff_e5] = ch.priceE5;
      x[co + C.details] = b.charges.str(details);
      const totals = this.periodTotals.get(m.index);
      if (totals) {
        totals.charges++;
        totals.totalKop += ch.amountKop;
      } else {
        this.periodTotals.set(m.index, { charges: 1, totalKop: ch.amountKop });
      }
    }
  }

  private addReading(rd: RowBuffer, rng: Rng, r: PendingReading): void {
    const cur = this.cur;
    const zones = cur.zones;
    const id = this.next.reading++;
    const ro = rd.add();
    const x = rd.nums;
    x[ro + R.id] = id;
    x[ro + R.account_id] = cur.accountId;
    x[ro + R.meter_id] = cur.meterId;
    x[ro + R.reading_date] = r.day;
    x[ro + R.value1] = r.values[0]!;
    x[ro + R.value2] = zones > 1 ? r.values[1]! : NaN;
    x[ro + R.value3] = zones > 2 ? r.values[2]! : NaN;
    x[ro + R.channel] = r.channel;
    x[ro + R.status] = r.status;
    x[ro + R.reason] = r.reason;
    x[ro + R.billing_period] = r.period;
    let at = this.calendar.midnightMs(r.day) + rng.int(7 * 3600, 22 * 3600) * 1000 + rng.int(0, 999);
    if (at <= cur.lastSubmittedAt) {
      at = cur.lastSubmittedAt + rng.int(60, 1800) * 1000;
    } // a second reading of the same day
    cur.lastSubmittedAt = at;
    x[ro + R.submitted_at] = at;
    x[ro + R.submitted_ip] =
      r.channel === CH_INTERNET
        ? rng.int(0, OFFICE_IP_FIRST - 1)
        : r.channel === CH_OPERATOR
          ? OFFICE_IP_FIRST + rng.int(0, 7)
          : -1;
    if (r.status === ST_ACCEPTED) {
      this.log.push(id, r.day, r.values);
    }
  }

  private payment(buf: RowBuffer, rng: Rng, accountId: number, day: number, amountKop: number): void {
    const id = this.next.payment++;
    const channel = rng.weighted(PAYMENT_CHANNEL_CUM);
    const o = buf.add();
    const x = buf.nums;
    x[o + P.id] = id;
    x[o + P.account_id] = accountId;
    x[o + P.paid_on] = day;
    x[o + P.amount_kop] = amountKop;
    x[o + P.channel] = channel;
    x[o + P.external_id] =
      channel === 0 || channel === 2 || channel === 3 ? channel * EXTERNAL_ID_BASE + id : -1;
    x[o + P.created_at] = this.calendar.midnightMs(day) + rng.int(8 * 3600, 21 * 3600) * 1000;
  }
}

function byDay(x: PendingReading, y: PendingReading): number {
  return x.day - y.day;
}

function clampDay(day: number, lo: number, hi: number): number {
  return day < lo ? lo : day > hi ? hi : day;
}

/** Day/night or peak/half-peak/night shares of consumption. */
function zoneShares(zones: number, rng: Rng): number[] {
  if (zones === 1) {
    return [1];
  }
  if (zones === 2) {
    const day = 0.6 + 0.2 * rng.float();
    return [day, 1 - day];
  }
  const peak = 0.22 + 0.1 * rng.float();
  const half = 0.4 + 0.1 * rng.float();
  return [peak, half, 1 - peak - half];
}
