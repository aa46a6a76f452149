import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { dateInZone, formatDateRu, isIsoDate } from '../../domain/dates.ts';
import { checkRegisters, billingPeriodFor, parseReadingValue } from '../../domain/readings.ts';
import { zonesFor } from '../../domain/tariff.ts';
import * as repo from './readings.repository.ts';
import * as meters from './meters.repository.ts';

// A meter replaced (issue 18's back office, issue 19's meters import): the old meter closes with
// its final reading on the day of the replacement, and the new one is installed that day with its
// initial reading. Both readings are accepted (a staff member read them off the meters), so the
// next charge by readings counts both meters (domain/billing.ts, `replaced`): what the old one
// measured since its last billed reading, and what the new one measured since its initial one.
//
// The new meter keeps the old one's zones: a meter with other zones means another tariff plan,
// which is a change of the account's plan, not a replacement.

export interface ReplacementForm {
  /** The meter the form was filled in for; a form for a meter replaced meanwhile is refused. */
  meterId?: number | undefined;
  /** The day of the replacement: YYYY-MM-DD or DD.MM.YYYY. */
  date: string;
  /** The old meter's final reading, one value per zone. */
  finalValues: string[];
  serial: string;
  digits: string;
  ratio: string;
  /** The new meter's verification due date: YYYY-MM-DD or DD.MM.YYYY. */
  verificationDue: string;
  /** The new meter's initial reading, one value per zone. */
  initialValues: string[];
  /** The final reading rolled over or shows an unusual consumption, and the staff member confirmed it. */
  confirmed: boolean;
}

export type ReplacementField =
  'date' | 'final' | 'serial' | 'digits' | 'ratio' | 'verificationDue' | 'initial';

export type ReplacementResult =
  | {
      kind: 'replaced';
      oldMeterId: number;
      newMeterId: number;
      finalReadingId: number;
      initialReadingId: number;
    }
  | {
      kind: 'invalid';
      errors: Partial<Record<ReplacementField, string>>;
      formError?: string;
      confirm?: boolean;
    };

export interface ReplacementBy {
  ip: string;
  reason: string;
  /** 'operator' in the back office; 'import' for a meters file. */
  channel: string;
  staffUserId?: number | null;
}

const SERIAL = /^[0-9A-Za-zА-ЯЁа-яё][0-9A-Za-zА-ЯЁа-яё\-/. ]{0,29}$/;
const MAX_RATIO = 10_000;
export const RATIO_MESSAGE = `Коэффициент трансформации — целое число от 1 до ${MAX_RATIO} (1 — без трансформатора тока).`;

/** A current transformer's factor as typed: a whole number from 1 to MAX_RATIO; null otherwise. */
export function parseRatio(input: string): number | null {
  const ratio = /^\s*\d{1,5}\s*$/.test(input) ? Number(input) : NaN;
  return ratio >= 1 && ratio <= MAX_RATIO ? ratio : null;
}

/** A calendar date typed as YYYY-MM-DD (a date field) or DD.MM.YYYY (as printed); null when neither. */
export function parseStaffDate(input: string): string | null {
  const s = input.trim();
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  const iso = ru ? `${ru[3]}-${ru[2]}-${ru[1]}` : s;
  return isIsoDate(iso) ? iso : null;
}

type Q = Kysely<Database> | Transaction<Database>;
type Deps = { db: Kysely<Database>; clock: Clock; timeZone: string; lastDay: number };
type Errors = Partial<Record<ReplacementField, string>>;
type Invalid = Extract<ReplacementResult, { kind: 'invalid' }>;

/** The new meter's fields as stored. */
export interface NewMeterFields {
  serial: string;
  digits: number;
  ratio: number;
  verificationDue: string;
}

/** What a valid replacement stores. */
export interface CheckedReplacement {
  old: repo.MeterInfo;
  last: repo.ReadingItem | undefined;
  date: string;
  finalValues: number[];
  meter: NewMeterFields;
  initialValues: number[];
}

/** Checks the form against the account's meter in service and stores the replacement, in one transaction. */
export async function replaceMeter(
  deps: Deps,
  account: { id: number; number: string },
  form: ReplacementForm,
  by: ReplacementBy,
): Promise<ReplacementResult> {
  const checked = await checkReplacement(deps.db, deps, account.id, form);
  return 'kind' in checked
    ? checked
    : deps.db.transaction().execute((tx) => storeReplacement(tx, deps, account, checked, by));
}

