import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `price_locks`: one row, 'prices', that a tariff write and a month's closing both update first
 * in the transaction where the one checks that its month is not closing (and writes its prices)
 * and the other marks its month «closing». The update's row lock (PostgreSQL) or write lock
 * (SQLite) makes the two take turns across processes: a closing never reads prices that a write
 * checked before the month was marked and commits after (src/features/tariffs/tariffs.service.ts).
 */
export default function priceLock() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('price_locks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('taken_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.insertInto('price_locks').values({ name: 'prices', taken_at: 0 }).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('price_locks').execute();
    },
  };
}
