import type { Calendar } from './calendar.ts';
import { drawPerson, type PersonIdx } from './names.ts';
import { accountNumber } from './numbers.ts';
import { drawAddress, drawSettlement, SETTLEMENT_CODES, type Address } from './places.ts';
import { cumulative, type Rng } from './prng.ts';

/**
 * Who the household of an account is, its meter, and how it uses electricity, reads the meter
 * and pays: drawn once per account from its random stream (month.ts draws each month). The order
 * of the draws is the data: changing it changes every generated database of a seed.
 */

/** Plans by code, in the order of PLAN_CUM. */
export const PLAN_CODES = ['single', 'two-zone', 'three-zone'];
const PLAN_CUM = cumulative([84, 12, 4]);
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

export const PAY_MONTHLY = 0;
export const PAY_BIMONTHLY = 1;
export const PAY_IRREGULAR = 2;
const PAY_ARREARS = 3;
const PAY_PROBABILITY = [0.93, 0.95, 0.45, 0.3];

export interface AccountFacts {
  number: number;
  codeIndex: number;
  code: string;
  person: PersonIdx;
  address: Address;
  delivery: string;
  residents: number;
  areaM2: number;
  /** Index in PLAN_CODES. */
  plan: number;
  /** ms since the epoch */
  createdAt: number;
}

export function drawAccount(
  rng: Rng,
  id: number,
  seed: number,
  taken: ReadonlySet<string>,
  cal: Calendar,
): AccountFacts {
  const num = accountNumber(id, seed, drawSettlement(rng), SETTLEMENT_CODES, taken);
  const code = SETTLEMENT_CODES[num.codeIndex]!;
  const person = drawPerson(rng);
  const address = drawAddress(rng, code);
  const delivery = !address.flat && rng.chance(0.12) ? drawAddress(rng, code, true).text : address.text;
  const residents = rng.weighted(RESIDENTS_CUM) + 1;
  const areaM2 = address.flat
    ? Math.min(120, 24 + residents * 9 + rng.int(0, 30)) + rng.int(0, 9) / 10
    : rng.int(32, 165) + rng.int(0, 9) / 10;
  const plan = rng.weighted(PLAN_CUM);
  const historyStart = cal.months[1]!.firstDay;
  const createdAt = cal.midnightMs(historyStart - rng.int(40, 7000)) + rng.int(8 * 3600, 18 * 3600) * 1000;
  return { ...num, code, person, address, delivery, residents, areaM2, plan, createdAt };
}

export interface Meter {
  digits: number;
  ratio: number;
  serial: number;
  /** Day numbers. */
  installed: number;
  due: number;
}

export function drawMeter(rng: Rng, zones: number, today: number, historyStart: number): Meter {
  const digits =
    zones === 1
      ? DIGITS_SINGLE[rng.weighted(DIGITS_SINGLE_CUM)]![0]
      : DIGITS_MULTI[rng.weighted(DIGITS_MULTI_CUM)]![0];
  const rr = rng.float();
  const ratio = rr < 0.006 ? 20 : rr < 0.013 ? 40 : rr < 0.016 ? 3000 : 1;
  const serialLength = rng.int(6, 9);
  const serial = rng.int(10 ** (serialLength - 1), 10 ** serialLength - 1);
  const vr = rng.float();
  const due =
    vr < 0.045
      ? today - rng.int(1, 420)
      : vr < 0.085
        ? today + rng.int(1, 90)
        : today + rng.int(91, 16 * 365);
  const installed = Math.min(historyStart - rng.int(30, 12 * 365), due - 365 * rng.int(1, 16));
  return { digits, ratio, serial, installed, due };
}

/** How the household uses electricity, reads the meter and pays; its registers as the history starts. */
export interface Habits {
  heating: boolean;
  /** Monthly consumption before the season and the month's chance, kWh. */
  base: number;
  /** Share of consumption per zone. */
  shares: number[];
  /** The registers now, and the fraction of a unit each has consumed but not shown yet. */
  reg: number[];
  carry: number[];
  readProb: number;
  /** Months [gapStart, gapEnd) of the history without readings (−1: none). */
  gapStart: number;
  gapEnd: number;
  /** Day of the month the household reads the meter; ≤ 0: the last days of the month before. */
  readDay: number;
  payMode: number;
  payProb: number;
  payParity: number;
  payDay: number;
  /** The month a suspicious reading waits for confirmation (−1: none). */
  reviewMonth: number;
}

export interface HouseholdFacts {
  flat: boolean;
  residents: number;
  areaM2: number;
  zones: number;
  meter: Meter;
  historyMonths: number;
  readingsLastDay: number;
}

export function drawHabits(rng: Rng, f: HouseholdFacts): Habits {
  const { zones, meter } = f;
  const wrap = 10 ** meter.digits;
  const heating = !f.flat && rng.chance(0.15);
  let base = f.flat
    ? 55 + 38 * f.residents + rng.int(-10, 40)
    : 90 + 45 * f.residents + f.areaM2 * 0.5 + rng.int(-20, 60);
  if (meter.ratio > 1) {
    base *= meter.ratio >= 1000 ? 12 : 4;
  }
  const shares = zoneShares(zones, rng);
  const reg = new Array<number>(zones);
  const registerCap = meter.digits <= 5 ? Math.floor(wrap * 0.85) : Math.min(wrap - 1, 300_000);
  for (let z = 0; z < zones; z++) {
    reg[z] = rng.int(0, registerCap);
  }
  if (rng.chance(0.012)) {
    // Close to the top of the register, so that it wraps around within the history.
    const monthly = Math.max(1, Math.floor((base * shares[0]!) / meter.ratio));
    reg[0] = Math.max(0, wrap - monthly * rng.int(2, 20));
  }

  const H = f.historyMonths;
  const style = rng.float();
  const readProb = style < 0.72 ? 0.96 : style < 0.92 ? 0.72 : 0.94;
  // A stretch without readings: six months by the average, a seventh by the norm (п.59–60).
  const gapStart = style >= 0.92 ? rng.int(2, H - 8) : -1;
  const gapEnd = gapStart < 0 ? -1 : gapStart + rng.int(6, 7);
  const readDay = rng.chance(0.82) ? rng.int(12, f.readingsLastDay) : rng.int(-4, 0);
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
  return {
    heating,
    base,
    shares,
    reg,
    carry: new Array<number>(zones).fill(0),
    readProb,
    gapStart,
    gapEnd,
    readDay,
    payMode,
    payProb: PAY_PROBABILITY[payMode]!,
    payParity: rng.int(0, 1),
    payDay: rng.int(3, 27),
    reviewMonth: rng.chance(0.012) ? H + (rng.chance(0.5) ? 1 : 0) : -1,
  };
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
