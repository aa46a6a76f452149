import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { dateInZone } from '../../domain/dates.ts';
import { checkRegisters } from '../../domain/readings.ts';
import { findBySubmissionKey, findReading, latestAcceptedReading } from '../readings/readings.repository.ts';
import { submitReading } from '../readings/readings.service.ts';
import type { ImportFormat, Numbered, Outcome } from './engine.ts';
import { gridReadingsReader, type GridReadingLine } from './readings.parse.ts';
import { accountsByNumber, metersBySerial, type ImportMeter } from './readings.repository.ts';

/**
 * Readings from the network company (сетевая организация) as an import format: each line a
 * reading of one meter on one day, stored through the readings service with channel 'grid'
 * («Сетевая компания» in the histories), so that it meets the customer's rules: the meter's
 * zones and digits, the rollover and the 50 000 kWh limit. A suspicious reading is held for
 * review (nobody to ask, as with a registry's reading). A line whose account or meter is
 * unknown, or whose values do not fit the meter, is rejected with its line number; the others
 * are stored (not strict: one bad line does not hold back a round of thousands of meters).
 *
 * A reading's identity is (meter, day): the same file twice, or a run resumed after a crash,
 * stores nothing twice; a second file with another value for the same meter and day changes
 * nothing and says so (a correction goes through the review queue, not through a file).
 */

export interface GridReadingsDeps {
  clock: Clock;
  timeZone: string;
  readingsLastDay: number;
}

export const GRID_CHANNEL = 'grid';

export const GRID_LABELS: Record<string, string> = {
  readingStored: 'показаний принято',
  readingReview: 'показаний отправлено на проверку',
  readingUnchanged: 'уже были загружены раньше (без изменений)',
  rejected: 'строк отклонено по данным счёта и счётчика',
};

export const GRID_RECORDS = 'Строк с показаниями';

type Q = Kysely<Database> | Transaction<Database>;
type Batch = Numbered<GridReadingLine>[];

