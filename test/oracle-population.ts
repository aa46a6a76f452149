import type { Insertable } from 'kysely';
import type { Db } from '../src/platform/db/connect.ts';
import type { ReadingsTable } from '../src/platform/db/schema.ts';

// A population of accounts for the charge oracle's test (charge-oracle.db.test.ts): tariff plans
// whose prices change between periods and inside one, with and without a social norm, in one,
// two and three zones; accounts with residents 1 to 6, some without a meter, some whose meter's
// verification runs out, some whose meter was replaced; meters of 4 to 8 digits, some behind
// instrument transformers, some close to rolling over; readings every month, now and then, or
// stopping (for months, sometimes for good), some after the 25th, some recorded for a period,
// some not accepted; buildings with a common-house volume. Deterministic (a seeded PRNG).

/** The first month of readings (every meter's first reading is in it) and the last. */
export const FIRST_READINGS_MONTH = '2024-12';
export const LAST_READINGS_MONTH = '2026-05';

/** mulberry32: a small seeded PRNG, for a population that is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthAt = (i: number) => `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`;
const monthIdx = (p: string) => Number(p.slice(0, 4)) * 12 + Number(p.slice(5, 7)) - 1;

interface PlanSpec {
  code: string;
  zones: number;
  norm: number;
  social: [number, number] | null;
  prices: Array<[zone: string, band: string, validFrom: string, priceE5: number]>;
}

/** Prices change at the start of periods (in force for them) and inside one (in force from the next). */
const PLANS: PlanSpec[] = [
  {
    code: 'oracle-single',
    zones: 1,
    norm: 120,
    social: null,
    prices: [
      ['single', 'base', '2024-01-01', 152_000],
      ['single', 'base', '2025-07-01', 161_000],
      ['single', 'base', '2026-05-01', 170_537],
    ],
  },
  {
    code: 'oracle-social',
    zones: 1,
    norm: 95,
    social: [110, 75],
    prices: [
      ['single', 'base', '2024-01-01', 140_000],
      ['single', 'above_norm', '2024-01-01', 200_000],
      ['single', 'base', '2025-11-15', 145_313],
      ['single', 'above_norm', '2026-03-01', 215_071],
    ],
  },
  {
    code: 'oracle-day-night',
    zones: 2,
    norm: 120,
    social: null,
    prices: [
      ['day', 'base', '2024-01-01', 321_000],
      ['night', 'base', '2024-01-01', 179_000],
      ['day', 'base', '2025-07-01', 352_000],
      ['night', 'base', '2025-08-01', 196_000],
      ['day', 'base', '2026-05-01', 360_125],
    ],
  },
  {
    code: 'oracle-three',
    zones: 3,
    norm: 130,
    social: [100, 50],
    prices: [
      ['peak', 'base', '2024-01-01', 385_000],
      ['half_peak', 'base', '2024-01-01', 283_000],
      ['night', 'base', '2024-01-01', 179_000],
      ['peak', 'above_norm', '2024-01-01', 450_500],
      ['night', 'above_norm', '2024-01-01', 230_250],
      ['peak', 'base', '2026-01-01', 422_000],
      ['night', 'base', '2026-04-20', 196_000],
    ],
  },
];

const BUILDINGS = 30;

/** How an account's meter readings come. */
type Pattern = 'regular' | 'sporadic' | 'stopped' | 'late';

interface MeterPlan {
  digits: number;
  ratio: number;
  zones: number;
  installedOn: string;
  removedOn: string | null;
  verificationDue: string;
  /** Months (index) with a reading, and the register values at the start. */
  months: number[];
  start: number[];
}

