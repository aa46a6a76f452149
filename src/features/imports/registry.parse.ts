import { parseAccountNumber, type SettlementCodes } from '../../domain/account-number.ts';
import { daysInMonth } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/format.ts';
import { parseRubles } from '../../domain/money.ts';
import type { FormatReader, LineProblem, ReadResult } from './engine.ts';
import { neutraliseCell } from './report.ts';
import { REQUIRED_COLUMNS, type ColumnKey, type RegistryProfile } from './registry.profiles.ts';

/** A payment as a registry line gives it, checked. */
export interface RegistryLine {
  operationId: string;
  paidOn: string;
  /** The account number as written (compacted when it is a valid number). */
  accountNumber: string;
  /** Why the number cannot be an account (it then goes to the unallocated payments); null when it can. */
  accountProblem: string | null;
  payerName: string;
  payerAddress: string;
  period: string | null;
  amountKop: number;
  commissionKop: number;
  /** The register values as written, when the line carries a reading. */
  readings: string[] | null;
}

const FIELD_TITLES: Record<string, string> = {
  date: 'Дата',
  operation_id: 'Номер операции',
  account: 'Лицевой счёт',
  name: 'ФИО',
  address: 'Адрес',
  period: 'Период',
  amount: 'Сумма',
  commission: 'Комиссия',
};

const MAX_TEXT = 300;

/** How amounts are written: the profile's separators. */
export type NumberFormat = Pick<RegistryProfile, 'decimalSeparator' | 'thousandsSeparator'>;

/** A workbook's number cells as the source gives them: JavaScript's form, a point before the kopecks. */
const WORKBOOK_NUMBERS: NumberFormat = { decimalSeparator: '.', thousandsSeparator: 'none' };

/**
 * A reader of one pass over a registry with this profile; account numbers checked against
 * `settlements`; amounts in the profile's number format, or a workbook's (`source` 'xlsx').
 */
export function registryReader(
  profile: RegistryProfile,
  settlements: SettlementCodes,
  source: 'text' | 'xlsx' = 'text',
): FormatReader<RegistryLine> {
  const numbers = source === 'xlsx' ? WORKBOOK_NUMBERS : profile;
  let columns: ColumnKey[] | null = profile.header === 'none' ? profile.columns : null;
  const seen = new Map<string, number>();
  const fileErrors: string[] = [];
  let paymentLines = 0;
  let clean = true;
  let sumKop = 0;
  let sumCommission = 0;
  let totalsLine: number | null = null;

  return {
    read(line, fields) {
      if (columns === null) {
        const header = readHeader(profile, fields);
        if (typeof header === 'string') {
          fileErrors.push(`Строка ${line}: ${header}`);
          columns = [];
          return { kind: 'rejected', problems: [{ message: header }] };
        }
        columns = header;
        return { kind: 'skip' };
      }
      if (profile.totals && (fields[0] ?? '').trimStart().startsWith(profile.totals.prefix)) {
        if (totalsLine !== null) {
          return {
            kind: 'rejected',
            problems: [{ message: `Вторая итоговая строка (первая — строка ${totalsLine}).` }],
          };
        }
        totalsLine = line;
        const problems = checkTotals(profile, numbers, fields, {
          count: paymentLines,
          amount: sumKop,
          commission: sumCommission,
          clean,
        });
        fileErrors.push(...problems.map((p) => `Итоговая строка ${line}: ${p}`));
        return { kind: 'skip' };
      }
      paymentLines++;
      if (totalsLine !== null) {
        clean = false;
        return {
          kind: 'rejected',
          problems: [
            { message: `Платёж после итоговой строки (строка ${totalsLine}): реестр собран неправильно.` },
          ],
        };
      }
      const r = readLine(profile, numbers, columns, fields, line, seen, settlements);
      if (r.kind === 'record') {
        sumKop += r.record.amountKop;
        sumCommission += r.record.commissionKop;
      } else {
        clean = false;
      }
      return r;
    },
    end() {
      if (profile.totals && totalsLine === null && fileErrors.length === 0) {
        fileErrors.push(
          `В файле нет итоговой строки (начинается с «${profile.totals.prefix}»): реестр, похоже, обрезан или это не реестр профиля «${profile.name}».`,
        );
      }
      if (paymentLines === 0 && fileErrors.length === 0) {
        fileErrors.push('В файле нет ни одного платежа.');
      }
      return fileErrors;
    },
  };
}

