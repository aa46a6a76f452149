import type { IsoDate } from './dates.ts';
import { chargeKopecks, type Kopecks } from './money.ts';
import { pricesOn, type PriceRow, type Zone } from './tariff.ts';

/**
 * What a month's kWh cost (computeCharge in billing.ts decides how many): each zone at the price
 * in force on the first day of the period, and with a social norm (Decree 614) the household's
 * share of the norm at the base price, the rest at the price above it.
 */

export interface ZoneCharge {
  zone: Zone;
  kwh: number;
  /** The price and, with a social norm, the split between the bands. */
  bands: Array<{ band: 'base' | 'above_norm'; kwh: number; priceE5: number; amountKop: Kopecks }>;
  amountKop: Kopecks;
}

/** The sum of the amounts (a loop: this runs for every charge). */
export function sumOf(xs: Array<{ amountKop: Kopecks }>): Kopecks {
  let s = 0;
  for (const x of xs) {
    s += x.amountKop;
  }
  return s;
}

/** The social norm of consumption (Decree 614) for the household, kWh, or null without one. */
export function socialNorm(
  plan: { socialNormKwh: number | null; socialNormExtraKwh: number | null },
  residents: number,
): number | null {
  return plan.socialNormKwh === null
    ? null
    : plan.socialNormKwh + Math.max(0, residents - 1) * (plan.socialNormExtraKwh ?? 0);
}

/** Each zone's kWh at its price; with a social norm, each zone gets its share of the norm at the base price. */
export function priceZones(
  zones: Zone[],
  zoneKwh: number[],
  totalKwh: number,
  tariff: Tariff,
  norm: number | null,
): ZoneCharge[] {
  const out: ZoneCharge[] = [];
  for (let i = 0; i < zones.length; i++) {
    const zone = zones[i]!;
    const kwh = zoneKwh[i] ?? 0;
    const base = priceOf(tariff, zone);
    // A settlement can leave a zone negative: no share of the norm then, all at the base price.
    // Stryker disable next-line EqualityOperator: at 0 kWh the share of the norm is 0 kWh as well
    const noShare = kwh <= 0;
    const within =
      norm === null || noShare ? kwh : Math.min(kwh, totalKwh > 0 ? Math.round((norm * kwh) / totalKwh) : 0);
    const bands: ZoneCharge['bands'] = [
      { band: 'base', kwh: within, priceE5: base, amountKop: chargeKopecks(within, base) },
    ];
    if (kwh - within > 0) {
      const hi = tariff.above.get(zone) ?? base;
      bands.push({
        band: 'above_norm',
        kwh: kwh - within,
        priceE5: hi,
        amountKop: chargeKopecks(kwh - within, hi),
      });
    }
    out.push({ zone, kwh, bands, amountKop: sumOf(bands) });
  }
  return out;
}

/** The plan's prices in force on a date: the base price of each zone and the price above the social norm. */
export interface Tariff {
  date: IsoDate;
  base: Map<string, number>;
  above: Map<string, number>;
}

/** The prices in force on the first day of the period. */
export function tariffOf(rows: PriceRow[], period: string): Tariff {
  const date = `${period}-01`;
  return { date, base: pricesOn(rows, date), above: pricesAboveNorm(rows, date) };
}

/** The zone's price, else the single rate, else any price in force. */
export function priceOf(tariff: Tariff, zone: Zone): number {
  const p = tariff.base.get(zone) ?? tariff.base.get('single') ?? [...tariff.base.values()][0];
  if (p === undefined) {
    throw new Error(`no price in force on ${tariff.date}`);
  }
  return p;
}

function pricesAboveNorm(rows: PriceRow[], date: string): Map<string, number> {
  return pricesOn(
    rows.filter((r) => r.band === 'above_norm').map((r) => ({ ...r, band: 'base' })),
    date,
  );
}
