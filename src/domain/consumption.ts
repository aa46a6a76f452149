/** Readings above this consumption (kWh) are suspicious and need confirmation (the seed: 50 000). */
export const SUSPICIOUS_KWH = 50_000;

export interface Consumption {
  kwh: number;
  rollover: boolean;
  suspicious: boolean;
}

/**
 * Consumption of one register between two readings:
 * `(current − previous) × K`, or on rollover `(10^digits + current − previous) × K`.
 * Shared by the server and the browser's live figure.
 */
export function consumption(previous: number, current: number, digits: number, ratio = 1): Consumption {
  if (![previous, current, digits, ratio].every(Number.isSafeInteger) || digits < 1 || ratio < 1) {
    throw new RangeError('consumption: integers expected');
  }
  const rollover = current < previous;
  const delta = rollover ? 10 ** digits + current - previous : current - previous;
  const kwh = delta * ratio;
  return { kwh, rollover, suspicious: rollover || kwh > SUSPICIOUS_KWH };
}
