import type { Clock } from '../../platform/clock.ts';
import { meterLine, type MeterLine, type MeterLineField } from '../readings/meter-line.ts';
import { headerReader, type ColumnSpec } from './columns.ts';
import { type ImportFormat, type Numbered, type Outcome, type ReadResult } from './engine.ts';

/**
 * The supplier's meters as an import format (`import-meters`): one meter a line, under a header
 * naming the columns in Russian or English. Against the database (features/readings/meter-line.ts):
 * a meter installed on an account without one, a meter in service corrected (factor, verification
 * date), or a replacement when the serial is new for an account with a meter in service — the old
 * meter closes with the line's final reading and the next charge counts both. Per batch with
 * resume, as every import: each line stands alone, so a bad line is rejected with its number and
 * the others are applied.
 */

export const METER_LABELS: Record<string, string> = {
  installed: 'установлено счётчиков',
  replaced: 'заменено',
  updated: 'исправлено (коэффициент, дата поверки)',
  unchanged: 'без изменений',
};

type Column = 'account' | 'serial' | 'zones' | 'digits' | 'ratio' | 'installed' | 'due' | 'initial' | 'final';

const TITLES: Record<Column, string> = {
  account: 'Лицевой счёт',
  serial: 'Заводской номер',
  zones: 'Зон',
  digits: 'Разрядность',
  ratio: 'Коэффициент',
  installed: 'Дата установки',
  due: 'Поверка до',
  initial: 'Начальное показание',
  final: 'Конечное показание снятого',
};

const SPEC: ColumnSpec<Column> = {
  titles: TITLES,
  names: {
    account: 'account',
    'лицевой счет': 'account',
    'номер лицевого счета': 'account',
    лс: 'account',
    serial: 'serial',
    'заводской номер': 'serial',
    'номер счетчика': 'serial',
    zones: 'zones',
    зон: 'zones',
    зоны: 'zones',
    'число зон': 'zones',
    digits: 'digits',
    разрядность: 'digits',
    ratio: 'ratio',
    factor: 'ratio',
    коэффициент: 'ratio',
    'коэффициент трансформации': 'ratio',
    installed: 'installed',
    'дата установки': 'installed',
    due: 'due',
    verification_due: 'due',
    'verification due': 'due',
    'поверка до': 'due',
    'дата поверки': 'due',
    'дата следующей поверки': 'due',
    initial: 'initial',
    'начальное показание': 'initial',
    final: 'final',
    'конечное показание снятого': 'final',
    'конечное показание': 'final',
  },
  required: ['account', 'serial', 'zones', 'digits', 'installed', 'due', 'initial'],
  example:
    'Лицевой счёт; Заводской номер; Зон; Разрядность; Коэффициент; Дата установки; Поверка до; Начальное показание; Конечное показание снятого',
  empty: 'В файле нет ни одного счётчика: только заголовок или пустые строки.',
};

const FIELD_TITLES: Record<MeterLineField, string> = {
  account: TITLES.account,
  zones: TITLES.zones,
  date: TITLES.installed,
  final: TITLES.final,
  serial: TITLES.serial,
  digits: TITLES.digits,
  ratio: TITLES.ratio,
  verificationDue: TITLES.due,
  initial: TITLES.initial,
};

/** Values per zone, «12345/678» (a slash between zones); '' gives none. */
const zoneValues = (s: string) => (s === '' ? [] : s.split('/').map((v) => v.trim()));

function readLine(
  get: (c: Column) => string,
  seen: { accounts: Map<string, number>; serials: Map<string, number> },
  line: number,
): ReadResult<MeterLine> {
  const account = get('account').replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(account)) {
    return reject('account', `Номер лицевого счёта — 10 цифр, а в строке «${get('account')}».`);
  }
  const serial = get('serial').replace(/\s+/g, ' ');
  const zones = /^[123]$/.test(get('zones')) ? Number(get('zones')) : 0;
  if (zones === 0) {
    return reject('zones', `Число зон — 1, 2 или 3, а в строке «${get('zones')}».`);
  }
  const initial = zoneValues(get('initial'));
  const final = get('final') === '' ? null : zoneValues(get('final'));
  for (const [column, values] of [
    ['initial', initial],
    ['final', final],
  ] as const) {
    if (values && values.length !== zones) {
      return reject(
        column,
        `Счётчик на ${zones} зон(ы), а значений ${values.length}: укажите по значению на зону через «/» (например, 12345/6789).`,
      );
    }
  }
  const firstAccount = seen.accounts.get(account);
  if (firstAccount !== undefined) {
    return reject(
      'account',
      `Лицевой счёт ${account} уже был в строке ${firstAccount}: по счёту одна строка.`,
    );
  }
  const firstSerial = seen.serials.get(serial);
  if (serial !== '' && firstSerial !== undefined) {
    return reject('serial', `Счётчик № ${serial} уже был в строке ${firstSerial}.`);
  }
  seen.accounts.set(account, line);
  seen.serials.set(serial, line);
  return {
    kind: 'record',
    record: {
      account,
      serial,
      zones,
      digits: get('digits'),
      ratio: get('ratio') === '' ? '1' : get('ratio'),
      installed: get('installed'),
      verificationDue: get('due'),
      initial,
      final,
    },
  };
}

function reject(column: Column, message: string): ReadResult<MeterLine> {
  return { kind: 'rejected', problems: [{ field: TITLES[column], message }] };
}

export interface MetersFormatOptions {
  clock: Clock;
  timeZone: string;
  readingsLastDay: number;
  /** Who loads the file, for the audit: the operating system's user or the staff user. */
  by: { ip: string; staffUserId?: number | null; fileName: string };
}

export function metersFormat(opts: MetersFormatOptions): ImportFormat<MeterLine> {
  const deps = { clock: opts.clock, timeZone: opts.timeZone, lastDay: opts.readingsLastDay };
  const by = {
    ip: opts.by.ip,
    staffUserId: opts.by.staffUserId ?? null,
    reason: `Загрузка счётчиков из файла ${opts.by.fileName}`,
    // Readings off the installation and replacement acts, as the supplier's billing system holds them.
    channel: 'import',
  };
  const outcomes = async (
    run: (l: MeterLine) => ReturnType<typeof meterLine>,
    batch: Numbered<MeterLine>[],
  ): Promise<Outcome[]> => {
    const out: Outcome[] = [];
    for (const { record } of batch) {
      const r = await run(record);
      out.push(
        r.kind === 'rejected'
          ? { count: 'rejected', rejected: true, note: { field: FIELD_TITLES[r.field], message: r.message } }
          : { count: r.kind, ...(r.note ? { note: { message: r.note } } : {}) },
      );
    }
    return out;
  };
  return {
    kind: 'meters',
    profile: 'meters',
    strict: false,
    recordsTitle: 'Строк со счётчиками',
    labels: METER_LABELS,
    reader: () => {
      const seen = { accounts: new Map<string, number>(), serials: new Map<string, number>() };
      return headerReader(SPEC, (get, line) => readLine(get, seen, line));
    },
    plan: (db, batch) => outcomes((l) => meterLine(db, deps, l, null, by), batch),
    apply: (tx, batch) => outcomes((l) => meterLine(tx, deps, l, tx, by), batch),
  };
}
