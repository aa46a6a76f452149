import { formatDecimalRu, formatInteger, formatKwhRu, formatRublesRu, formatTariffRu } from './format.ts';
import { formatDateRu } from './dates.ts';
import { ZONE_TITLES, type Zone } from './tariff.ts';

/** What a charge row stores about how it was computed (see charge-details.ts). */
export interface ChargeDetails {
  reason?: 'no_reading' | 'meter_fault' | 'no_meter' | null;
  meter?: { serial: string; digits: number; ratio: number } | null;
  zones?: Array<{
    zone: Zone;
    kwh: number;
    amountKop: number;
    bands: Array<{ band: 'base' | 'above_norm'; kwh: number; priceE5: number; amountKop: number }>;
  }>;
  reading?: { date: string; values: number[] } | null;
  baseline?: { date: string; values: number[] } | null;
  settledKwh?: number[];
  /** The replaced meter's last kWh, counted in this charge: its serial, last billed and final readings. */
  replaced?: {
    serial: string | null;
    from: { date: string; values: number[] };
    to: { date: string; values: number[] };
    zoneKwh: number[];
  };
  average?: { from: { date: string }; to: { date: string }; monthlyKwh: number[] } | null;
  norm?: { perResident: number; residents: number; coefficientE3: number } | null;
  odnPriceE5?: number;
  recalculations?: Array<{ period: string; amountKop: number; reason: string }>;
}

/** The details stored with a charge (JSON); null when there are none or they do not parse. */
export function parseChargeDetails(json: string | null): ChargeDetails | null {
  // Stryker disable next-line ConditionalExpression,BlockStatement: JSON.parse gives null for null and throws on '', so null either way
  if (!json) {
    return null;
  }
  try {
    return JSON.parse(json) as ChargeDetails;
  } catch {
    return null;
  }
}

export interface ExplainInput {
  method: string;
  kwh: number;
  amountKop: number;
  tariffE5: number;
  readingValue: number | null;
  odnKwh: number;
  odnKop: number;
  recalcKop: number;
  details: ChargeDetails | null;
}

const n = formatInteger;
const kwh = formatKwhRu;

/**
 * "Как рассчитано": the charge's formula with the customer's own numbers, e.g.
 * "342 кВт·ч × 1,1270 ₽ = 385,43 ₽, по показаниям 29 500 → 29 842".
 */
export function explainCharge(c: ExplainInput): string[] {
  const d = c.details;
  const lines: string[] = [];
  const zones = d?.zones;
  if (!zones || zones.length === 0) {
    // Charges imported without their inputs: what the row itself says.
    lines.push(
      `${kwh(c.kwh)} × ${formatTariffRu(c.tariffE5)} = ${formatRublesRu(c.amountKop)}` +
        (c.method === 'readings' && c.readingValue !== null
          ? `, по показаниям (${n(c.readingValue)})`
          : `, ${METHOD_WORDS[c.method] ?? c.method}`),
    );
  } else {
    const multi = zones.length > 1;
    zones.forEach((z, i) => {
      const head = multi ? `${ZONE_TITLES[z.zone]}: ` : '';
      const bands = z.bands
        .filter((b) => b.kwh !== 0 || z.bands.length === 1)
        .map(
          (b) =>
            `${kwh(b.kwh)} × ${formatTariffRu(b.priceE5)}${b.band === 'above_norm' ? ' (сверх социальной нормы)' : z.bands.length > 1 ? ' (в пределах социальной нормы)' : ''}`,
        )
        .join(' + ');
      let how = '';
      if (c.method === 'readings' && d.reading) {
        const from = d.baseline?.values[i];
        const to = d.reading.values[i] ?? 0;
        const ratio =
          d.meter && d.meter.ratio !== 1 ? ` × ${n(d.meter.ratio)} (коэффициент трансформации)` : '';
        how =
          from === undefined ? `, по показанию ${n(to)}` : `, по показаниям ${n(from)} → ${n(to)}${ratio}`;
        const old = d.replaced;
        if (old) {
          how += `, и по снятому счётчику${old.serial ? ` № ${old.serial}` : ''} ${n(old.from.values[i] ?? 0)} → ${n(old.to.values[i] ?? 0)} (${kwh(old.zoneKwh[i] ?? 0)}, снят ${formatDateRu(old.to.date)})`;
        }
        const settled = d.settledKwh?.[i] ?? 0;
        if (settled) {
          how += `, за вычетом ${kwh(settled)}, начисленных ранее по среднему`;
        }
      } else if (c.method === 'average' && d.average && i === 0) {
        how = `, по среднему (п. 59 Правил № 354): ${kwh(d.average.monthlyKwh[0] ?? 0)} в месяц по показаниям ${d.average.from.date} → ${d.average.to.date}`;
      } else if (c.method === 'average' && d.average) {
        how = ', по среднему';
      } else if (c.method === 'norm' && d.norm && i === 0) {
        const coef = d.norm.coefficientE3 === 1000 ? '' : ` × ${formatDecimalRu(d.norm.coefficientE3, 3)}`;
        how = `, по нормативу: ${kwh(d.norm.perResident)} × ${d.norm.residents} чел.${coef}`;
      }
      if (c.method !== 'norm' || i === 0 || z.kwh !== 0) {
        lines.push(`${head}${bands} = ${formatRublesRu(z.amountKop)}${how}`);
      }
    });
    if (d.reason === 'meter_fault') {
      lines.push('Прибор учёта не пригоден к расчётам (истёк срок поверки).');
    } else if (d.reason === 'no_meter') {
      lines.push('Прибор учёта не установлен.');
    } else if (d.reason === 'no_reading' && c.method !== 'readings') {
      lines.push('Показания за месяц не переданы.');
    }
  }
  if (c.odnKwh || c.odnKop) {
    lines.push(
      `ОДН: ${kwh(c.odnKwh)}${d?.odnPriceE5 ? ` × ${formatTariffRu(d.odnPriceE5)}` : ''} = ${formatRublesRu(c.odnKop)}`,
    );
  }
  for (const r of d?.recalculations ?? []) {
    lines.push(`Перерасчёт за ${r.period}: ${formatRublesRu(r.amountKop)} (${r.reason})`);
  }
  if (!d?.recalculations && c.recalcKop) {
    lines.push(`Перерасчёт: ${formatRublesRu(c.recalcKop)}`);
  }
  return lines;
}

const METHOD_WORDS: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему',
  norm: 'по нормативу',
};
