import type { Insertable, Kysely, Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { ChargesTable, Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The monthly closing's writes: a batch's charges at a time.

/** A charge as the closing writes it: every column but the id, none left to its default. */
export type NewCharge = Required<Omit<Insertable<ChargesTable>, 'id'>>;

const CHARGE_INSERT_COLUMNS = [
  'account_id',
  'period',
  'billed_on',
  'reading_id',
  'reading_value',
  'kwh',
  'amount_kop',
  'odn_kwh',
  'odn_kop',
  'method',
  'payments_kop',
  'debt_start_kop',
  'debt_kop',
  'tariff_e5',
  'details',
  'recalc_kop',
] as const satisfies ReadonlyArray<keyof NewCharge>;

const INSERT_CHARGE = `insert into charges (${CHARGE_INSERT_COLUMNS.join(', ')})
  values (${CHARGE_INSERT_COLUMNS.map(() => '?').join(', ')}) on conflict (account_id, period) do nothing`;

/**
 * Inserts the batch's charges; an account already charged for the period keeps its charge.
 * On SQLite (`sqlite`, the handle under `db`) one prepared statement runs per row: Kysely's
 * SQLite dialect has this one connection, so the rows belong to the transaction `db` has open,
 * and building a 16 000-value statement costs more than running a small one 1 000 times.
 */
export async function insertCharges(db: Q, rows: NewCharge[], sqlite?: SQLite.Database): Promise<void> {
  if (sqlite) {
    const stmt = sqlite.prepare(INSERT_CHARGE);
    for (const r of rows) {
      stmt.run(CHARGE_INSERT_COLUMNS.map((c) => r[c]));
    }
    return;
  }
  // SQLite limits a statement to 32766 variables: 16 columns × 1000 rows stays well below.
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto('charges')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['account_id', 'period']).doNothing())
      .execute();
  }
}
