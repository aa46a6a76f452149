import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import {
  consumption,
  day,
  dayNumber,
  detailsZoneKwh,
  halfUp,
  kopecks,
  mi,
  zoneName,
} from './charge-oracle.expr.ts';

/*
 * THE TEST ORACLE of the monthly charge (issue 23), used by charge-oracle.db.test.ts only.
 *
 * The rules of a month's charge written a second time, as one set-based query over the tables the
 * closing reads (accounts, tariff_plans, tariff_prices, meters, readings, the earlier charges,
 * buildings and their volumes), from the rules themselves (docs/domain.md, Decree 354 п.42, 59,
 * 60, 61, Decree 614) and what domain/billing.ts documents, not from its code. The closing computes
 * charge by charge in TypeScript; this computes every account's charge at once in SQL, so that a
 * slip in either shows up as a difference between the two.
 *
 * Why SQL outside a repository: it is not production code and no route, job or service imports it.
 * It belongs beside its test (a reader of the billing feature finds the second statement of its
 * rules here), and the house's lint (eslint, dependency-cruiser, architecture.test.ts) restricts
 * arrows, not where SQL may be written; the rule "SQL only in *.repository.ts" is about what the
 * portal runs, and this file is deliberately not part of that.
 *
 * One query for both databases: dates are ISO text, handled with substr and integer arithmetic
 * (month index, days by the civil calendar), never with a dialect's date functions. The only
 * dialect fragment reads one number out of a charge's JSON details.
 *
 * The rules as this query states them (P = the period):
 * - Meter: the one in service during P (installed by its last day, not removed before its first);
 *   of two, the latest installed. Its zones decide the zones; without a meter, the plan's.
 * - Replaced meter: the account's meter removed last, on or before the day the one in service was
 *   installed. While no charge by readings is based on a reading of the meter in service, a charge
 *   by readings also counts what the replaced meter measured from the reading the last charge by
 *   readings was based on (else its first reading, when older) to its last accepted reading (its
 *   final one), zone by zone, with its own digits and ratio.
 * - A reading counts for the period of its `billing_period`, else its date's month, or the next
 *   month when its day is after the readings window's last day.
 * - Meter unfit (п.59а): its verification is due on a day of P or earlier.
 * - By readings: the meter fit and a reading counting for P or earlier that is newer than the
 *   reading the last charge by readings was based on (the baseline; by date, then by id). kWh per
 *   zone = consumption from the baseline (else the meter's first reading, when older) to the
 *   latest such reading, with rollover (10^digits + cur − prev) and × the ratio; less the kWh
 *   charged by the average (п.59) since the last charge by readings (п.61, settled now).
 * - By the average (п.59): otherwise, with a meter, while the periods charged by the average since
 *   the last charge by readings are fewer than the limit (6 readings missing, 3 meter unfit) and
 *   none of them was charged by the norm. Readings counting for P or earlier, and for an unfit
 *   meter only those dated before both P's first day and the due date; from the latest of them
 *   dated at most six calendar months before the newest (else the oldest) to the newest; at least
 *   three calendar months apart. kWh per zone per month = consumption × 12 / 365.25 days, rounded
 *   to whole kWh, half up (exact integer arithmetic).
 * - By the norm (п.42, п.60): otherwise; norm per resident × residents (at least 1: nobody
 *   registered still pays for one) × the coefficient, half up to whole kWh, all in the first zone.
 * - Prices: the base price of each zone in force on P's first day (latest valid_from not after it),
 *   the single rate when the zone has none. With a social norm (Decree 614): norm + (residents − 1)
 *   × extra kWh, shared between zones in proportion to their kWh (half up), at the base price; the
 *   rest at the price above the norm (the base price when none).
 * - Kopecks: each line (zone and band) kWh × price rounded once to whole kopecks, half away from
 *   zero; the charge is the sum of its lines, as the bill prints them.
 * - ОДН: (V_building − V_non-residential − V_flats_without_meters − V_flats_with_meters) × S_flat /
 *   S_flats, half up to whole kWh, never negative, at the first zone's price.
 *
 * Where this reading and billing.ts differ on inputs the test's population avoids (readings of an
 * account fall on one day of the month, days 1 to 28): billing.ts takes "three months" as 89 days
 * (1 March → 29 May is an average there, 2 months 28 days here); and it divides in floating point
 * (kWh / (days / 30.4375)), so an exact half (kWh = 8 × days gives 243.5) may round down there.
 */