/** The form checked against the account's meter in service (reads only, through `q`). */
export async function checkReplacement(
  q: Q,
  deps: { clock: Clock; timeZone: string },
  accountId: number,
  form: ReplacementForm,
): Promise<CheckedReplacement | Invalid> {
  const old = await repo.findActiveMeter(q, accountId);
  if (!old) {
    return {
      kind: 'invalid',
      errors: {},
      formError: 'У лицевого счёта нет установленного счётчика: заменять нечего.',
    };
  }
  if (form.meterId !== undefined && form.meterId !== old.id) {
    return {
      kind: 'invalid',
      errors: {},
      formError: `Счётчик уже заменён: сейчас установлен № ${old.serial}. Проверьте карточку счёта и заполните форму заново.`,
    };
  }
  const errors: Errors = {};
  const last = await repo.latestAcceptedReading(q, accountId, old.id);
  const date = checkDate(form.date, dateInZone(deps.clock.now(), deps.timeZone), old, last, errors);
  const zones = zonesFor(old.zones).length;
  const finalValues = values(
    form.finalValues,
    zones,
    old.digits,
    'final',
    'Конечное показание старого счётчика',
    errors,
  );
  const fresh = await checkNewMeter(q, accountId, form, zones, date, old.serial, errors);
  if (Object.keys(errors).length > 0 || date === null || fresh === null) {
    return { kind: 'invalid', errors };
  }
  // The final reading by the customer's rules: lower than the last accepted (a rollover) or far
  // above the usual needs the staff member's confirmation, as a customer's reading does.
  const check = checkRegisters(
    Array.from({ length: zones }, (_, i) => last?.values[i] ?? 0),
    finalValues,
    old.digits,
    old.ratio,
  );
  if (last && check.reason && !form.confirmed) {
    const final =
      check.reason === 'rollover'
        ? `Конечное показание меньше последнего принятого (${last.values.join(' / ')} на ${formatDateRu(last.readingDate)}): счётчик прошёл через ноль? Если да, отметьте подтверждение.`
        : `Расход по конечному показанию необычно велик (${check.registers.map((r) => r.kwh).join(' / ')} кВт·ч с ${formatDateRu(last.readingDate)}). Если показание верное, отметьте подтверждение.`;
    return { kind: 'invalid', confirm: true, errors: { final } };
  }
  return { old, last, date, finalValues, ...fresh };
}

/**
 * The new meter's fields (serial, digits, factor, verification date, initial reading per zone),
 * each problem in `errors`; null when any is wrong.
 */
async function checkNewMeter(
  q: Q,
  accountId: number,
  form: ReplacementForm,
  zones: number,
  date: string | null,
  oldSerial: string | null,
  errors: Errors,
): Promise<{ meter: NewMeterFields; initialValues: number[] } | null> {
  const serial = await checkSerial(q, accountId, form.serial, oldSerial, errors);
  const digits = /^\s*\d{1,2}\s*$/.test(form.digits) ? Number(form.digits) : NaN;
  if (!(digits >= 4 && digits <= 9)) {
    errors.digits = 'Разрядность — целое число от 4 до 9.';
  }
  const ratio = parseRatio(form.ratio);
  if (ratio === null) {
    errors.ratio = RATIO_MESSAGE;
  }
  const due = parseStaffDate(form.verificationDue);
  if (due === null) {
    errors.verificationDue = 'Укажите дату следующей поверки в виде ДД.ММ.ГГГГ.';
  } else if (date !== null && due <= date) {
    errors.verificationDue = 'Дата следующей поверки должна быть позже даты установки.';
  }
  // The initial reading is checked against the new digits once they are known.
  const initialValues = errors.digits
    ? []
    : values(form.initialValues, zones, digits, 'initial', 'Начальное показание нового счётчика', errors);
  if (Object.keys(errors).length > 0 || due === null || ratio === null) {
    return null;
  }
  return { meter: { serial, digits, ratio, verificationDue: due }, initialValues };
}

function checkDate(
  input: string,
  today: string,
  old: repo.MeterInfo | null,
  last: repo.ReadingItem | undefined,
  errors: Errors,
): string | null {
  const date = parseStaffDate(input);
  if (date === null) {
    errors.date = `Укажите дату ${old ? 'замены' : 'установки'} в виде ДД.ММ.ГГГГ.`;
  } else if (date > today) {
    errors.date = `Дата ${old ? 'замены' : 'установки'} не может быть позже сегодняшней.`;
  } else if (old && (date < old.installedOn || (last && date < last.readingDate))) {
    const byReading = last !== undefined && last.readingDate > old.installedOn;
    const after = byReading ? last.readingDate : old.installedOn;
    errors.date = `Дата замены не может быть раньше ${formatDateRu(after)}: это ${byReading ? 'дата последнего принятого показания старого счётчика' : 'дата установки старого счётчика'}.`;
  }
  return date;
}

/** One value per zone by the digits; the first problem goes to `field`. */
function values(
  inputs: string[],
  zones: number,
  digits: number,
  field: 'final' | 'initial',
  what: string,
  errors: Errors,
): number[] {
  const parsed = Array.from({ length: zones }, (_, i) => parseReadingValue(inputs[i] ?? '', digits));
  const bad = parsed.find((p) => !p.ok);
  if (bad && !bad.ok) {
    errors[field] = `${what}: ${lowerFirst(bad.message)}`;
  }
  return parsed.map((p) => (p.ok ? p.value : 0));
}

