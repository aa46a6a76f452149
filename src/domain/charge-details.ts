import type { ChargeResult } from './billing.ts';

/** The meter as the details name it. */
export interface DetailsMeter {
  serial: string;
  digits: number;
  ratio: number;
}

/** A recalculation the charge carries. */
export interface DetailsRecalc {
  period: string;
  amountKop: number;
  reason: string;
}

/**
 * What the bill and "Как рассчитано" need to explain the charge, stored with it. The monthly
 * closing and the generator both store it, so generated charges read as closed ones.
 */
export function chargeDetails(
  r: ChargeResult,
  meter: DetailsMeter | null,
  recalcs: DetailsRecalc[],
  /** The replaced meter, when the charge counts its last kWh (`r.replaced`). */
  replacedMeter: DetailsMeter | null = null,
) {
  return {
    reason: r.reason,
    meter: meter && { serial: meter.serial, digits: meter.digits, ratio: meter.ratio },
    zones: r.zones.map((z) => ({ zone: z.zone, kwh: z.kwh, amountKop: z.amountKop, bands: z.bands })),
    reading: r.reading && { id: r.reading.id, date: r.reading.date, values: r.reading.values },
    baseline: r.baseline && { id: r.baseline.id, date: r.baseline.date, values: r.baseline.values },
    settledKwh: r.settledKwh.some((k) => k !== 0) ? r.settledKwh : undefined,
    replaced: r.replaced
      ? {
          serial: replacedMeter?.serial ?? null,
          from: { date: r.replaced.from.date, values: r.replaced.from.values },
          to: { date: r.replaced.to.date, values: r.replaced.to.values },
          zoneKwh: r.replaced.zoneKwh,
        }
      : undefined,
    average: r.average && {
      from: { date: r.average.from.date, values: r.average.from.values },
      to: { date: r.average.to.date, values: r.average.to.values },
      monthlyKwh: r.average.monthlyKwh,
    },
    norm: r.norm,
    odnPriceE5: r.odnPriceE5,
    recalculations: recalcs.length
      ? recalcs.map((x) => ({ period: x.period, amountKop: x.amountKop, reason: x.reason }))
      : undefined,
  };
}
