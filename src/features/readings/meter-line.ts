import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { formatDateRu } from '../../domain/dates.ts';
import * as meters from './meters.repository.ts';
import * as repo from './readings.repository.ts';
import {
  checkInstallation,
  checkReplacement,
  parseRatio,
  parseStaffDate,
  RATIO_MESSAGE,
  storeInstallation,
  storeReplacement,
  type ReplacementBy,
  type ReplacementField,
  type ReplacementForm,
  type ReplacementResult,
} from './meter-replacement.ts';

// One line of a meters file (the supplier's billing system's list of meters) against what the
// database holds for its account:
// - no meter in service: the meter is installed with its initial reading;
// - the same serial in service: its factor and verification date are corrected if they differ
//   (zones and digits cannot change on a meter in service), else nothing changes;
// - another serial: a replacement (meter-replacement.ts): the old meter closes with the line's
//   final reading, and the next charge counts both meters.
// So the same file again changes nothing.

type Q = Kysely<Database> | Transaction<Database>;

export interface MeterLine {
  account: string;
  serial: string;
  zones: number;
  digits: string;
  ratio: string;
  installed: string;
  verificationDue: string;
  initial: string[];
  /** The replaced meter's final reading per zone, when the file gives it. */
  final: string[] | null;
}

export type MeterLineResult =
  | { kind: 'installed' | 'replaced' | 'updated' | 'unchanged'; note?: string }
  | { kind: 'rejected'; field: MeterLineField; message: string };

export type MeterLineField = ReplacementField | 'account' | 'zones';

export interface MeterLineDeps {
  clock: Clock;
  timeZone: string;
  lastDay: number;
}

/** What the line would do (`tx` null: reads only) or does (in `tx`). */
export async function meterLine(
  q: Q,
  deps: MeterLineDeps,
  line: MeterLine,
  tx: Transaction<Database> | null,
  by: ReplacementBy,
): Promise<MeterLineResult> {
  const account = await meters.accountByNumber(q, line.account);
  if (!account) {
    return { kind: 'rejected', field: 'account', message: `Лицевого счёта ${line.account} нет в базе.` };
  }
  const old = await repo.findActiveMeter(q, account.id);
  const form: ReplacementForm = {
    date: line.installed,
    finalValues: line.final ?? [],
    serial: line.serial,
    digits: line.digits,
    ratio: line.ratio,
    verificationDue: line.verificationDue,
    initialValues: line.initial,
    confirmed: false,
  };
  if (!old) {
    const checked = await checkInstallation(q, deps, account.id, form, line.zones);
    if ('kind' in checked) {
      return rejected(checked);
    }
    if (tx) {
      await storeInstallation(tx, deps, account, checked, by);
    }
    return { kind: 'installed' };
  }
  if (old.serial === line.serial) {
    return sameMeter(deps, old, account, line, tx, by);
  }
  const removed = await meters.removedOn(q, account.id, line.serial);
  if (removed) {
    return {
      kind: 'rejected',
      field: 'serial',
      message: `Счётчик № ${line.serial} снят ${formatDateRu(removed)}, сейчас установлен № ${old.serial}: строка устарела.`,
    };
  }
  if (line.zones !== old.zones) {
    return {
      kind: 'rejected',
      field: 'zones',
      message: `Новый счётчик № ${line.serial} на ${line.zones} зон(ы), а снимаемый № ${old.serial} — на ${old.zones}: другое число зон означает другой тарифный план, замену так не провести.`,
    };
  }
  if (!line.final) {
    return {
      kind: 'rejected',
      field: 'final',
      message: `На счёте установлен счётчик № ${old.serial}, а в строке № ${line.serial}: это замена — укажите конечное показание снятого счётчика.`,
    };
  }
  const checked = await checkReplacement(q, deps, account.id, form);
  if ('kind' in checked) {
    return rejected(checked);
  }
  if (tx) {
    await storeReplacement(tx, deps, account, checked, by);
  }
  return { kind: 'replaced', note: `Счётчик № ${old.serial} заменён на № ${line.serial}.` };
}

/** The meter in service listed again: zones and digits must agree; the factor and the verification date may be corrected. */
async function sameMeter(
  deps: MeterLineDeps,
  old: repo.MeterInfo,
  account: { id: number; number: string },
  line: MeterLine,
  tx: Transaction<Database> | null,
  by: ReplacementBy,
): Promise<MeterLineResult> {
  if (line.zones !== old.zones || Number(line.digits) !== old.digits) {
    return {
      kind: 'rejected',
      field: line.zones !== old.zones ? 'zones' : 'digits',
      message: `У установленного счётчика № ${old.serial} зон ${old.zones} и ${old.digits} разрядов, в строке — ${line.zones} и ${line.digits.trim()}: у счётчика в работе они не меняются (другой счётчик — другой заводской номер).`,
    };
  }
  const ratio = parseRatio(line.ratio);
  if (ratio === null) {
    return { kind: 'rejected', field: 'ratio', message: RATIO_MESSAGE };
  }
  const due = parseStaffDate(line.verificationDue);
  if (due === null) {
    return {
      kind: 'rejected',
      field: 'verificationDue',
      message: 'Укажите дату следующей поверки в виде ДД.ММ.ГГГГ.',
    };
  }
  if (ratio === old.ratio && due === old.verificationDue) {
    return { kind: 'unchanged' };
  }
  const changes = [
    ratio !== old.ratio ? `коэффициент ${old.ratio} → ${ratio}` : '',
    due !== old.verificationDue
      ? `поверка до ${formatDateRu(old.verificationDue)} → ${formatDateRu(due)}`
      : '',
  ].filter(Boolean);
  if (tx) {
    await meters.updateMeterFields(tx, old.id, { ratio, verificationDue: due });
    await recordAudit(tx, deps.clock.now(), {
      event: 'meter_change',
      outcome: 'success',
      accountNumber: account.number,
      ip: by.ip,
      staffUserId: by.staffUserId ?? null,
      details: {
        reason: by.reason,
        serial: old.serial,
        before: { ratio: old.ratio, verificationDue: old.verificationDue },
        after: { ratio, verificationDue: due },
      },
    });
  }
  return { kind: 'updated', note: `Счётчик № ${old.serial}: ${changes.join(', ')}.` };
}

/** The first problem of a refused form, as the line's rejection. */
function rejected(r: Extract<ReplacementResult, { kind: 'invalid' }>): MeterLineResult {
  const [field, message] = Object.entries(r.errors)[0] ?? ['account', r.formError ?? 'Строка не принята.'];
  return { kind: 'rejected', field: field as MeterLineField, message };
}