/** Adds the tariff plans, the buildings and their volumes, and `n` accounts with meters and readings. */
export async function oraclePopulation(db: Db, n: number, seed = 23): Promise<void> {
  const k = db.kysely;
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const branch = await k.selectFrom('branches').select('id').orderBy('id').executeTakeFirstOrThrow();
  const planIds: number[] = [];
  for (const p of PLANS) {
    const row = await k
      .insertInto('tariff_plans')
      .values({
        code: p.code,
        name: p.code,
        zones: p.zones,
        norm_kwh_per_resident: p.norm,
        social_norm_kwh: p.social?.[0] ?? null,
        social_norm_extra_kwh: p.social?.[1] ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    planIds.push(Number(row.id));
    await k
      .insertInto('tariff_prices')
      .values(
        p.prices.map(([zone, band, validFrom, priceE5]) => ({
          plan_id: Number(row.id),
          zone,
          band,
          valid_from: validFrom,
          price_e5: priceE5,
        })),
      )
      .execute();
  }
  const buildingIds: number[] = [];
  for (let b = 0; b < BUILDINGS; b++) {
    const row = await k
      .insertInto('buildings')
      .values({ address: `г. Абакан, ул. Оракула, ${b + 1}`, flats_area_e2: 150_000 + b * 7_919 })
      .returning('id')
      .executeTakeFirstOrThrow();
    buildingIds.push(Number(row.id));
    const volumes = [];
    for (let m = monthIdx(FIRST_READINGS_MONTH); m <= monthIdx(LAST_READINGS_MONTH); m++) {
      volumes.push({
        building_id: Number(row.id),
        period: monthAt(m),
        total_kwh: 9_000 + Math.floor(rnd() * 6_000),
        nonresidential_kwh: Math.floor(rnd() * 1_500),
        unmetered_flats_kwh: Math.floor(rnd() * 2_000),
        metered_flats_kwh: 4_000 + Math.floor(rnd() * 4_000),
      });
    }
    await k.insertInto('building_volumes').values(volumes).execute();
  }

  const first = monthIdx(FIRST_READINGS_MONTH);
  const last = monthIdx(LAST_READINGS_MONTH);
  const CHUNK = 500;
  for (let from = 0; from < n; from += CHUNK) {
    const size = Math.min(CHUNK, n - from);
    await k.transaction().execute(async (tx) => {
      const specs = Array.from({ length: size }, (_, j) => {
        const i = from + j;
        const u = rnd();
        const planNo = u < 0.4 ? 0 : u < 0.65 ? 1 : u < 0.85 ? 2 : 3;
        return {
          i,
          planNo,
          kind: rnd(),
          pattern: pick<Pattern>(['regular', 'regular', 'sporadic', 'stopped', 'late']),
        };
      });
      const accounts = await tx
        .insertInto('accounts')
        .values(
          specs.map((s) => ({
            number: `10${String(s.i).padStart(8, '0')}`,
            settlement_code: '10',
            surname: `Оракулов${s.i}`,
            first_name: 'Пётр',
            patronymic: 'Петрович',
            object_address: `г. Абакан, ул. Проверочная, ${s.i}`,
            delivery_address: `г. Абакан, ул. Проверочная, ${s.i}`,
            area_e2: 3_000 + Math.floor(rnd() * 6_000),
            residents: 1 + (s.i % 6),
            branch_id: Number(branch.id),
            tariff_plan_id: planIds[s.planNo]!,
            building_id: rnd() < 0.25 ? pick(buildingIds) : null,
            created_at: 0,
            closed_on: closedOn(s.i),
          })),
        )
        .returning('id')
        .execute();
      const meters: Array<{ accountId: number; plan: MeterPlan }> = [];
      const readDays = new Map<number, number>();
      for (let j = 0; j < size; j++) {
        const s = specs[j]!;
        const accountId = Number(accounts[j]!.id);
        if (s.kind < 0.1) {
          continue; // no meter: the norm of п.42
        }
        const zones = PLANS[s.planNo]!.zones;
        const readDay = s.pattern === 'late' ? 26 + Math.floor(rnd() * 3) : 1 + Math.floor(rnd() * 25);
        readDays.set(accountId, readDay);
        const digits = pick([4, 4, 5, 5, 5, 6, 6, 7, 8]);
        const ratio = rnd() < 0.12 ? pick([5, 10, 20, 40]) : 1;
        const top = 10 ** digits;
        const nearTop = rnd() < 0.15;
        const start = Array.from({ length: zones }, () =>
          nearTop ? top - 1 - Math.floor(rnd() * 900) : Math.floor(rnd() * top),
        );
        const months = readingMonths(s.pattern, first, last, rnd);
        const fault = s.kind < 0.2;
        const due = fault
          ? `${monthAt(first + 3 + Math.floor(rnd() * (last - first - 2)))}-${pad(1 + Math.floor(rnd() * 28))}`
          : '2034-06-30';
        if (s.kind >= 0.2 && s.kind < 0.28) {
          // A replaced meter: the old one's readings end on the day the new one is installed.
          const swap = first + 4 + Math.floor(rnd() * (last - first - 4));
          const on = `${monthAt(swap)}-${pad(readDay)}`;
          meters.push({
            accountId,
            plan: {
              digits,
              ratio,
              zones,
              installedOn: '2020-01-01',
              removedOn: on,
              verificationDue: due,
              months: [...months.filter((m) => m < swap), swap],
              start,
            },
          });
          meters.push({
            accountId,
            plan: {
              digits: pick([5, 6]),
              ratio: 1,
              zones,
              installedOn: on,
              removedOn: null,
              verificationDue: '2036-01-31',
              months: [swap, ...months.filter((m) => m > swap)],
              start: start.map(() => Math.floor(rnd() * 50)),
            },
          });
        } else {
          meters.push({
            accountId,
            plan: {
              digits,
              ratio,
              zones,
              installedOn: '2020-01-01',
              removedOn: null,
              verificationDue: due,
              months,
              start,
            },
          });
        }
      }
      const rows = await tx
        .insertInto('meters')
        .values(
          meters.map((m, j) => ({
            account_id: m.accountId,
            serial: `OR${from}-${j}`,
            digits: m.plan.digits,
            zones: m.plan.zones,
            ratio: m.plan.ratio,
            installed_on: m.plan.installedOn,
            verification_due: m.plan.verificationDue,
            removed_on: m.plan.removedOn,
          })),
        )
        .returning(['id'])
        .execute();
      const readings: Array<Insertable<ReadingsTable>> = [];
      meters.forEach((m, j) => {
        readings.push(
          ...meterReadings(m.accountId, Number(rows[j]!.id), m.plan, readDays.get(m.accountId)!, rnd),
        );
      });
      for (let r = 0; r < readings.length; r += 2000) {
        await tx
          .insertInto('readings')
          .values(readings.slice(r, r + 2000))
          .execute();
      }
    });
  }
}

/** The months with a reading: always the first; then by the pattern. */
function readingMonths(pattern: Pattern, first: number, last: number, rnd: () => number): number[] {
  const out = [first];
  const stop = first + 1 + Math.floor(rnd() * (last - first));
  const resume = rnd() < 0.5 ? stop + 1 + Math.floor(rnd() * 16) : Number.POSITIVE_INFINITY;
  for (let m = first + 1; m <= last; m++) {
    const p =
      pattern === 'regular'
        ? 0.92
        : pattern === 'late'
          ? 0.8
          : pattern === 'sporadic'
            ? 0.45
            : m < stop || m >= resume
              ? 0.9
              : 0;
    if (rnd() < p) {
      out.push(m);
    }
  }
  return out;
}

/** A meter's readings: monthly kWh per zone divided by the ratio, mod 10^digits; a few not accepted. */
function meterReadings(
  accountId: number,
  meterId: number,
  plan: MeterPlan,
  readDay: number,
  rnd: () => number,
): Array<Insertable<ReadingsTable>> {
  const top = 10 ** plan.digits;
  const shares = plan.zones === 1 ? [1] : plan.zones === 2 ? [0.7, 0.3] : [0.3, 0.45, 0.25];
  const values = [...plan.start];
  const out: Array<Insertable<ReadingsTable>> = [];
  let prevMonth = plan.months[0]!;
  plan.months.forEach((m, idx) => {
    if (idx > 0) {
      const kwh = (m - prevMonth) * (60 + Math.floor(rnd() * 450));
      for (let z = 0; z < plan.zones; z++) {
        values[z] = (values[z]! + Math.max(0, Math.round((kwh * shares[z]!) / plan.ratio))) % top;
      }
      prevMonth = m;
    }
    const date = `${monthAt(m)}-${pad(readDay)}`;
    const u = rnd();
    // Some readings say which period they count for: the one their date gives, or (after the
    // window's last day) their own month rather than the next.
    const billingPeriod = u < 0.12 ? monthAt(readDay > 25 ? m + 1 : m) : u < 0.15 ? monthAt(m) : null;
    const status = idx > 0 && rnd() < 0.03 ? pick2(rnd, 'rejected', 'review') : 'accepted';
    out.push({
      account_id: accountId,
      meter_id: meterId,
      reading_date: date,
      value1: values[0]!,
      value2: plan.zones > 1 ? values[1]! : null,
      value3: plan.zones > 2 ? values[2]! : null,
      channel: 'internet',
      status,
      reason: null,
      submitted_at: 0,
      submitted_ip: null,
      billing_period: billingPeriod,
    });
  });
  return out;
}

function pick2<T>(rnd: () => number, a: T, b: T): T {
  return rnd() < 0.5 ? a : b;
}

/**
 * One account in 41 is closed, from a day of one of the months closed (2025-08 to 2026-05), the
 * 1st among them: charged for the months before, and for the month it closes in unless it closes
 * from its first day.
 */
function closedOn(i: number): string | null {
  if (i % 41 !== 7) {
    return null;
  }
  const m = 7 + (Math.floor(i / 41) % 10); // months after 2025-01: 2025-08 … 2026-05
  const month = `${2025 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
  return `${month}-${String(1 + (Math.floor(i / 410) % 28)).padStart(2, '0')}`;
}