function readHeader(profile: RegistryProfile, fields: string[]): ColumnKey[] | string {
  const names = fields.map((f) => f.trim().toLowerCase());
  const known = new Set<string>(profile.columns);
  const cols = names.map((n) => (known.has(n) ? (n as ColumnKey) : '-'));
  const missing = profile.columns.filter((c) => !c.startsWith('reading') && c !== '-' && !cols.includes(c));
  if (missing.length > 0) {
    return `В заголовке нет столбцов: ${missing.join(', ')}. Первая строка должна называть столбцы: ${profile.columns.join(', ')}.`;
  }
  return cols;
}

function readLine(
  profile: RegistryProfile,
  numbers: NumberFormat,
  columns: ColumnKey[],
  fields: string[],
  line: number,
  seen: Map<string, number>,
  settlements: SettlementCodes,
): ReadResult<RegistryLine> {
  const shape = shapeProblem(profile, columns, fields);
  if (shape) {
    return { kind: 'rejected', problems: [{ message: shape }] };
  }
  const get = (key: ColumnKey) => {
    const i = columns.indexOf(key);
    return i < 0 ? '' : (fields[i] ?? '').trim();
  };
  const problems: LineProblem[] = [];
  const notes: LineProblem[] = [];
  const bad = (key: string, message: string) => problems.push({ field: FIELD_TITLES[key] ?? key, message });

  const paidOn = parseDate(get('date'), profile.dateFormat);
  if (typeof paidOn !== 'string') {
    bad('date', paidOn.error);
  }
  const operationId = get('operation_id');
  const opProblem = operationProblem(operationId, line, seen);
  if (opProblem) {
    bad('operation_id', opProblem);
  }
  const amount = parseAmount(get('amount'), true, numbers);
  if (typeof amount === 'string') {
    bad('amount', amount);
  }
  const commission = get('commission') === '' ? 0 : parseAmount(get('commission'), false, numbers);
  if (typeof commission === 'string') {
    bad('commission', commission);
  }
  const period = get('period') === '' ? null : parsePeriod(get('period'), profile.periodFormat);
  if (period !== null && !period.ok) {
    bad('period', period.error);
  }
  const account = parseAccountNumber(get('account'), settlements);
  const payerName = text(get('name'), 'name', notes);
  const payerAddress = text(get('address'), 'address', notes);
  if (problems.length > 0) {
    return { kind: 'rejected', problems };
  }
  if (!account.ok) {
    notes.push({
      field: FIELD_TITLES.account,
      message: `«${get('account')}» — не лицевой счёт: ${account.message} Платёж записан в нераспределённые.`,
    });
  }
  const readings = (['reading1', 'reading2', 'reading3'] as const).map(get);
  const lastReading = readings.map((r) => r !== '').lastIndexOf(true);
  return {
    kind: 'record',
    notes,
    record: {
      operationId,
      paidOn: paidOn as string,
      accountNumber: account.ok ? account.number : get('account').slice(0, 40),
      accountProblem: account.ok ? null : account.message,
      payerName,
      payerAddress,
      period: period?.ok ? period.period : null,
      amountKop: amount as number,
      commissionKop: commission as number,
      readings: lastReading < 0 ? null : readings.slice(0, lastReading + 1),
    },
  };
}

/** A line too short to hold the required columns, or with more fields than columns (a final `;` is forgiven). */
function shapeProblem(profile: RegistryProfile, columns: ColumnKey[], fields: string[]): string | null {
  const needed = columns.reduce((n, c, i) => (REQUIRED_COLUMNS.includes(c) ? i + 1 : n), 0);
  const used = fields.length - [...fields].reverse().findIndex((f) => f.trim() !== '');
  if (fields.length < needed) {
    return `В строке ${fields.length} ${fieldsWord(fields.length)}, а нужно не меньше ${needed}: строка неполная или разделитель не тот.`;
  }
  if (used > columns.length) {
    return `В строке ${used} ${fieldsWord(used)}, а в профиле «${profile.name}» их ${columns.length}: лишние поля.`;
  }
  return null;
}

