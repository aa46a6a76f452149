import { parseAccountNumber } from '../../domain/account-number.ts';
import type { FormatReader, LineProblem } from './engine.ts';
import { parseDate } from './registry.parse.ts';

/**
 * The network company's readings file (issue 19, item 5), one reading a line:
 *
 *   Лицевой счёт;Счётчик;Дата;Т1;Т2;Т3
 *
 * the account number or the meter's serial (or both: then the serial must be the account's
 * meter in service), the day the meter was read (DD.MM.YYYY), and one value per zone of the
 * meter (1 to 3, whole kWh as the register shows them). A first line without a date is a header.
 * What only the database knows (the account, the meter, its zones and digits) is checked when
 * the lines are planned or applied (readings.format.ts).
 */
export interface GridReadingLine {
  /** The account number as given (10 digits), or null when the line names the meter only. */
  accountNumber: string | null;
  serial: string | null;
  /** 'YYYY-MM-DD' */
  date: string;
  /** The values as written (digits only), one per zone. */
  values: string[];
}

export const MAX_ZONES = 3;

/** A reader for one pass: it remembers the lines read to refuse a repeated one. */
export function gridReadingsReader(today: string): FormatReader<GridReadingLine> {
  const seen = new Map<string, number>();
  let first = true;
  return {
    read(line, fields) {
      const isFirst = first;
      first = false;
      const f = fields.map((s) => s.trim());
      if (isFirst && isHeader(f)) {
        return { kind: 'skip' };
      }
      const problems: LineProblem[] = [];
      const [accountText = '', serialText = '', dateText = '', ...rest] = f;
      const { accountNumber, serial } = readTarget(accountText, serialText, problems);
      const date = readDate(dateText, today, problems);
      const values = readValues(rest, problems);
      if (problems.length > 0) {
        return { kind: 'rejected', problems };
      }
      const key = `${accountNumber ?? ''}|${serial ?? ''}|${date}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        return {
          kind: 'rejected',
          problems: [
            {
              field: 'Дата',
              message: `Строка повторяет строку ${earlier}: тот же счётчик и та же дата.`,
            },
          ],
        };
      }
      seen.set(key, line);
      return {
        kind: 'record',
        record: { accountNumber, serial, date, values: values.map((v) => v.replace(/[\s\u00a0]/g, '')) },
      };
    },
    end() {
      return [];
    },
  };
}

/** The account number and the serial; at least one of them. */
function readTarget(
  accountText: string,
  serialText: string,
  problems: LineProblem[],
): { accountNumber: string | null; serial: string | null } {
  let accountNumber: string | null = null;
  if (accountText !== '') {
    const parsed = parseAccountNumber(accountText);
    if (parsed.ok) {
      accountNumber = parsed.number;
    } else {
      problems.push({ field: 'Лицевой счёт', message: `«${accountText}»: ${parsed.message}` });
    }
  }
  const serial = serialText === '' ? null : serialText;
  if (accountText === '' && serial === null) {
    problems.push({
      field: 'Лицевой счёт',
      message: 'Не указаны ни лицевой счёт, ни заводской номер счётчика.',
    });
  }
  return { accountNumber, serial };
}

/** The day of the reading as 'YYYY-MM-DD' (not after today), or '' with a problem. */
function readDate(dateText: string, today: string, problems: LineProblem[]): string {
  if (dateText === '') {
    problems.push({ field: 'Дата', message: 'Нет даты снятия показания.' });
    return '';
  }
  const parsed = parseDate(dateText, 'DD.MM.YYYY');
  if (typeof parsed !== 'string') {
    problems.push({ field: 'Дата', message: parsed.error });
    return '';
  }
  if (parsed > today) {
    problems.push({ field: 'Дата', message: `«${dateText}»: дата снятия показания ещё не наступила.` });
  }
  return parsed;
}

/** The values as written (1 to 3), each checked for its form. */
function readValues(rest: string[], problems: LineProblem[]): string[] {
  const values = trimEmptyTail(rest);
  if (values.length === 0) {
    problems.push({ field: 'Показание', message: 'Нет ни одного показания.' });
  } else if (values.length > MAX_ZONES) {
    problems.push({
      field: 'Показание',
      message: `Показаний ${values.length}, а у счётчика бывает не больше ${MAX_ZONES} зон.`,
    });
  } else {
    values.forEach((v, i) => {
      const problem = valueProblem(v);
      if (problem) {
        problems.push({ field: `Т${i + 1}`, message: problem });
      }
    });
  }
  return values;
}

/** A first line whose date column holds no digits: the columns' names. */
function isHeader(f: string[]): boolean {
  return !/\d/.test(f[2] ?? '') && f.some((s) => /\p{L}/u.test(s));
}

function trimEmptyTail(values: string[]): string[] {
  let n = values.length;
  while (n > 0 && values[n - 1] === '') {
    n--;
  }
  return values.slice(0, n);
}

/** What is wrong with a value as written, before the meter's digits are known. */
function valueProblem(v: string): string | null {
  const s = v.replace(/[\s\u00a0]/g, '');
  if (s === '') {
    return 'Пустое показание между заполненными.';
  }
  if (/^[-−]\s*\d/.test(s)) {
    return `«${v}»: показание не может быть отрицательным.`;
  }
  if (!/^\d+$/.test(s)) {
    return `«${v}»: показание записывается только цифрами, без дробной части.`;
  }
  return null;
}
