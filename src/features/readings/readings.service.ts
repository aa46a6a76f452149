import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit, type AuditEvent } from '../../platform/audit.repository.ts';
import { dateInZone, periodInWords } from '../../domain/dates.ts';
import {
  billingPeriodFor,
  checkRegisters,
  parseReadingValue,
  type RegisterCheck,
  type SuspicionReason,
} from '../../domain/readings.ts';
import { zonesFor, type Zone } from '../../domain/tariff.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import * as repo from './readings.repository.ts';

export interface ReadingsDeps {
  db: Kysely<Database>;
  clock: Clock;
  timeZone: string;
  lastDay: number;
}

/** What the main page's form shows: the meter and the last accepted values per zone. */
export interface ReadingFormData {
  meterId: number;
  serial: string;
  digits: number;
  ratio: number;
  zones: Zone[];
  previousDate: string | null;
  previous: number[];
}

/** The form as sent to one browser: with its idempotency key. */
export interface ReadingForm extends ReadingFormData {
  key: string;
}

/** The form for `meter`, compared with `last`, the meter's latest accepted reading (the caller has read it). */
export function readingForm(
  meter: { id: number; serial: string; digits: number; zones: number; ratio: number },
  last: repo.ReadingItem | undefined,
): ReadingFormData {
  const zones = zonesFor(meter.zones);
  return {
    meterId: meter.id,
    serial: meter.serial,
    digits: meter.digits,
    ratio: meter.ratio,
    zones,
    previousDate: last?.readingDate ?? null,
    previous: zones.map((_, i) => last?.values[i] ?? 0),
  };
}

/** A new reading form's key: it makes one submission of the form one reading, however often it is sent. */
export function newFormKey(): string {
  return randomUUID();
}

/** The form for one response: a fresh key, or the key of a refused form being shown again. */
export function formWithKey(form: ReadingFormData, key: string = newFormKey()): ReadingForm {
  return { ...form, key };
}

export interface SubmitInput {
  accountId: number;
  accountNumber: string;
  meterId: number;
  key: string;
  values: string[];
  /** The customer confirmed the reading on the confirmation page. */
  confirmed: boolean;
  /**
   * The form was posted by a browser without JavaScript, which showed no live consumption: every
   * reading, plausible or not, first gets the confirmation page with its consumption.
   */
  preview?: boolean;
  ip: string;
  /** How it came: 'internet' (the portal's form) unless said; 'bank' for a reading in a payment registry. */
  channel?: string;
  /** The day it was taken (a registry's payment date); today in the supplier's zone unless said. */
  readingDate?: string;
  /** An operator took it on the customer's behalf (channel 'operator'): who, and why (audited). */
  staff?: { userId: number; reason: string };
}

export type SubmitResult =
  | { kind: 'invalid'; fieldErrors: string[]; formError?: string }
  | {
      kind: 'confirm';
      registers: RegisterCheck[];
      /** Why the reading looks wrong; null when it is only shown for a check (`preview`). */
      reason: SuspicionReason | null;
      zones: Zone[];
      digits: number;
    }
  | { kind: 'stored'; readingId: number; duplicate: boolean };

const KEY_PATTERN = /^[0-9a-f-]{36}$/;

/**
 * Takes a reading from the portal's form. The form's key makes it idempotent: the same form
 * posted twice (a double click, a reload, a retry, two requests at once) stores one reading.
 */
