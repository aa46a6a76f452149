import { addMonths, daysInMonth, formatDateRu, periodInWords } from '../../domain/dates.ts';
import { formatTariff } from '../../domain/format.ts';
import { zonesFor, type Zone } from '../../domain/tariff.ts';

/**
 * A tariff price as people write it (the CLI's `tariff-set`, a line of a tariff file), read into
 * the stored form and checked against the rules that need no database beyond the plan and the
 * latest closed period. Messages are in Russian, for the report of a file or the CLI.
 *
 * Prices change from the 1st of a month, as Russian indexations do: a charge takes the prices in
 * force on the first day of its period (domain/pricing.ts), so a price from any other day would
 * either be ignored for that month or apply to days before it. There is no pro rata by days.
 */

export type Band = 'base' | 'above_norm';

export const ZONES: readonly Zone[] = ['single', 'day', 'night', 'peak', 'half_peak'];
export const BANDS: readonly Band[] = ['base', 'above_norm'];

/** Largest price accepted: 1 000 rub. per kWh (a real one is a few rubles; more is a typo). */
export const MAX_PRICE_E5 = 100_000_000;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ZONE_NAMES: Record<string, Zone> = {
  single: 'single',
  однотарифный: 'single',
  однотарифная: 'single',
  day: 'day',
  день: 'day',
  night: 'night',
  ночь: 'night',
  peak: 'peak',
  пик: 'peak',
  half_peak: 'half_peak',
  'half-peak': 'half_peak',
  полупик: 'half_peak',
};

const BAND_NAMES: Record<string, Band> = {
  base: 'base',
  'в пределах нормы': 'base',
  above_norm: 'above_norm',
  'above-norm': 'above_norm',
  'сверх нормы': 'above_norm',
};

const lower = (s: string) => s.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');

/** A zone by its code or Russian name. */
export function parseZone(s: string): Parsed<Zone> {
  const zone = ZONE_NAMES[lower(s)];
  if (zone) {
    return { ok: true, value: zone };
  }
  return {
    ok: false,
    message:
      s.trim() === ''
        ? 'Не указана зона: single, day, night, peak или half_peak.'
        : `«${s.trim()}» — не зона: нужна одна из single, day, night, peak, half_peak (или однотарифный, день, ночь, пик, полупик).`,
  };
}

/** A band by its code or Russian name; empty is the base band (the only one without a social norm). */
export function parseBand(s: string): Parsed<Band> {
  if (s.trim() === '') {
    return { ok: true, value: 'base' };
  }
  const band = BAND_NAMES[lower(s)];
  return band
    ? { ok: true, value: band }
    : {
        ok: false,
        message: `«${s.trim()}» — не диапазон: нужен base (в пределах социальной нормы или единственный) или above_norm (сверх нормы).`,
      };
}

/** The date a price takes effect, YYYY-MM-DD or DD.MM.YYYY: a calendar date, the 1st of a month. */
export function parseValidFrom(input: string): Parsed<string> {
  const s = input.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  if (!iso && !ru) {
    return {
      ok: false,
      message:
        s === ''
          ? 'Не указана дата, с которой действует цена.'
          : `«${s}» — не дата: пишется ГГГГ-ММ-ДД или ДД.ММ.ГГГГ, например 2026-07-01 или 01.07.2026.`,
    };
  }
  const [y, m, d] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : [Number(ru![3]), Number(ru![2]), Number(ru![1])];
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 2000 || y > 2100) {
    return { ok: false, message: `«${s}»: такой даты нет в календаре.` };
  }
  const month = `${y}-${String(m).padStart(2, '0')}`;
  if (d !== 1) {
    return {
      ok: false,
      message: `«${s}»: цены меняются только с 1-го числа месяца (расчёт по дням не применяется). Укажите ${formatDateRu(`${month}-01`)} или 1-е число другого месяца.`,
    };
  }
  return { ok: true, value: `${month}-01` };
}