/** The key that makes a network reading one reading: its meter and its day. */
export function gridReadingKey(meterId: number, date: string): string {
  const h = createHash('sha256').update(`grid:${meterId}:${date}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

type Resolved = { ok: true; meter: ImportMeter; values: number[] } | { ok: false; outcome: Outcome };

function refused(field: string, message: string): Resolved {
  return { ok: false, outcome: { count: 'rejected', rejected: true, note: { field, message } } };
}

/** The meters of the batch's lines, or why a line names none, or values that do not fit it. */
async function resolveBatch(db: Q, batch: Batch): Promise<Resolved[]> {
  const numbers = batch.flatMap((b) => (b.record.accountNumber ? [b.record.accountNumber] : []));
  const serials = batch.flatMap((b) => (b.record.serial ? [b.record.serial] : []));
  const [accounts, bySerial] = await Promise.all([
    accountsByNumber(db, numbers),
    metersBySerial(db, serials),
  ]);
  return batch.map(({ record: r }) => {
    const found = meterOf(r, accounts, bySerial);
    return 'meter' in found ? fit(r, found.meter) : refused(found.field, found.message);
  });
}

function meterOf(
  r: GridReadingLine,
  accounts: Map<string, { accountId: number; meters: ImportMeter[] }>,
  bySerial: Map<string, ImportMeter[]>,
): { meter: ImportMeter } | { field: string; message: string } {
  const withSerial = r.serial === null ? [] : (bySerial.get(r.serial) ?? []);
  if (r.accountNumber !== null) {
    const account = accounts.get(r.accountNumber);
    if (!account) {
      return { field: 'Лицевой счёт', message: `Лицевого счёта ${r.accountNumber} нет в портале.` };
    }
    if (r.serial === null) {
      const meter = account.meters.find((m) => m.removedOn === null);
      return meter
        ? { meter }
        : { field: 'Лицевой счёт', message: `У лицевого счёта ${r.accountNumber} нет счётчика в работе.` };
    }
    const own = withSerial.filter((m) => m.accountId === account.accountId);
    const active = own.find((m) => m.removedOn === null);
    if (active) {
      return { meter: active };
    }
    if (own.length > 0) {
      return {
        field: 'Счётчик',
        message: `Счётчик № ${r.serial} на лицевом счёте ${r.accountNumber} снят с учёта ${own[0]!.removedOn}: показания по нему не принимаются.`,
      };
    }
    const elsewhere = withSerial.find((m) => m.removedOn === null) ?? withSerial[0];
    if (elsewhere) {
      return {
        field: 'Счётчик',
        message: `Счётчик № ${r.serial} стоит на другом лицевом счёте (${elsewhere.accountNumber}), а не на ${r.accountNumber}.`,
      };
    }
    return { field: 'Счётчик', message: `Счётчика с заводским номером ${r.serial} нет в портале.` };
  }
  const active = withSerial.filter((m) => m.removedOn === null);
  if (active.length === 1) {
    return { meter: active[0]! };
  }
  if (active.length > 1) {
    return {
      field: 'Счётчик',
      message: `Счётчик с номером ${r.serial} есть на нескольких лицевых счетах (${active.map((m) => m.accountNumber).join(', ')}): укажите лицевой счёт.`,
    };
  }
  return withSerial.length > 0
    ? {
        field: 'Счётчик',
        message: `Счётчик № ${r.serial} снят с учёта ${withSerial[0]!.removedOn}: показания по нему не принимаются.`,
      }
    : { field: 'Счётчик', message: `Счётчика с заводским номером ${r.serial} нет в портале.` };
}

/** The values checked against the meter's zones and digits. */
function fit(r: GridReadingLine, meter: ImportMeter): Resolved {
  if (r.values.length !== meter.zones) {
    return refused(
      'Показание',
      `Показаний ${r.values.length}, а счётчик № ${meter.serial} ${zonesWords(meter.zones)}: нужно ${meter.zones}.`,
    );
  }
  const values: number[] = [];
  for (const [i, v] of r.values.entries()) {
    const significant = v.replace(/^0+(?=\d)/, '');
    if (significant.length > meter.digits) {
      return refused(
        `Т${i + 1}`,
        `«${v}»: у счётчика № ${meter.serial} ${meter.digits} ${digitsWord(meter.digits)}, а в показании ${significant.length} ${digitsWord(significant.length, 'цифр')}.`,
      );
    }
    values.push(Number(significant));
  }
  return { ok: true, meter, values };
}

function zonesWords(n: number): string {
  return n === 1 ? 'однозонный' : n === 2 ? 'двухзонный' : 'трёхзонный';
}

function digitsWord(n: number, noun: 'разряд' | 'цифр' = 'разряд'): string {
  const d10 = n % 10;
  const d100 = n % 100;
  const [one, few, many] = noun === 'разряд' ? ['разряд', 'разряда', 'разрядов'] : ['цифра', 'цифры', 'цифр'];
  if (d10 === 1 && d100 !== 11) {
    return one;
  }
  return d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14) ? few : many;
}

/** A reading already stored under the line's key: unchanged, with a note when the file says otherwise. */
function unchanged(existing: { values: number[] }, values: number[]): Outcome {
  const same = existing.values.length === values.length && existing.values.every((v, i) => v === values[i]);
  return same
    ? { count: 'readingUnchanged' }
    : {
        count: 'readingUnchanged',
        note: {
          field: 'Показание',
          message: `За этот день уже записано показание ${existing.values.join(' / ')}; новое (${values.join(' / ')}) не записано. Исправление — через проверку показаний.`,
        },
      };
}

export function gridReadingsFormat(deps: GridReadingsDeps): ImportFormat<GridReadingLine> {
  return {
    kind: 'readings',
    recordsTitle: GRID_RECORDS,
    profile: GRID_CHANNEL,
    strict: false,
    labels: GRID_LABELS,
    reader: () => gridReadingsReader(dateInZone(deps.clock.now(), deps.timeZone)),
    async plan(db, batch) {
      const resolved = await resolveBatch(db, batch);
      const out: Outcome[] = [];
      for (const [i, res] of resolved.entries()) {
        if (!res.ok) {
          out.push(res.outcome);
          continue;
        }
        const { meter, values } = res;
        const existing = await findBySubmissionKey(
          db,
          meter.accountId,
          gridReadingKey(meter.id, batch[i]!.record.date),
        );
        if (existing) {
          out.push(unchanged(existing, values));
          continue;
        }
        const last = await latestAcceptedReading(db, meter.accountId, meter.id);
        const previous = values.map((_, z) => last?.values[z] ?? 0);
        const { reason } = checkRegisters(previous, values, meter.digits, meter.ratio);
        out.push({ count: reason ? 'readingReview' : 'readingStored' });
      }
      return out;
    },
    // Nothing in the batch's transaction but the run's cursor: each reading is stored by the
    // readings service in its own transaction (afterCommit), keyed, so a resumed run stores none twice.
    apply: () => Promise.resolve([]),
    async afterCommit(db, batch) {
      const resolved = await resolveBatch(db, batch);
      const out: Outcome[] = [];
      for (const [i, res] of resolved.entries()) {
        out.push(res.ok ? await store(db, deps, res.meter, batch[i]!.record, res.values) : res.outcome);
      }
      return out;
    },
  };
}

async function store(
  db: Kysely<Database>,
  deps: GridReadingsDeps,
  meter: ImportMeter,
  r: GridReadingLine,
  values: number[],
): Promise<Outcome> {
  const key = gridReadingKey(meter.id, r.date);
  const existing = await findBySubmissionKey(db, meter.accountId, key);
  if (existing) {
    return unchanged(existing, values);
  }
  const res = await submitReading(
    { db, clock: deps.clock, timeZone: deps.timeZone, lastDay: deps.readingsLastDay },
    {
      accountId: meter.accountId,
      accountNumber: meter.accountNumber,
      meterId: meter.id,
      key,
      values: values.map(String),
      // Nobody to ask: a suspicious reading goes to review, as a customer's confirmed one does.
      confirmed: true,
      ip: '',
      channel: GRID_CHANNEL,
      readingDate: r.date,
    },
  );
  if (res.kind === 'stored') {
    if (res.duplicate) {
      return { count: 'readingUnchanged' };
    }
    const stored = await findReading(db, meter.accountId, res.readingId);
    return { count: stored?.status === 'review' ? 'readingReview' : 'readingStored' };
  }
  const why = res.kind === 'invalid' ? (res.formError ?? res.fieldErrors.filter(Boolean).join(' ')) : '';
  return {
    count: 'rejected',
    rejected: true,
    note: { field: 'Показание', message: `Показание не принято: ${why}` },
  };
}
