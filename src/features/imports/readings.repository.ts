import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The meters that the network company's readings name, by account number or by serial. Back
// office data: no customer route reaches these functions.

export interface ImportMeter {
  id: number;
  accountId: number;
  accountNumber: string;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  removedOn: string | null;
}

function meters(db: Q) {
  return db
    .selectFrom('meters')
    .innerJoin('accounts', 'accounts.id', 'meters.account_id')
    .select([
      'meters.id',
      'meters.account_id',
      'accounts.number',
      'meters.serial',
      'meters.digits',
      'meters.zones',
      'meters.ratio',
      'meters.removed_on',
      'meters.installed_on',
    ])
    .orderBy('meters.installed_on', 'desc')
    .orderBy('meters.id', 'desc');
}

function toMeter(r: {
  id: number | string;
  account_id: number | string;
  number: string;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  removed_on: string | null;
}): ImportMeter {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    accountNumber: r.number,
    serial: r.serial,
    digits: Number(r.digits),
    zones: Number(r.zones),
    ratio: Number(r.ratio),
    removedOn: r.removed_on,
  };
}

/** The accounts with these numbers: their id, and their meters (the newest first). */
export async function accountsByNumber(
  db: Q,
  numbers: string[],
): Promise<Map<string, { accountId: number; meters: ImportMeter[] }>> {
  const unique = [...new Set(numbers)];
  const out = new Map<string, { accountId: number; meters: ImportMeter[] }>();
  if (unique.length === 0) {
    return out;
  }
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'number'])
    .where('number', 'in', unique)
    .execute();
  for (const a of accounts) {
    out.set(a.number, { accountId: Number(a.id), meters: [] });
  }
  if (accounts.length > 0) {
    const rows = await meters(db)
      .where(
        'meters.account_id',
        'in',
        accounts.map((a) => Number(a.id)),
      )
      .execute();
    for (const r of rows) {
      out.get(r.number)?.meters.push(toMeter(r));
    }
  }
  return out;
}

/** Every meter (in service or removed) with one of these serials, the newest first. */
export async function metersBySerial(db: Q, serials: string[]): Promise<Map<string, ImportMeter[]>> {
  const unique = [...new Set(serials)];
  const out = new Map<string, ImportMeter[]>();
  if (unique.length === 0) {
    return out;
  }
  for (const r of await meters(db).where('meters.serial', 'in', unique).execute()) {
    const list = out.get(r.serial) ?? [];
    list.push(toMeter(r));
    out.set(r.serial, list);
  }
  return out;
}
