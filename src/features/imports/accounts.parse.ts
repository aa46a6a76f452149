import { parseAccountNumber, type SettlementCodes } from '../../domain/account-number.ts';
import { RESIDENTS_MAX } from '../account/residents.ts';
import { parseEmail } from '../mail/email-address.ts';
import type { FormatReader, LineProblem } from './engine.ts';
import { isHeader, requiredText, shapeProblem } from './reference.lines.ts';
import { parseDate } from './registry.parse.ts';

/**
 * A line of the accounts file, by position (a header line allowed):
 *
 *   number; surname; first name; patronymic; settlement; street; house; flat; residents;
 *   area m²; tariff group; delivery address; phone; e-mail; closed from (DD.MM.YYYY)
 *
 * The first eleven are required (patronymic and flat may be empty), the last four optional. An
 * account whose closing date is empty (or absent) is open: the file says which are closed.
 * The object's address is built as the portal's addresses are, «регион, населённый пункт, улица,
 * д. дом, кв. квартира», so that the back office's search finds it by street, house and flat.
 */

export const ACCOUNT_COLUMNS = [
  'Лицевой счёт',
  'Фамилия',
  'Имя',
  'Отчество',
  'Населённый пункт',
  'Улица',
  'Дом',
  'Квартира',
  'Проживающих',
  'Площадь',
  'Тарифная группа',
  'Адрес доставки',
  'Телефон',
  'E-mail',
  'Дата закрытия',
] as const;

const REQUIRED = 11;
const NAME_MAX = 100;
const PART_MAX = 100;
const ADDRESS_MAX = 300;
/** 100 000 m²: far above any household; keeps a misplaced digit out. */
const AREA_MAX_E2 = 10_000_000;

/** An account as a line gives it, checked. */
export interface AccountLine {
  number: string;
  settlementCode: string;
  surname: string;
  firstName: string;
  patronymic: string;
  objectAddress: string;
  /** As given; the object's address when the line leaves it empty. */
  deliveryAddress: string;
  areaE2: number;
  residents: number;
  tariffCode: string;
  phone: string | null;
  email: string | null;
  /** The day from which the account is closed (YYYY-MM-DD); null when open. */
  closedOn: string | null;
}

export interface AccountsReaderDeps {
  settlements: SettlementCodes;
  tariffCodes: ReadonlySet<string>;
  /** The region that starts every object address («Республика Хакасия»). */
  region: string;
}

/** The reader of one pass; `seen` holds the number of every account the file names (for --full). */
export function accountsReader(
  deps: AccountsReaderDeps,
): FormatReader<AccountLine> & { seen: ReadonlyMap<number, number> } {
  // Keyed by the number as a JavaScript number (exact below 2^53): a million of them is a few
  // tens of megabytes, not the hundred that strings would take.
  const seen = new Map<number, number>();
  let records = 0;
  return {
    seen,
    read(line, fields) {
      if (isHeader(line, fields)) {
        return { kind: 'skip' };
      }
      records++;
      const shape = shapeProblem(fields, REQUIRED, ACCOUNT_COLUMNS.length);
      if (shape) {
        return { kind: 'rejected', problems: [{ message: shape }] };
      }
      const problems: LineProblem[] = [];
      const get = (i: number) => (fields[i] ?? '').trim();
      const number = accountNumber(get(0), deps.settlements, line, seen, problems);
      const surname = requiredText('Фамилия', get(1), NAME_MAX, problems);
      const firstName = requiredText('Имя', get(2), NAME_MAX, problems);
      const patronymic = requiredText('Отчество', get(3), NAME_MAX, problems, true);
      const settlement = requiredText('Населённый пункт', get(4), PART_MAX, problems);
      const street = requiredText('Улица', get(5), PART_MAX, problems);
      const house = requiredText('Дом', get(6), 20, problems);
      const flat = requiredText('Квартира', get(7), 20, problems, true);
      const residents = parseResidents(get(8), problems);
      const areaE2 = parseArea(get(9), problems);
      const tariffCode = get(10);
      if (!deps.tariffCodes.has(tariffCode)) {
        problems.push({
          field: 'Тарифная группа',
          message:
            deps.tariffCodes.size === 0
              ? `Тарифной группы «${tariffCode.slice(0, 40)}» нет, справочник тарифных групп пуст: загрузите его командой tariff-plans-load.`
              : `Тарифной группы «${tariffCode.slice(0, 40)}» нет; есть: ${[...deps.tariffCodes].sort().join(', ')}.`,
        });
      }
      const delivery = requiredText('Адрес доставки', get(11), ADDRESS_MAX, problems, true);
      const phone = parsePhone(get(12), problems);
      const email = optionalEmail(get(13), problems);
      const closedOn = closingDate(get(14), problems);
      if (problems.length > 0 || number === null) {
        return { kind: 'rejected', problems };
      }
      const objectAddress = [
        deps.region,
        settlement,
        street,
        `д. ${house}`,
        ...(flat === '' ? [] : [`кв. ${flat}`]),
      ].join(', ');
      return {
        kind: 'record',
        record: {
          number,
          settlementCode: number.slice(0, 2),
          surname,
          firstName,
          patronymic,
          objectAddress,
          deliveryAddress: delivery === '' ? objectAddress : delivery,
          areaE2: areaE2!,
          residents: residents!,
          tariffCode,
          phone,
          email,
          closedOn,
        },
      };
    },
    end() {
      return records === 0 ? ['В файле нет ни одного лицевого счёта.'] : [];
    },
  };
}

