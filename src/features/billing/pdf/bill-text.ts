/** Words and figures printed on bills and slips: formatting only, no arithmetic on money. */
import type { BillCustomer, BillDocument, BillSupplier } from './bill.model.ts';
import { periodInWords } from '../../../domain/dates.ts';
import { formatFixed, formatInteger } from '../../../domain/format.ts';

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