/**
 * A price in rubles per kWh with up to five decimals ("5.47", "5,47", "1,61000") as integer
 * 1/100000 rub., straight from the digits, never through a float.
 */
export function parsePrice(input: string): Parsed<number> {
  const s = input.replace(/[\s\u00a0\u202f]/g, '');
  if (s === '') {
    return { ok: false, message: 'Не указана цена.' };
  }
  const m = /^([-−]?)(\d+)(?:[.,](\d*))?$/.exec(s);
  if (!m) {
    return {
      ok: false,
      message: `«${input.trim()}» — не цена: пишется цифрами, в рублях за кВт·ч, например 5,47 или 1,61000.`,
    };
  }
  const [, sign = '', rub = '', frac = ''] = m;
  if (sign !== '') {
    return { ok: false, message: `«${input.trim()}»: цена не может быть отрицательной.` };
  }
  if (frac.length > 5) {
    return {
      ok: false,
      message: `«${input.trim()}»: в цене не больше пяти знаков после запятой (до 1/100000 руб.).`,
    };
  }
  // Past six digits of rubles the price is far above the cap, however long: no number to overflow.
  const e5 = rub.length > 6 ? Infinity : Number(rub) * 100_000 + Number(frac.padEnd(5, '0'));
  if (e5 === 0) {
    return { ok: false, message: `«${input.trim()}»: цена должна быть больше нуля.` };
  }
  if (e5 > MAX_PRICE_E5) {
    return {
      ok: false,
      message: `«${input.trim()}»: цена больше 1 000 руб. за кВт·ч — похоже на ошибку в записи.`,
    };
  }
  return { ok: true, value: e5 };
}

/** A tariff plan as the rules here need it. */
export interface PlanRef {
  id: number;
  code: string;
  zones: number;
  socialNormKwh: number | null;
}

/** Why the plan has no such zone, or null when it has. */
export function zoneProblem(plan: PlanRef, zone: Zone): string | null {
  const zones = zonesFor(plan.zones);
  return zones.includes(zone)
    ? null
    : `У тарифа «${plan.code}» ${plan.zones === 1 ? 'одна зона' : `${plan.zones} зоны`} (${zones.join(', ')}): зоны ${zone} у него нет.`;
}

/** The latest period closed or being closed, and which. */
export interface LockedPeriod {
  period: string;
  status: 'closed' | 'closing';
}

/**
 * Why a price from `validFrom` may not be set: a period from that month on is closed (or being
 * closed). A closed month's charges change by recalculation, never by rewriting its prices.
 */
export function lockedProblem(validFrom: string, locked: LockedPeriod | null): string | null {
  if (locked === null || locked.period < validFrom.slice(0, 7)) {
    return null;
  }
  const state =
    locked.status === 'closed'
      ? `${periodInWords(locked.period)} уже закрыт`
      : `${periodInWords(locked.period)} сейчас закрывается`;
  const next = `${addMonths(locked.period, 1)}-01`;
  return `Цену с ${formatDateRu(validFrom)} записать нельзя: ${state}, а начисления закрытых месяцев меняются перерасчётом (recalculate), а не новыми ценами. Новая цена может действовать с ${formatDateRu(next)} или позже.`;
}

/** A note for a price above the social norm on a plan without one: stored, but no charge uses it. */
export function bandNote(plan: PlanRef, band: Band): string | null {
  return band === 'above_norm' && plan.socialNormKwh === null
    ? `У тарифа «${plan.code}» нет социальной нормы: цена сверх нормы записана, но в начислениях не участвует, пока норма не задана.`
    : null;
}

/** "single/day/base с 01.07.2026" — a price's key in messages. */
export function keyTitle(e: { planCode: string; zone: Zone; band: Band; validFrom: string }): string {
  return `${e.planCode}/${e.zone}/${e.band} с ${formatDateRu(e.validFrom)}`;
}

/** A price as the bill prints it: "5,47000". */
export const priceText = formatTariff;
