import type { BillingLimits, MeterInput } from '../../domain/billing.ts';
import { chargeDetails, type DetailsMeter } from '../../domain/charge-details.ts';
import { DEFAULT_READINGS_LAST_DAY } from '../../domain/readings.ts';
import type { PriceRow } from '../../domain/tariff.ts';
import { buildCalendar, isoOfDay, type Calendar, type MonthInfo } from './calendar.ts';
import { AccountHistory, DEFAULT_LIMITS } from './history.ts';
import { drawAccount, drawHabits, drawMeter, PLAN_CODES, type Habits, type Meter } from './household.ts';
import {
  CH_INTERNET,
  CH_OPERATOR,
  consume,
  drawPayments,
  drawReadings,
  OPENING_CHANNEL_CUM,
  ST_ACCEPTED,
  type PendingReading,
} from './month.ts';
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
 * made from them (history.ts). No I/O: the same input gives the same numbers in any thread.
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

/** bank, post, card, terminal, office */
const PAYMENT_CHANNEL_CUM = cumulative([38, 10, 27, 15, 10]);

const A = ACCOUNTS.col;
const MT = METERS.col;
const R = READINGS.col;
const P = PAYMENTS.col;
const C = CHARGES.col;

/** The account being generated. */
interface Account {
  id: number;
  meterId: number;
  plan: PlanInfo;
  residents: number;
  meter: Meter;
  /** The meter as computeCharge and the charge details take it. */
  meterInput: MeterInput;
  detailsMeter: DetailsMeter;
  habits: Habits;
  /** When its latest reading was submitted (ms), so that two of one day come in order. */
  lastSubmittedAt: number;
}

export class Model {
  readonly calendar: Calendar;
  private readonly plans: PlanInfo[];
  private readonly taken: ReadonlySet<string>;
  private readonly next: NextIds;
  private readonly limits: BillingLimits;
  private readonly lastDay: number;
  // Per-account scratch, reused.
  private readonly history = new AccountHistory();
  private readonly pending: PendingReading[] = [];
  private readonly before: number[] = [];
  private readonly delta: number[] = [];
  private readonly periodTotals = new Map<number, { charges: number; totalKop: number }>();
  private readonly pool = new BufferPool();

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
      return plan;
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

  /** One account: its row, its meter's, then month by month its payments, readings and charges. */
  private account(b: Buffers): void {
    const cal = this.calendar;
    const months = cal.months;
    const H = cal.historyMonths;
    const accountId = this.next.account++;
    const meterId = this.next.meter++;
    const rng = new Rng(this.input.seed, accountId);
    const household = this.accountRow(b.accounts, rng, accountId);
    const { plan } = household;
    const meter = drawMeter(rng, plan.zones, cal.todayDay, months[1]!.firstDay);
    this.meterRow(b.meters, meterId, accountId, plan.zones, meter);
    const acc: Account = {
      id: accountId,
      meterId,
      plan,
      residents: household.residents,
      meter,
      meterInput: {
        id: meterId,
        digits: meter.digits,
        ratio: meter.ratio,
        zones: plan.zones,
        verificationDue: isoOfDay(meter.due),
      },
      detailsMeter: { serial: String(meter.serial), digits: meter.digits, ratio: meter.ratio },
      habits: drawHabits(rng, {
        ...household,
        zones: plan.zones,
        meter,
        historyMonths: H,
        readingsLastDay: this.lastDay,
      }),
      lastSubmittedAt: 0,
    };
    this.history.clear();

    // The opening reading, in the month before the history: what the first charge starts from.
    const m0 = months[0]!;
    this.addReading(b.readings, rng, acc, {
      day: m0.firstDay + rng.int(5, 20) - 1,
      period: m0.index,
      values: acc.habits.reg.slice(),
      channel: rng.weighted(OPENING_CHANNEL_CUM),
      status: ST_ACCEPTED,
      reason: -1,
    });
    for (let i = 1; i <= H; i++) {
      const paymentsKop = this.month(b, rng, acc, i);
      this.charge(b.charges, acc, months[i]!, paymentsKop);
    }
    this.month(b, rng, acc, H + 1); // the current month: up to yesterday, not charged yet
  }

  /** The account's row; what the rest of the household depends on. */
  private accountRow(buf: RowBuffer, rng: Rng, accountId: number) {
    const f = drawAccount(rng, accountId, this.input.seed, this.taken, this.calendar);
    const plan = this.plans[f.plan]!;
    const o = buf.add();
    const a = buf.nums;
    a[o + A.id] = accountId;
    a[o + A.number] = f.number;
    a[o + A.settlement_code] = f.codeIndex;
    a[o + A.surname] = f.person.surname;
    a[o + A.first_name] = f.person.firstName;
    a[o + A.patronymic] = f.person.patronymic;
    a[o + A.object_address] = buf.str(f.address.text);
    a[o + A.delivery_address] = buf.str(f.delivery);
    a[o + A.area_e2] = Math.round(f.areaM2 * 100);
    a[o + A.residents] = f.residents;
    a[o + A.branch_id] = this.input.branchOf[f.code]!;
    a[o + A.tariff_plan_id] = plan.id;
    a[o + A.created_at] = f.createdAt;
    return { flat: f.address.flat, residents: f.residents, areaM2: f.areaM2, plan };
  }