/** An operation id must be there, short, printable, and once in the file. */
function operationProblem(operationId: string, line: number, seen: Map<string, number>): string | null {
  if (operationId === '') {
    return 'Нет номера операции: без него платёж нельзя зачесть ровно один раз.';
  }
  if (operationId.length > 64 || /\p{Cc}/u.test(operationId)) {
    return 'Номер операции длиннее 64 знаков или с непечатаемыми знаками.';
  }
  const first = seen.get(operationId);
  if (first !== undefined) {
    return `Операция № ${operationId} уже есть в строке ${first} этого файла.`;
  }
  seen.set(operationId, line);
  return null;
}

export function fieldsWord(n: number): string {
  const d = n % 10;
  const t = n % 100;
  return d === 1 && t !== 11 ? 'поле' : d >= 2 && d <= 4 && (t < 12 || t > 14) ? 'поля' : 'полей';
}

/**
 * A payer's name or address, stored neutralised: one that starts as a formula (`=HYPERLINK(…)`)
 * gets an apostrophe, so that no export or spreadsheet ever runs it. Not refused: the money is
 * real, and the name is not what credits it.
 */
function text(value: string, key: string, notes: LineProblem[]): string {
  const v = value.slice(0, MAX_TEXT);
  const safe = neutraliseCell(v);
  if (safe !== v) {
    notes.push({
      field: FIELD_TITLES[key] ?? key,
      message: `Поле начинается со знака «${v[0]}», как формула: записано с апострофом в начале, чтобы таблицы не выполнили его.`,
    });
  }
  return safe;
}

/**
 * An amount as the number format writes it, as parseRubles reads it ("1500.00"), or the message
 * why it is not written so: the other separator before kopecks ("1,500" where it is the point:
 * not 1.50 rubles), spaces between thousands where there are none, a thousands group that is not
 * three digits.
 */
function normalise(s: string, f: NumberFormat): string | { error: string } {
  const other = f.decimalSeparator === ',' ? '.' : ',';
  const sep = f.decimalSeparator === ',' ? 'запятая' : 'точка';
  const example = f.decimalSeparator === ',' ? '1500,00' : '1500.00';
  if (s.includes(other)) {
    return {
      error: `в этом реестре рубли от копеек отделяет ${sep} (${example}), а в сумме стоит «${other}»: сумма не прочитана.`,
    };
  }
  const [int = '', ...rest] = s.split(f.decimalSeparator);
  const groups = int.split(/[ \u00a0\u202f]/);
  if (groups.length > 1) {
    if (f.thousandsSeparator === 'none') {
      return { error: `в этом реестре суммы пишутся без пробелов (${example}).` };
    }
    if (groups.slice(1).some((g) => !/^\d{3}$/.test(g)) || !/^-?\d{1,3}$/.test(groups[0]!)) {
      return { error: `пробелы разделяют разряды по три цифры (1 500${f.decimalSeparator}00).` };
    }
  }
  return [groups.join(''), ...rest].join('.');
}

/** An amount in kopecks, or the message why it is not one. */
export function parseAmount(s: string, positive: boolean, f: NumberFormat): number | string {
  if (s === '') {
    return 'Нет суммы.';
  }
  const n = normalise(s, f);
  if (typeof n !== 'string') {
    return `«${s}»: ${n.error}`;
  }
  const r = parseRubles(n);
  if (!r.ok) {
    return `«${s}»: ${r.message}`;
  }
  if (r.kopecks < 0) {
    return `«${s}»: сумма не может быть отрицательной.`;
  }
  if (positive && r.kopecks === 0) {
    return `«${s}»: сумма платежа должна быть больше нуля.`;
  }
  return r.kopecks;
}

