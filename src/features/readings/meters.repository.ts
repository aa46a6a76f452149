import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

import { findLoginAccount } from '../account/account.repository.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The meters' own writes and reads for a replacement (meter-replacement.ts).

/** The account number of another account whose meter in service has this serial, if any. */
export async function serialInServiceElsewhere(
  db: Q,
  serial: string,
  accountId: number,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('meters as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select('a.number')
    .where('m.serial', '=', serial)
    .where('m.removed_on', 'is', null)
    .where('m.account_id', '<>', accountId)
    .limit(1)
    .executeTakeFirst();
  return r?.number;
}

/** Marks the meter removed on `date`; false when it was removed meanwhile. */
export async function removeMeter(db: Q, meterId: number, date: string): Promise<boolean> {
  const res = await db
    .updateTable('meters')
    .set({ removed_on: date })
    .where('id', '=', meterId)
    .where('removed_on', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface NewMeter {
  accountId: number;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  installedOn: string;
  verificationDue: string;
}

export async function insertMeter(db: Q, m: NewMeter): Promise<number> {
  const row = await db
    .insertInto('meters')
    .values({
      account_id: m.accountId,
      serial: m.serial,
      digits: m.digits,
      zones: m.zones,
      ratio: m.ratio,
      installed_on: m.installedOn,
      verification_due: m.verificationDue,
      removed_on: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** The account of a number, for the meters import (the login's own lookup). */
export async function accountByNumber(
  db: Q,
  number: string,
): Promise<{ id: number; number: string } | undefined> {
  const r = await findLoginAccount(db, number);
  return r && { id: Number(r.id), number: r.number };
}

/** When the account's meter of this serial was removed, if it was. */
export async function removedOn(db: Q, accountId: number, serial: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('meters')
    .select('removed_on')
    .where('account_id', '=', accountId)
    .where('serial', '=', serial)
    .where('removed_on', 'is not', null)
    .orderBy('removed_on', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.removed_on ?? undefined;
}

/** A meter's factor and verification date corrected. */
export async function updateMeterFields(
  db: Q,
  meterId: number,
  fields: { ratio: number; verificationDue: string },
): Promise<void> {
  await db
    .updateTable('meters')
    .set({ ratio: fields.ratio, verification_due: fields.verificationDue })
    .where('id', '=', meterId)
    .execute();
}