/** The day from which the account is closed, DD.MM.YYYY; null when empty (open). */
function closingDate(s: string, problems: LineProblem[]): string | null {
  if (s === '') {
    return null;
  }
  const d = parseDate(s, 'DD.MM.YYYY');
  if (typeof d !== 'string') {
    problems.push({ field: 'Дата закрытия', message: `«${s.slice(0, 20)}»: ${d.error}` });
    return null;
  }
  return d;
}

/** The number, checked against the settlement codes and the file's earlier lines; null when refused. */
function accountNumber(
  raw: string,
  settlements: SettlementCodes,
  line: number,
  seen: Map<number, number>,
  problems: LineProblem[],
): string | null {
  const field = 'Лицевой счёт';
  const r = parseAccountNumber(raw, settlements);
  if (!r.ok) {
    problems.push({
      field,
      message:
        r.error === 'unknown_settlement'
          ? `«${raw}»: кода населённого пункта «${raw.replace(/[\s-]/g, '').slice(0, 2)}» (первые две цифры номера) нет в справочнике. Загрузите его командой settlements-load или исправьте номер.`
          : `«${raw.slice(0, 40)}»: ${r.message}`,
    });
    return null;
  }
  const key = Number(r.number);
  const first = seen.get(key);
  if (first !== undefined) {
    problems.push({ field, message: `Лицевой счёт ${r.number} уже есть в строке ${first} этого файла.` });
    return null;
  }
  seen.set(key, line);
  return r.number;
}

function parseResidents(s: string, problems: LineProblem[]): number | null {
  const field = 'Проживающих';
  if (/^-[0-9]+$/.test(s)) {
    problems.push({ field, message: `«${s}»: число проживающих не может быть отрицательным.` });
  } else if (!/^[0-9]{1,3}$/.test(s) || Number(s) > RESIDENTS_MAX) {
    problems.push({
      field,
      message: `«${s.slice(0, 20)}» — не число проживающих: нужно целое число от 0 до ${RESIDENTS_MAX}.`,
    });
  } else {
    return Number(s);
  }
  return null;
}

/** Square metres with at most two decimals (a comma or a point) → hundredths. */
function parseArea(s: string, problems: LineProblem[]): number | null {
  const field = 'Площадь';
  const m = /^(-?)([0-9]{1,7})(?:[.,]([0-9]+))?$/.exec(s.replace(/[\s\u00a0]/g, ''));
  if (!m) {
    problems.push({
      field,
      message: `«${s.slice(0, 20)}» — не площадь: нужно число квадратных метров, например 54,3.`,
    });
    return null;
  }
  if (m[1] === '-') {
    problems.push({ field, message: `«${s}»: площадь не может быть отрицательной.` });
    return null;
  }
  const decimals = m[3] ?? '';
  if (decimals.length > 2) {
    problems.push({
      field,
      message: `«${s}»: площадь указывается с точностью до сотых долей м² (не больше двух знаков после запятой).`,
    });
    return null;
  }
  const e2 = Number(m[2]) * 100 + Number(decimals.padEnd(2, '0'));
  if (e2 > AREA_MAX_E2) {
    problems.push({ field, message: `«${s}»: площадь больше ${AREA_MAX_E2 / 100} м², так не бывает.` });
    return null;
  }
  return e2;
}

/** Digits with an optional leading +; spaces, brackets and dashes dropped. */
function parsePhone(s: string, problems: LineProblem[]): string | null {
  if (s === '') {
    return null;
  }
  const compact = s.replace(/[\s()\u00a0-]/g, '');
  if (!/^\+?[0-9]{5,15}$/.test(compact)) {
    problems.push({
      field: 'Телефон',
      message: `«${s.slice(0, 30)}» — не номер телефона: нужны цифры (5–15), можно с «+» в начале.`,
    });
    return null;
  }
  return compact;
}

function optionalEmail(s: string, problems: LineProblem[]): string | null {
  if (s === '') {
    return null;
  }
  const r = parseEmail(s);
  if (!r.ok) {
    problems.push({ field: 'E-mail', message: `«${s.slice(0, 60)}»: ${r.message}` });
    return null;
  }
  return r.email;
}
