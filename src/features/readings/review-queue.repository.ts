import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The back office's review queue: the readings the rules held, across accounts, with their
// account and meter (never reachable from a customer's route).

/** A reading the rules held, as the review queue lists it. */
export interface QueuedReading {
  id: number;
  accountId: number;
  account: string;
  holder: string;
  address: string;
  meterId: number;
  meterSerial: string;
  digits: number;
  zones: number;
  values: number[];
  readingDate: string;
  channel: string;
  reason: string | null;
  submittedAt: number;
}

/** The readings under review, oldest first, a page at a time (index readings_review); or only `id`. */
export async function listReviewQueue(
  db: Q,
  page: { offset: number; limit: number; id?: number },
): Promise<QueuedReading[]> {
  let q = db
    .selectFrom('readings')
    .innerJoin('accounts', 'accounts.id', 'readings.account_id')
    .innerJoin('meters', 'meters.id', 'readings.meter_id')
    .select([
      'readings.id',
      'readings.account_id',
      'accounts.number',
      'accounts.surname',
      'accounts.first_name',
      'accounts.patronymic',
      'accounts.object_address',
      'readings.meter_id',
      'meters.serial',
      'meters.digits',
      'meters.zones',
      'readings.value1',
      'readings.value2',
      'readings.value3',
      'readings.reading_date',
      'readings.channel',
      'readings.reason',
      'readings.submitted_at',
    ])
    .where('readings.status', '=', 'review')
    .orderBy('readings.id')
    .offset(page.offset)
    .limit(page.limit);
  if (page.id !== undefined) {
    q = q.where('readings.id', '=', page.id);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    accountId: Number(r.account_id),
    account: r.number,
    holder: [r.surname, r.first_name, r.patronymic].filter(Boolean).join(' '),
    address: r.object_address,
    meterId: Number(r.meter_id),
    meterSerial: r.serial,
    digits: r.digits,
    zones: r.zones,
    values: [r.value1, r.value2, r.value3].filter((v): v is number => v !== null).map(Number),
    readingDate: r.reading_date,
    channel: r.channel,
    reason: r.reason,
    submittedAt: Number(r.submitted_at),
  }));
}