export async function submitReading(deps: ReadingsDeps, input: SubmitInput): Promise<SubmitResult> {
  const { db } = deps;
  if (!KEY_PATTERN.test(input.key)) {
    return {
      kind: 'invalid',
      fieldErrors: [],
      formError: 'Форма устарела. Обновите страницу и введите показание ещё раз.',
    };
  }

  const existing = await repo.findBySubmissionKey(db, input.accountId, input.key);
  if (existing) {
    return { kind: 'stored', readingId: existing.id, duplicate: true };
  }

  const meter = await repo.findMeter(db, input.accountId, input.meterId);
  if (!meter) {
    return { kind: 'invalid', fieldErrors: [], formError: 'Счётчик не найден. Обновите страницу.' };
  }
  if (meter.removedOn !== null) {
    return {
      kind: 'invalid',
      fieldErrors: [],
      formError: `Счётчик № ${meter.serial} снят с учёта ${meter.removedOn}: показания по нему не принимаются. Обновите страницу или обратитесь в офис.`,
    };
  }
  const zones = zonesFor(meter.zones);
  const parsed = zones.map((_, i) => parseReadingValue(input.values[i] ?? '', meter.digits));
  const fieldErrors = parsed.map((p) => (p.ok ? '' : p.message));
  if (fieldErrors.some(Boolean)) {
    return { kind: 'invalid', fieldErrors };
  }
  const values = parsed.map((p) => (p.ok ? p.value : 0));

  const last = await repo.latestAcceptedReading(db, input.accountId, meter.id);
  const previous = zones.map((_, i) => last?.values[i] ?? 0);
  const { registers, reason } = checkRegisters(previous, values, meter.digits, meter.ratio);
  if ((reason || input.preview === true) && !input.confirmed) {
    return { kind: 'confirm', registers, reason, zones, digits: meter.digits };
  }

  const now = deps.clock.now();
  const readingDate = input.readingDate ?? dateInZone(now, deps.timeZone);
  try {
    const readingId = await db.transaction().execute(async (tx) => {
      const id = await repo.insertReading(tx, {
        accountId: input.accountId,
        meterId: meter.id,
        readingDate,
        values,
        channel: input.channel ?? 'internet',
        status: reason ? 'review' : 'accepted',
        reason,
        submittedAt: now.getTime(),
        submittedIp: input.ip,
        submissionKey: input.key,
        billingPeriod: billingPeriodFor(readingDate, deps.lastDay),
      });
      await recordAudit(
        tx,
        now,
        readingAudit(input, { id, serial: meter.serial, reason, last, readingDate, values }),
      );
      return id;
    });
    return { kind: 'stored', readingId, duplicate: false };
  } catch (err) {
    // Two identical posts at once: the other one stored it.
    if (!isUniqueViolation(err)) {
      throw err;
    }
    const winner = await repo.findBySubmissionKey(db, input.accountId, input.key);
    if (!winner) {
      throw err;
    }
    return { kind: 'stored', readingId: winner.id, duplicate: true };
  }
}

/** The audit event of a stored reading; an operator's also says who, why, before and after. */
function readingAudit(
  input: SubmitInput,
  r: {
    id: number;
    serial: string;
    reason: SuspicionReason | null;
    last: repo.ReadingItem | undefined;
    readingDate: string;
    values: number[];
  },
): AuditEvent {
  const status = r.reason ? 'review' : 'accepted';
  const details = { readingId: r.id, meter: r.serial, ...(r.reason ? { reason: r.reason } : {}) };
  const base = { event: 'reading', outcome: status, accountNumber: input.accountNumber, ip: input.ip };
  if (!input.staff) {
    return { ...base, details };
  }
  return {
    ...base,
    staffUserId: input.staff.userId,
    details: {
      ...details,
      staffReason: input.staff.reason,
      before: { lastAccepted: r.last ? { date: r.last.readingDate, values: r.last.values } : null },
      after: { date: r.readingDate, values: r.values, channel: input.channel ?? 'internet', status },
    },
  };
}

/** What became of the reading just submitted, as the main page says it. */
export interface SubmittedNotice {
  values: number[];
  zones: Zone[];
  date: string;
  status: string;
  periodWords: string | null;
  duplicate: boolean;
}

/** The message about a reading the customer just submitted; undefined for another account's id. */
export async function loadSubmittedNotice(
  db: Kysely<Database>,
  accountId: number,
  readingId: number,
  duplicate: boolean,
): Promise<SubmittedNotice | undefined> {
  const r = await repo.findReading(db, accountId, readingId);
  if (!r) {
    return undefined;
  }
  const meter = await repo.findMeter(db, accountId, r.meterId);
  return {
    values: r.values,
    zones: zonesFor(meter?.zones ?? r.values.length),
    date: r.readingDate,
    status: r.status,
    periodWords: r.billingPeriod ? periodInWords(r.billingPeriod) : null,
    duplicate,
  };
}