  private meterRow(buf: RowBuffer, meterId: number, accountId: number, zones: number, meter: Meter): void {
    const o = buf.add();
    const a = buf.nums;
    a[o + MT.id] = meterId;
    a[o + MT.account_id] = accountId;
    a[o + MT.serial] = meter.serial;
    a[o + MT.digits] = meter.digits;
    a[o + MT.zones] = zones;
    a[o + MT.ratio] = meter.ratio;
    a[o + MT.installed_on] = meter.installed;
    a[o + MT.verification_due] = meter.due;
    a[o + MT.removed_on] = -1;
  }

  /** Month `i` of the history: consumption, the payments and the readings; returns the sum paid. */
  private month(b: Buffers, rng: Rng, acc: Account, i: number): number {
    const cal = this.calendar;
    const m = cal.months[i]!;
    const h = acc.habits;
    const current = i === cal.historyMonths + 1;
    const lastDay = current ? cal.todayDay - 1 : m.lastDay; // the current month: up to yesterday
    const before = this.before;
    const delta = this.delta;
    before.length = delta.length = h.reg.length;
    for (let z = 0; z < h.reg.length; z++) {
      before[z] = h.reg[z]!;
    }
    consume(rng, h, acc.meter, m, current ? (cal.todayDay - m.firstDay) / m.days : 1, delta);

    // Payments during the month, for the bill of the month before.
    const paid = drawPayments(rng, h, m, i, lastDay, this.history.debtKop(), (day, amountKop) =>
      this.payment(b.payments, rng, acc.id, day, amountKop),
    );

    // Readings count for the month from the day after the previous month's last reading day to its own.
    const pending = this.pending;
    drawReadings(
      rng,
      h,
      acc.meter,
      {
        i,
        info: m,
        windowStart: cal.months[i - 1]!.firstDay + this.lastDay,
        windowEnd: Math.min(m.firstDay + this.lastDay - 1, lastDay),
        before,
        delta,
        lastAccepted: this.history.lastValues(),
      },
      pending,
    );
    for (const r of pending) {
      this.addReading(b.readings, rng, acc, r);
    }
    return paid;
  }

  /** The month's charge, as the closing makes it. */
  private charge(buf: RowBuffer, acc: Account, m: MonthInfo, paymentsKop: number): void {
    const ch = this.history.close({
      month: m.index,
      residents: acc.residents,
      plan: acc.plan,
      meter: acc.meterInput,
      paymentsKop,
      limits: this.limits,
    });
    // Details as the closing stores them, where the bill and the next closing need more than
    // the row: several zones, or an estimate. A single-rate charge by readings keeps the row only.
    const details =
      acc.plan.zones > 1 || ch.method !== 'readings'
        ? JSON.stringify(chargeDetails(ch, acc.detailsMeter, []))
        : null;
    const o = buf.add();
    const x = buf.nums;
    x[o + C.id] = this.next.charge++;
    x[o + C.account_id] = acc.id;
    x[o + C.period] = m.index;
    x[o + C.billed_on] = m.lastDay;
    x[o + C.reading_id] = ch.reading ? ch.reading.id : NaN;
    x[o + C.reading_value] = ch.reading ? ch.reading.values[0]! : NaN;
    x[o + C.kwh] = ch.kwh;
    x[o + C.amount_kop] = ch.amountKop;
    x[o + C.odn_kwh] = ch.odnKwh;
    x[o + C.odn_kop] = ch.odnKop;
    x[o + C.method] = CHARGE_METHODS.indexOf(ch.method);
    x[o + C.payments_kop] = ch.paymentsKop;
    x[o + C.debt_start_kop] = ch.debtStartKop;
    x[o + C.debt_kop] = ch.debtKop;
    x[o + C.tariff_e5] = ch.priceE5;
    x[o + C.details] = buf.str(details);
    const totals = this.periodTotals.get(m.index);
    const totalKop = ch.amountKop + ch.odnKop + ch.recalcKop;
    if (totals) {
      totals.charges++;
      totals.totalKop += totalKop;
    } else {
      this.periodTotals.set(m.index, { charges: 1, totalKop });
    }
  }

  private addReading(rd: RowBuffer, rng: Rng, acc: Account, r: PendingReading): void {
    const zones = acc.plan.zones;
    const id = this.next.reading++;
    const ro = rd.add();
    const x = rd.nums;
    x[ro + R.id] = id;
    x[ro + R.account_id] = acc.id;
    x[ro + R.meter_id] = acc.meterId;
    x[ro + R.reading_date] = r.day;
    x[ro + R.value1] = r.values[0]!;
    x[ro + R.value2] = zones > 1 ? r.values[1]! : NaN;
    x[ro + R.value3] = zones > 2 ? r.values[2]! : NaN;
    x[ro + R.channel] = r.channel;
    x[ro + R.status] = r.status;
    x[ro + R.reason] = r.reason;
    x[ro + R.billing_period] = r.period;
    let at = this.calendar.midnightMs(r.day) + rng.int(7 * 3600, 22 * 3600) * 1000 + rng.int(0, 999);
    if (at <= acc.lastSubmittedAt) {
      at = acc.lastSubmittedAt + rng.int(60, 1800) * 1000;
    } // a second reading of the same day
    acc.lastSubmittedAt = at;
    x[ro + R.submitted_at] = at;
    x[ro + R.submitted_ip] =
      r.channel === CH_INTERNET
        ? rng.int(0, OFFICE_IP_FIRST - 1)
        : r.channel === CH_OPERATOR
          ? OFFICE_IP_FIRST + rng.int(0, 7)
          : -1;
    if (r.status === ST_ACCEPTED) {
      this.history.addReading(id, r.day, r.values, r.period);
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
