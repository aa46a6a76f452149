import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Monthly closing: the state of each billing period, recalculations of closed periods carried to
 * the next bill, and buildings with their common-house (ОДН) volumes.
 */
export default function billing(ctx: MigrationContext) {
  const idType = ctx.dialect === 'postgres' ? 'bigserial' : 'integer';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', idType, (c) =>
        ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('billing_periods')
        .addColumn('period', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('closing', 'closed')`))
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('accounts', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('total_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await id(db, 'recalculations')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('applied_period', 'text')
        .addColumn('kwh', 'bigint', (c) => c.notNull())
        .addColumn('amount_kop', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('details', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('recalculations_account')
        .on('recalculations')
        .columns(['account_id', 'applied_period'])
        .execute();

      await db.schema
        .alterTable('charges')
        .addColumn('recalc_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await id(db, 'buildings')
        .addColumn('address', 'text', (c) => c.notNull())
        /** Total floor area of the flats, 1/100 m². */
        .addColumn('flats_area_e2', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('building_volumes')
        .addColumn('building_id', 'bigint', (c) => c.notNull().references('buildings.id'))
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('total_kwh', 'bigint', (c) => c.notNull())
        .addColumn('nonresidential_kwh', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('unmetered_flats_kwh', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('metered_flats_kwh', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('building_volumes_pk', ['building_id', 'period'])
        .execute();
      await db.schema
        .alterTable('accounts')
        .addColumn('building_id', 'bigint', (c) => c.references('buildings.id'))
        .execute();
      await db.schema.createIndex('charges_period').on('charges').column('period').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('charges_period').execute();
      await db.schema.alterTable('accounts').dropColumn('building_id').execute();
      await db.schema.dropTable('building_volumes').execute();
      await db.schema.dropTable('buildings').execute();
      await db.schema.alterTable('charges').dropColumn('recalc_kop').execute();
      await db.schema.dropTable('recalculations').execute();
      await db.schema.dropTable('billing_periods').execute();
    },
  };
}