/** A sum of the totals line in kopecks (no cap: a day's registry may exceed any one payment's limit), or null. */
function parseTotal(s: string, f: NumberFormat): number | null {
  const n = normalise(s, f);
  const m = typeof n === 'string' ? /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(n) : null;
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

const DATE_PATTERNS: Record<RegistryProfile['dateFormat'], RegExp> = {
  'DD-MM-YYYY': /^(\d{2})-(\d{2})-(\d{4})$/,
  'DD.MM.YYYY': /^(\d{2})\.(\d{2})\.(\d{4})$/,
  'DD/MM/YYYY': /^(\d{2})\/(\d{2})\/(\d{4})$/,
  'YYYY-MM-DD': /^(\d{4})-(\d{2})-(\d{2})$/,
};

/** A date in the profile's format (or YYYY-MM-DD, as a workbook's date cells are read) as YYYY-MM-DD. */
export function parseDate(s: string, format: RegistryProfile['dateFormat']): string | { error: string } {
  let y: number, m: number, d: number;
  const iso = DATE_PATTERNS['YYYY-MM-DD'].exec(s);
  const own = DATE_PATTERNS[format].exec(s);
  if (iso) {
    [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (own) {
    [d, m, y] = [Number(own[1]), Number(own[2]), Number(own[3])];
  } else {
    return {
      error:
        s === ''
          ? 'Нет даты платежа.'
          : `«${s}» — не дата в формате ${format.replace(/D/g, 'Д').replace(/M/g, 'М').replace(/Y/g, 'Г')}.`,
    };
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 2000 || y > 2100) {
    return { error: `«${s}»: такой даты нет в календаре.` };
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function parsePeriod(
  s: string,
  format: RegistryProfile['periodFormat'],
): { ok: true; period: string } | { ok: false; error: string } {
  const m =
    format === 'MMYY'
      ? /^(\d{2})(\d{2})$/.exec(s)
      : format === 'MM.YYYY'
        ? /^(\d{2})\.(\d{4})$/.exec(s)
        : /^(\d{4})-(\d{2})$/.exec(s);
  if (!m) {
    return {
      ok: false,
      error: `«${s}» — не период в формате ${format.replace(/M/g, 'М').replace(/Y/g, 'Г')}.`,
    };
  }
  const [month, year] =
    format === 'YYYY-MM'
      ? [Number(m[2]), Number(m[1])]
      : [Number(m[1]), format === 'MMYY' ? 2000 + Number(m[2]) : Number(m[2])];
  if (month < 1 || month > 12) {
    return { ok: false, error: `«${s}»: месяца ${month} нет.` };
  }
  return { ok: true, period: `${year}-${String(month).padStart(2, '0')}` };
}

function checkTotals(
  profile: RegistryProfile,
  numbers: NumberFormat,
  fields: string[],
  lines: { count: number; amount: number; commission: number; clean: boolean },
): string[] {
  const spec = profile.totals!;
  const values = fields.map((f, i) => (i === 0 ? f.trimStart().slice(spec.prefix.length) : f).trim());
  const out: string[] = [];
  const at = (key: string) => {
    const i = spec.columns.indexOf(key as (typeof spec.columns)[number]);
    return i < 0 ? null : (values[i] ?? '');
  };
  const count = at('count');
  if (count !== null) {
    if (!/^\d+$/.test(count)) {
      out.push(`число платежей «${count}» — не число.`);
    } else if (Number(count) !== lines.count) {
      out.push(`в итогах ${count} платежей, а в файле ${lines.count}. Файл отклонён целиком.`);
    }
  }
  if (!lines.clean) {
    // Lines with errors: their sums are unknown, the file is refused for them anyway.
    return out;
  }
  const sums: Array<[string, string, number]> = [
    ['amount', 'сумма', lines.amount],
    ['commission', 'комиссия', lines.commission],
    ['transferred', 'к перечислению', lines.amount - lines.commission],
  ];
  for (const [key, title, actual] of sums) {
    const v = at(key);
    if (v === null) {
      continue;
    }
    const parsed = parseTotal(v, numbers);
    if (parsed === null) {
      out.push(`${title} «${v}» — не сумма в рублях.`);
    } else if (parsed !== actual) {
      out.push(
        `${title} в итогах ${formatRubles(parsed)} руб., а по строкам ${formatRubles(actual)} руб. Файл отклонён целиком.`,
      );
    }
  }
  return out;
}
