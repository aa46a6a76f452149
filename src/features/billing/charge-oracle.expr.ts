import type { Dialect } from '../../platform/db/connect.ts';

// SQL expressions of the charge oracle (charge-oracle.sql.ts): dates as ISO text and integer
// arithmetic, the same on SQLite and PostgreSQL.

/** Month index of an ISO date or period (year × 12 + month − 1). */
export const mi = (x: string) =>
  `(cast(substr(${x}, 1, 4) as integer) * 12 + cast(substr(${x}, 6, 2) as integer) - 1)`;
export const day = (x: string) => `cast(substr(${x}, 9, 2) as integer)`;

/** Days since a fixed origin by the proleptic Gregorian calendar (March-based year). */
export function dayNumber(x: string): string {
  const y = `cast(substr(${x}, 1, 4) as integer)`;
  const m = `cast(substr(${x}, 6, 2) as integer)`;
  const yy = `(${y} - case when ${m} <= 2 then 1 else 0 end)`;
  return `(365 * ${yy} + ${yy} / 4 - ${yy} / 100 + ${yy} / 400 + (153 * (case when ${m} > 2 then ${m} - 3 else ${m} + 9 end) + 2) / 5 + ${day(x)})`;
}

/** kWh of one register between two values, with rollover, times the ratio. */
export function consumption(prev: string, cur: string, digits: string, ratio: string): string {
  const pow = `case ${digits} ${[3, 4, 5, 6, 7, 8, 9, 10].map((d) => `when ${d} then ${10 ** d}`).join(' ')} end`;
  return `((case when ${cur} < ${prev} then ${pow} else 0 end + ${cur} - ${prev}) * ${ratio})`;
}

/** a / b rounded half up, for a ≥ 0 and b > 0, in integers. */
export const halfUp = (a: string, b: string) => `((2 * (${a}) + (${b})) / (2 * (${b})))`;

/** kWh × price (1/100000 ₽) in whole kopecks, half away from zero. */
export function kopecks(kwh: string, price: string): string {
  const p = `(cast(${kwh} as bigint) * ${price})`;
  return `(case when ${p} < 0 then -((-${p} + 500) / 1000) else (${p} + 500) / 1000 end)`;
}

/** The kWh of zone i (0-based) in a charge's JSON details, or null. */
export function detailsZoneKwh(dialect: Dialect, col: string, i: number): string {
  return dialect === 'sqlite'
    ? `cast(json_extract(${col}, '$.zones[${i}].kwh') as integer)`
    : `cast((cast(${col} as json) -> 'zones' -> ${i} ->> 'kwh') as bigint)`;
}

export const zoneName = (zones: string, i: number) =>
  i === 1
    ? `case ${zones} when 1 then 'single' when 2 then 'day' else 'peak' end`
    : i === 2
      ? `case ${zones} when 2 then 'night' else 'half_peak' end`
      : `'night'`;
