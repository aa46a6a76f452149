/** Zones of a meter's registers, in the order of `value1..value3`. */
export type Zone = 'single' | 'day' | 'night' | 'peak' | 'half_peak';

export function zonesFor(count: number): Zone[] {
  switch (count) {
    case 1:
      return ['single'];
    case 2:
      return ['day', 'night'];
    case 3:
      return ['peak', 'half_peak', 'night'];
    default:
      throw new RangeError(`a meter has 1, 2 or 3 zones, not ${count}`);
  }
}

export const ZONE_TITLES: Record<Zone, string> = {
  single: 'Однотарифный',
  day: 'День',
  night: 'Ночь',
  peak: 'Пик',
  half_peak: 'Полупик',
};

export interface PriceRow {
  zone: string;
  band: string;
  validFrom: string;
  priceE5: number;
}

/** The price of each zone (base band) in force on a date: the latest `valid_from` not after it. */
export function pricesOn(rows: PriceRow[], date: string): Map<string, number> {
  const best = new Map<string, PriceRow>();
  for (const r of rows) {
    if (r.band !== 'base' || r.validFrom > date) {
      continue;
    }
    const cur = best.get(r.zone);
    // Stryker disable next-line EqualityOperator: `>=` only differs on a tie, and (zone, band, valid_from) is unique. The `<=` form, ignored with it, fails 6 tests of tariff.test.ts and billing-rules.test.ts (tried by hand)
    if (!cur || r.validFrom > cur.validFrom) {
      best.set(r.zone, r);
    }
  }
  return new Map([...best].map(([zone, r]) => [zone, r.priceE5]));
}