export interface OracleRules {
  readingsLastDay: number;
  averageMaxPeriods: number;
  averageMaxPeriodsFault: number;
  /** The п.60 coefficient in thousandths. */
  normCoefficientE3: number;
}

export type OracleMethod = 'readings' | 'average' | 'norm';

/** One account's charge by the oracle, and what it exercised (for the test's coverage checks). */
export interface OracleCharge {
  accountId: number;
  number: string;
  method: OracleMethod;
  zoneKwh: number[];
  kwh: number;
  amountKop: number;
  odnKwh: number;
  odnKop: number;
  residents: number;
  meter: boolean;
  unfit: boolean;
  ratio: number;
  digits: number;
  zones: number;
  rollover: boolean;
  settled: boolean;
  aboveNorm: boolean;
  priceChanged: boolean;
  /** kWh of a replaced meter counted in this charge (its last, from its last billed reading to its final one). */
  replacedKwh: number;
  /** Periods charged by estimates since the last charge by readings. */
  runLength: number;
  /** For the average: months from the reading it starts from to the period. */
  averageMonths: number | null;
}

function periodIndex(period: string): number {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!m) {
    throw new RangeError(`not a period: ${period}`);
  }
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

function periodOfIndex(i: number): string {
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

interface Ctx {
  dialect: Dialect;
  period: string;
  /** The period's month index, its first day, and the first day of the month before. */
  P: string;
  start: string;
  prevStart: string;
  rules: OracleRules;
}

const inForce = (alias: string, onDate: string) =>
  `${alias}.valid_from <= ${onDate} and not exists (select 1 from tariff_prices u where u.plan_id = ${alias}.plan_id and u.zone = ${alias}.zone and u.band = ${alias}.band and u.valid_from <= ${onDate} and u.valid_from > ${alias}.valid_from)`;
const price = (tbl: string, plan: string, zone: string, band: string) =>
  `(select t.price_e5 from ${tbl} t where t.plan_id = ${plan} and t.zone = ${zone} and t.band = '${band}')`;
const basePrice = (tbl: string, plan: string, zone: string) =>
  `coalesce(${price(tbl, plan, zone, 'base')}, ${price(tbl, plan, "'single'", 'base')})`;
// A usable reading dated at most six calendar months before the newest (same day or earlier).
const older = `(u.md < t.md - 6 or (u.md = t.md - 6 and u.dy <= t.dy))`;

/** Meters in service and their readings, with the period each counts for. */
function meterCtes(c: Ctx): string {
  return `
acc as materialized (
  select a.id, a.number, a.residents, a.area_e2, a.building_id, p.id as plan_id, p.zones as plan_zones,
    p.norm_kwh_per_resident as norm, p.social_norm_kwh as sn, p.social_norm_extra_kwh as sn_extra
  from accounts a join tariff_plans p on p.id = a.tariff_plan_id
  -- an account closed from the month's first day or before is not charged for it; one closing later in it is
  where a.closed_on is null or a.closed_on > '${c.start}'
),
svc as materialized (
  select m.id, m.account_id, m.digits, m.ratio, m.zones, m.verification_due, m.installed_on from meters m
  where ${mi('m.installed_on')} <= ${c.P} and (m.removed_on is null or m.removed_on >= '${c.start}')
),
meter as materialized (
  select s.id, s.account_id, s.digits, s.ratio, s.zones, s.verification_due, s.installed_on,
    case when ${mi('s.verification_due')} <= ${c.P} then 1 else 0 end as unfit
  from (
    select m.*, row_number() over (partition by m.account_id order by m.installed_on desc, m.id desc) as k from svc m
  ) s
  where s.k = 1
),
rd as materialized (
  select r.id, r.account_id, r.reading_date as d, r.value1 as v1, coalesce(r.value2, 0) as v2,
    coalesce(r.value3, 0) as v3, ${mi('r.reading_date')} as md, ${day('r.reading_date')} as dy,
    ${dayNumber('r.reading_date')} as dn,
    coalesce(${mi('r.billing_period')}, ${mi('r.reading_date')} + case when ${day('r.reading_date')} > ${c.rules.readingsLastDay} then 1 else 0 end) as rp
  from readings r join meter m on m.id = r.meter_id
  where r.status = 'accepted'
),`;
}

/** The earlier charges: the run of estimates since the last by readings, its baseline, the candidate. */
function historyCtes(c: Ctx): string {
  return `
prev as materialized (
  select c.account_id, c.period, c.method, c.reading_id,
    coalesce(${detailsZoneKwh(c.dialect, 'c.details', 0)}, c.kwh) as k1,
    coalesce(${detailsZoneKwh(c.dialect, 'c.details', 1)}, 0) as k2,
    coalesce(${detailsZoneKwh(c.dialect, 'c.details', 2)}, 0) as k3
  from charges c where c.period < '${c.period}'
),
lastread as materialized (
  select account_id, max(period) as lp from prev where method = 'readings' group by account_id
),
run as materialized (
  select p.account_id,
    cast(sum(case when p.method = 'average' then 1 else 0 end) as integer) as n_avg,
    cast(sum(case when p.method = 'norm' then 1 else 0 end) as integer) as n_norm,
    cast(sum(case when p.method = 'average' then p.k1 else 0 end) as bigint) as s1,
    cast(sum(case when p.method = 'average' then p.k2 else 0 end) as bigint) as s2,
    cast(sum(case when p.method = 'average' then p.k3 else 0 end) as bigint) as s3
  from prev p left join lastread l on l.account_id = p.account_id
  where l.lp is null or p.period > l.lp
  group by p.account_id
),
base as materialized (
  select r.* from lastread l
    join prev c on c.account_id = l.account_id and c.period = l.lp
    join rd r on r.id = c.reading_id
),
cand as materialized (
  select * from (
    select r.*, row_number() over (partition by r.account_id order by r.d desc, r.id desc) as k
    from rd r left join base b on b.account_id = r.account_id
    where r.rp <= ${c.P} and (b.id is null or r.d > b.d or (r.d = b.d and r.id > b.id))
  ) x where k = 1
),
firstrd as materialized (
  select * from (
    select r.*, row_number() over (partition by r.account_id order by r.d, r.id) as k from rd r
  ) x where k = 1
),`;
}

/** The replaced meter: its last billed (else first) reading and its final one. */
function replacedCtes(): string {
  return `
oldm as materialized (
  select * from (
    select o.id, o.account_id, o.digits, o.ratio,
      row_number() over (partition by o.account_id order by o.removed_on desc, o.id desc) as k
    from meters o join meter m on m.account_id = o.account_id
    where o.id <> m.id and o.removed_on is not null and o.removed_on <= m.installed_on
  ) x where k = 1
),
ord as materialized (
  select r.id, r.account_id, r.reading_date as d, r.value1 as v1, coalesce(r.value2, 0) as v2,
    coalesce(r.value3, 0) as v3
  from readings r join oldm o on o.id = r.meter_id
  where r.status = 'accepted'
),
old_to as materialized (
  select * from (
    select r.*, row_number() over (partition by r.account_id order by r.d desc, r.id desc) as k from ord r
  ) x where k = 1
),
old_first as materialized (
  select * from (
    select r.*, row_number() over (partition by r.account_id order by r.d, r.id) as k from ord r
  ) x where k = 1
),
old_base as materialized (
  select r.* from lastread l
    join prev c on c.account_id = l.account_id and c.period = l.lp
    join ord r on r.id = c.reading_id
),
old_seg as materialized (
  select t.account_id,
    ${[1, 2, 3]
      .map((i) => `${consumption(`coalesce(b.v${i}, f.v${i})`, `t.v${i}`, 'o.digits', 'o.ratio')} as o${i}`)
      .join(',\n    ')}
  from old_to t
    join oldm o on o.account_id = t.account_id
    join old_first f on f.account_id = t.account_id
    left join old_base b on b.account_id = t.account_id
  where case when b.id is not null then b.id <> t.id else f.d < t.d end
),`;
}

/** The average (п.59): its readings, from and to, per zone per month. */
function averageCtes(c: Ctx): string {
  return `
usable as materialized (
  select r.* from rd r join meter m on m.id is not null and m.account_id = r.account_id
  where r.rp <= ${c.P} and (m.unfit = 0 or (r.d < '${c.start}' and r.d < m.verification_due))
),
avg_to as materialized (
  select * from (
    select u.*, row_number() over (partition by u.account_id order by u.d desc, u.id desc) as k from usable u
  ) x where k = 1
),
avg_from as materialized (
  select * from (
    select u.*, row_number() over (
      partition by u.account_id
      order by case when ${older} then 0 else 1 end, case when ${older} then u.d end desc,
        case when ${older} then u.id end desc, u.d, u.id
    ) as k
    from usable u join avg_to t on t.account_id = u.account_id
  ) x where k = 1
),
avg as materialized (
  select t.account_id, m.digits, m.ratio, f.md as from_md,
    t.dn - f.dn as days,
    ${consumption('f.v1', 't.v1', 'm.digits', 'm.ratio')} as c1,
    ${consumption('f.v2', 't.v2', 'm.digits', 'm.ratio')} as c2,
    ${consumption('f.v3', 't.v3', 'm.digits', 'm.ratio')} as c3
  from avg_to t join avg_from f on f.account_id = t.account_id join meter m on m.account_id = t.account_id
  where f.md < t.md - 3 or (f.md = t.md - 3 and f.dy <= t.dy)
),`;
}

/** The method and the kWh per zone. */
function volumeCtes(c: Ctx): string {
  return `
src as materialized (
  select a.*, m.id as meter_id, coalesce(m.digits, 0) as digits, coalesce(m.ratio, 1) as ratio,
    coalesce(m.zones, a.plan_zones) as zones, coalesce(m.unfit, 0) as unfit,
    case
      when m.id is not null and m.unfit = 0 and c.id is not null then 'readings'
      when m.id is not null and coalesce(r.n_norm, 0) = 0
        and coalesce(r.n_avg, 0) < case when m.unfit = 1 then ${c.rules.averageMaxPeriodsFault} else ${c.rules.averageMaxPeriods} end
        and av.account_id is not null then 'average'
      else 'norm'
    end as method,
    c.v1 as c_v1, c.v2 as c_v2, c.v3 as c_v3,
    coalesce(b.v1, f.v1) as f_v1, coalesce(b.v2, f.v2) as f_v2, coalesce(b.v3, f.v3) as f_v3,
    case when b.id is not null or f.d < c.d then 1 else 0 end as has_from,
    case when b.id is null then coalesce(os.o1, 0) else 0 end as o1,
    case when b.id is null then coalesce(os.o2, 0) else 0 end as o2,
    case when b.id is null then coalesce(os.o3, 0) else 0 end as o3,
    coalesce(r.s1, 0) as s1, coalesce(r.s2, 0) as s2, coalesce(r.s3, 0) as s3,
    av.days, av.c1, av.c2, av.c3, av.from_md, coalesce(r.n_avg, 0) + coalesce(r.n_norm, 0) as run_len
  from acc a
    left join meter m on m.account_id = a.id
    left join cand c on c.account_id = a.id
    left join base b on b.account_id = a.id
    left join firstrd f on f.account_id = a.id
    left join run r on r.account_id = a.id
    left join avg av on av.account_id = a.id
    left join old_seg os on os.account_id = a.id
),
vol as materialized (
  select s.*,
    ${[1, 2, 3]
      .map(
        (i) => `case
      when ${i} > s.zones then 0
      when s.method = 'readings' then
        case when s.has_from = 1 then ${consumption(`s.f_v${i}`, `s.c_v${i}`, 's.digits', 's.ratio')} else 0 end + s.o${i} - s.s${i}
      when s.method = 'average' then ${halfUp(`s.c${i} * 1461`, '48 * s.days')}
      when ${i} = 1 then ${halfUp(`s.norm * case when s.residents < 1 then 1 else s.residents end * ${c.rules.normCoefficientE3}`, '1000')}
      else 0
    end as k${i}`,
      )
      .join(',\n    ')},
    case when s.method = 'readings' and s.has_from = 1 and (s.c_v1 < s.f_v1 or s.c_v2 < s.f_v2 or s.c_v3 < s.f_v3) then 1 else 0 end as rollover,
    case when s.sn is null then null else s.sn + case when s.residents > 1 then s.residents - 1 else 0 end * coalesce(s.sn_extra, 0) end as social
  from src s
),`;
}

/** Prices in force and each zone's kopecks, within and above the social norm. */
function moneyCtes(c: Ctx): string {
  return `
pr as materialized (
  select t.* from tariff_prices t where ${inForce('t', `'${c.start}'`)}
),
pr_prev as materialized (
  select t.* from tariff_prices t where ${inForce('t', `'${c.prevStart}'`)}
),
zone_rows as materialized (
  select v.id, z.i,
    case z.i when 1 then v.k1 when 2 then v.k2 else v.k3 end as kwh,
    v.k1 + v.k2 + v.k3 as total, v.social,
    case z.i when 1 then ${zoneName('v.zones', 1)} when 2 then ${zoneName('v.zones', 2)} else ${zoneName('v.zones', 3)} end as zone,
    v.plan_id
  from vol v join (select 1 as i union all select 2 union all select 3) z on z.i <= v.zones
),
zone_within as materialized (
  select zr.*,
    ${basePrice('pr', 'zr.plan_id', 'zr.zone')} as base_price,
    coalesce(${price('pr', 'zr.plan_id', 'zr.zone', 'above_norm')}, ${basePrice('pr', 'zr.plan_id', 'zr.zone')}) as above_price,
    case
      when zr.social is null or zr.kwh <= 0 then zr.kwh
      when zr.total <= 0 then 0
      when ${halfUp('zr.social * zr.kwh', 'zr.total')} < zr.kwh then ${halfUp('zr.social * zr.kwh', 'zr.total')}
      else zr.kwh
    end as within
  from zone_rows zr
),
money as materialized (
  select w.id,
    sum(${kopecks('w.within', 'w.base_price')} + case when w.kwh - w.within > 0 then ${kopecks('w.kwh - w.within', 'w.above_price')} else 0 end) as amount,
    max(case when w.kwh - w.within > 0 then 1 else 0 end) as above_norm
  from zone_within w group by w.id
),`;
}

/** ОДН, the coverage flags and the result. */
function resultSql(c: Ctx): string {
  return `
odn as materialized (
  select v.id, v.plan_id, v.zones,
    case when bv.building_id is null or b.flats_area_e2 <= 0
      or bv.total_kwh - bv.nonresidential_kwh - bv.unmetered_flats_kwh - bv.metered_flats_kwh <= 0 then 0
    else ${halfUp('(bv.total_kwh - bv.nonresidential_kwh - bv.unmetered_flats_kwh - bv.metered_flats_kwh) * v.area_e2', 'b.flats_area_e2')}
    end as odn_kwh
  from vol v
    join building_volumes bv on bv.building_id = v.building_id and bv.period = '${c.period}'
    join buildings b on b.id = bv.building_id
),
odn_money as materialized (
  select o.id, o.odn_kwh, ${kopecks('o.odn_kwh', basePrice('pr', 'o.plan_id', zoneName('o.zones', 1)))} as odn_kop
  from odn o
),
plans as materialized (
  select distinct v.plan_id, v.zones,
    case when ${basePrice('pr', 'v.plan_id', zoneName('v.zones', 1))} <> ${basePrice('pr_prev', 'v.plan_id', zoneName('v.zones', 1))} then 1 else 0 end as price_changed
  from vol v
)
select v.id, v.number, v.method, v.k1, v.k2, v.k3, v.zones, v.residents, v.meter_id, v.unfit, v.ratio, v.digits,
  v.rollover, case when v.method = 'readings' and (v.s1 <> 0 or v.s2 <> 0 or v.s3 <> 0) then 1 else 0 end as settled,
  v.run_len, case when v.method = 'average' then ${c.P} - v.from_md end as average_months,
  mo.amount, mo.above_norm, coalesce(o.odn_kwh, 0) as odn_kwh, coalesce(o.odn_kop, 0) as odn_kop, pl.price_changed,
  case when v.method = 'readings' then v.o1 + v.o2 + v.o3 else 0 end as replaced_kwh
from vol v
  join money mo on mo.id = v.id
  join plans pl on pl.plan_id = v.plan_id and pl.zones = v.zones
  left join odn_money o on o.id = v.id
order by v.id`;
}

/** The query, its CTEs in the order of the rules. */
function oracleQuery(
  dialect: Dialect,
  period: string,
  rules: OracleRules,
): RawBuilder<Record<string, unknown>> {
  const p = periodIndex(period);
  const ints = [
    rules.readingsLastDay,
    rules.averageMaxPeriods,
    rules.averageMaxPeriodsFault,
    rules.normCoefficientE3,
  ];
  if (!ints.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError('oracle rules: non-negative integers expected');
  }
  const c: Ctx = {
    dialect,
    period,
    P: String(p),
    start: `${period}-01`,
    prevStart: `${periodOfIndex(p - 1)}-01`,
    rules,
  };
  const ctes = [meterCtes(c), historyCtes(c), replacedCtes(), averageCtes(c), volumeCtes(c), moneyCtes(c)];
  return sql.raw<Record<string, unknown>>(`with ${ctes.join('')}${resultSql(c)}`);
}

/** Every account's charge for `period` by the oracle, in account id order. */
export async function oracleCharges(
  db: Kysely<Database>,
  dialect: Dialect,
  period: string,
  rules: OracleRules,
): Promise<OracleCharge[]> {
  const query = oracleQuery(dialect, period, rules);
  // PostgreSQL guesses one row for each filtered CTE and joins them by nested loops (45 million
  // comparisons for 3,000 accounts), and its JIT then spent 44 s compiling the query's hundreds of
  // expressions: hash joins and no JIT bring it to seconds. Local to the transaction.
  const res =
    dialect === 'postgres'
      ? await db.transaction().execute(async (tx) => {
          await sql`set local jit = off`.execute(tx);
          await sql`set local enable_nestloop = off`.execute(tx);
          return query.execute(tx);
        })
      : await query.execute(db);
  return res.rows.map((r) => {
    const zones = Number(r.zones);
    const zoneKwh = [r.k1, r.k2, r.k3].slice(0, zones).map(Number);
    return {
      accountId: Number(r.id),
      number: String(r.number),
      method: r.method as OracleMethod,
      zoneKwh,
      kwh: zoneKwh.reduce((s, k) => s + k, 0),
      amountKop: Number(r.amount),
      odnKwh: Number(r.odn_kwh),
      odnKop: Number(r.odn_kop),
      residents: Number(r.residents),
      meter: r.meter_id !== null,
      unfit: Number(r.unfit) === 1,
      ratio: Number(r.ratio),
      digits: Number(r.digits),
      zones,
      rollover: Number(r.rollover) === 1,
      settled: Number(r.settled) === 1,
      aboveNorm: Number(r.above_norm) === 1,
      priceChanged: Number(r.price_changed) === 1,
      replacedKwh: Number(r.replaced_kwh),
      runLength: Number(r.run_len),
      averageMonths: r.average_months === null ? null : Number(r.average_months),
    };
  });
}
