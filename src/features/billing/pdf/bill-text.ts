/** Words and figures printed on bills and slips: formatting only, no arithmetic on money. */
import type { BillCustomer, BillDocument, BillSupplier } from './bill.model.ts';
import { periodInWords } from '../../../domain/dates.ts';
import { formatFixed, formatInteger, formatRubles } from '../../../domain/format.ts';
import type { TariffComponent } from '../../../domain/cost-breakdown.ts';

export const METHOD_WORDS: Record<BillDocument['method'], string> = {
  readings: 'по показаниям',
  average: 'по среднему',
  norm: 'по нормативу',
};

/** '2026-05' → 'май 2026 года', as in the seed's "по нормативу за май 2014 года". */
export function periodForBill(period: string): string {
  // periodInWords gives 'май 2026 г.'; the bill spells the year out.
  return periodInWords(period).replace(/ г\.$/, ' года');
}

/** "Расчет за электроэнергию: по показаниям за май 2026 года" */
export function methodLine(bill: Pick<BillDocument, 'method' | 'period'>): string {
  return `Расчет за электроэнергию: ${METHOD_WORDS[bill.method]} за ${periodForBill(bill.period)}`;
}

/** Floor area in 1/100 m² → '44,20'. */
export function formatArea(areaE2: number): string {
  if (!Number.isSafeInteger(areaE2) || areaE2 < 0) {
    throw new RangeError(`not an area: ${areaE2}`);
  }
  return formatFixed(areaE2, 2);
}

export function fullName(c: Pick<BillCustomer, 'surname' | 'firstName' | 'patronymic'>): string {
  return [c.surname, c.firstName, c.patronymic].filter((s) => s.trim() !== '').join(' ');
}

/** One zone's value, or several joined with ' / ' (day / night, or peak / half-peak / night). */
export function formatReadingValues(values: readonly number[]): string {
  return values.map(formatInteger).join(' / ');
}

/** The supplier's requisites as printed on bills and slips, one line each. */
export function requisiteLines(s: BillSupplier): string[] {
  const payee = s.branchName.trim() === '' ? s.payeeName : `${s.payeeName}, ${s.branchName}`;
  return [
    `Получатель: ${payee}`,
    `ИНН ${s.inn}   КПП ${s.kpp}   р/сч ${s.settlementAccount}`,
    `Банк: ${s.bankName}   БИК ${s.bic}   корр. счёт ${s.corrAccount}`,
    `Адрес: ${s.address}   Тел.: ${s.phones}   Факс: ${s.fax}`,
    `E-mail: ${s.email}   Web-адрес: ${s.website}`,
  ];
}

export const PAY_NOTICE =
  'ОПЛАТУ ЗА ПОТРЕБЛЕННУЮ ЭЛЕКТРОЭНЕРГИЮ, СОГЛАСНО ЖК РФ, НЕОБХОДИМО ПРОИЗВОДИТЬ ЕЖЕМЕСЯЧНО НЕ ПОЗДНЕЕ 10-ГО ЧИСЛА МЕСЯЦА, СЛЕДУЮЩЕГО ЗА РАСЧЕТНЫМ';

/** An ОДН (common-house needs) line carries no meter readings. */
export function isOdnLine(title: string): boolean {
  return /^ОДН(?!\p{L})/u.test(title.trim());
}

/** What a recalculation did to the charge, in words: 'начисление уменьшено на 12,50 руб.' */
function effectWords(amountKop: number): string {
  if (amountKop === 0) {
    return 'начисление не изменилось';
  }
  return `начисление ${amountKop < 0 ? 'уменьшено' : 'увеличено'} на ${formatRubles(Math.abs(amountKop))} руб.`;
}

/**
 * A recalculation row of the bill: «Перерасчёт за март 2026 года (передача показаний после
 * закрытия месяца): начисление уменьшено на 12,50 руб.»; a correction recorded as a sum only says
 * whether it lowers or raises the sum to pay.
 */
export function recalculationText(r: BillDocument['recalculations'][number]): string {
  if (r.period === null) {
    const effect =
      r.amountKop < 0
        ? `уменьшает сумму к оплате на ${formatRubles(-r.amountKop)} руб.`
        : `увеличивает сумму к оплате на ${formatRubles(r.amountKop)} руб.`;
    return `Корректировка начислений прошлых периодов: ${effect}`;
  }
  const reason = r.reason.trim() === '' ? '' : ` (${r.reason.trim()})`;
  return `Перерасчёт за ${periodForBill(r.period)}${reason}: ${effectWords(r.amountKop)}`;
}

/** The row that sums the recalculations beyond the bill's room: «Прочие перерасчёты (2): начисление увеличено на 7,50 руб.» */
export function otherRecalculationsText(count: number, amountKop: number): string {
  return `Прочие перерасчёты (${formatInteger(count)}): ${effectWords(amountKop)}`;
}

/**
 * The sentence under the table when the bill carries recalculations: their total effect on the
 * sum to pay. Null without recalculations.
 */
export function recalculationsEffect(recalculations: BillDocument['recalculations']): string | null {
  if (recalculations.length === 0) {
    return null;
  }
  const total = recalculations.reduce((a, r) => a + r.amountKop, 0);
  // The subject and the past-tense ending that agrees with it.
  const [what, ending] =
    recalculations.length > 1
      ? ['Перерасчёты', 'и']
      : recalculations[0]?.period === null
        ? ['Корректировка', 'а']
        : ['Перерасчёт', ''];
  if (total === 0) {
    return `${what} не изменил${ending} сумму к оплате.`;
  }
  const verb = total < 0 ? 'уменьшил' : 'увеличил';
  return `${what} ${verb}${ending} сумму к оплате на ${formatRubles(Math.abs(total))} руб.`;
}

export const COMPONENT_WORDS: Record<TariffComponent, string> = {
  purchase: 'Стоимость покупной эл.энергии',
  transmission: 'Стоимость по передаче эл.энергии',
  sales: 'Тариф на сбыт эл.энергии',
  other: 'Плата за иные услуги',
};

/**
 * «В том числе (с учетом НДС): Стоимость покупной эл.энергии: 314,90; …» as the manual's bill
 * prints it, in pieces that may each start a line (the heading, then one piece per component);
 * empty when the bill has no breakdown.
 */
export function costBreakdownPieces(bill: Pick<BillDocument, 'costBreakdown'>): string[] {
  const parts = bill.costBreakdown ?? [];
  if (parts.length === 0) {
    return [];
  }
  return [
    'В том числе (с учетом НДС):',
    ...parts.map(
      (p, i) =>
        `${COMPONENT_WORDS[p.component]}: ${formatRubles(p.amountKop)}${i < parts.length - 1 ? ';' : ''}`,
    ),
  ];
}