async function checkSerial(
  q: Q,
  accountId: number,
  input: string,
  oldSerial: string | null,
  errors: Errors,
): Promise<string> {
  const serial = input.trim().replace(/\s+/g, ' ');
  if (!SERIAL.test(serial)) {
    errors.serial = 'Заводской номер: до 30 букв, цифр, дефисов, точек и косых черт.';
  } else if (serial === oldSerial) {
    errors.serial = `Это номер снимаемого счётчика (${oldSerial}): укажите номер нового.`;
  } else {
    const elsewhere = await meters.serialInServiceElsewhere(q, serial, accountId);
    if (elsewhere) {
      errors.serial = `Счётчик № ${serial} уже установлен на лицевом счёте ${elsewhere}.`;
    }
  }
  return serial;
}

/** The old meter removed, its final reading, the new meter and its initial reading, audited: all in `tx`. */
export async function storeReplacement(
  tx: Transaction<Database>,
  deps: { clock: Clock; lastDay: number },
  account: { id: number; number: string },
  c: CheckedReplacement,
  by: ReplacementBy,
): Promise<ReplacementResult> {
  const now = deps.clock.now();
  if (!(await meters.removeMeter(tx, c.old.id, c.date))) {
    return {
      kind: 'invalid' as const,
      errors: {},
      formError: 'Счётчик только что сняли: откройте карточку счёта ещё раз.',
    };
  }
  const reading = readingWriter(tx, deps, account.id, c.date, by, now);
  const finalReadingId = await reading(c.old.id, c.finalValues);
  const newMeterId = await meters.insertMeter(tx, {
    accountId: account.id,
    ...c.meter,
    zones: c.old.zones,
    installedOn: c.date,
  });
  const initialReadingId = await reading(newMeterId, c.initialValues);
  const o = c.old;
  await recordAudit(tx, now, {
    event: 'meter_replacement',
    outcome: 'success',
    accountNumber: account.number,
    ip: by.ip,
    staffUserId: by.staffUserId ?? null,
    details: {
      reason: by.reason,
      date: c.date,
      before: {
        meter: { serial: o.serial, digits: o.digits, ratio: o.ratio, verificationDue: o.verificationDue },
        lastAccepted: c.last ? { date: c.last.readingDate, values: c.last.values } : null,
        final: c.finalValues,
      },
      after: { meter: c.meter, initial: c.initialValues },
    },
  });
  return { kind: 'replaced' as const, oldMeterId: o.id, newMeterId, finalReadingId, initialReadingId };
}

/** Stores an accepted reading of the replacement's day. */
function readingWriter(
  tx: Transaction<Database>,
  deps: { lastDay: number },
  accountId: number,
  date: string,
  by: ReplacementBy,
  now: Date,
) {
  return (meterId: number, values: number[]) =>
    repo.insertReading(tx, {
      accountId,
      meterId,
      readingDate: date,
      values,
      channel: by.channel,
      status: 'accepted',
      reason: null,
      submittedAt: now.getTime(),
      submittedIp: by.ip,
      submissionKey: null,
      billingPeriod: billingPeriodFor(date, deps.lastDay),
    });
}

/** A first meter on an account without one: its fields checked as a replacement's new meter. */
export interface CheckedInstallation {
  date: string;
  zones: number;
  meter: NewMeterFields;
  initialValues: number[];
}

export async function checkInstallation(
  q: Q,
  deps: { clock: Clock; timeZone: string },
  accountId: number,
  form: ReplacementForm,
  zones: number,
): Promise<CheckedInstallation | Invalid> {
  const errors: Errors = {};
  const date = checkDate(form.date, dateInZone(deps.clock.now(), deps.timeZone), null, undefined, errors);
  const fresh = await checkNewMeter(q, accountId, form, zones, date, null, errors);
  if (Object.keys(errors).length > 0 || date === null || fresh === null) {
    return { kind: 'invalid', errors };
  }
  return { date, zones, ...fresh };
}

/** The meter installed with its initial reading, audited, in `tx`; returns its id. */
export async function storeInstallation(
  tx: Transaction<Database>,
  deps: { clock: Clock; lastDay: number },
  account: { id: number; number: string },
  c: CheckedInstallation,
  by: ReplacementBy,
): Promise<number> {
  const now = deps.clock.now();
  const meterId = await meters.insertMeter(tx, {
    accountId: account.id,
    ...c.meter,
    zones: c.zones,
    installedOn: c.date,
  });
  await readingWriter(tx, deps, account.id, c.date, by, now)(meterId, c.initialValues);
  await recordAudit(tx, now, {
    event: 'meter_installation',
    outcome: 'success',
    accountNumber: account.number,
    ip: by.ip,
    staffUserId: by.staffUserId ?? null,
    details: {
      reason: by.reason,
      date: c.date,
      after: { meter: c.meter, zones: c.zones, initial: c.initialValues },
    },
  });
  return meterId;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
