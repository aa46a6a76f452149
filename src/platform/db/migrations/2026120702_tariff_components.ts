import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * What the supplier's tariff is made of, for the bill's «В том числе (с учетом НДС)» breakdown
 * (the 2014 manual's bill): the share of each component — purchase of the energy, its
 * transmission, the sales markup, other services — in millionths, per tariff plan, in force from
 * `valid_from` (the rows of one plan and date should sum to 1 000 000; the charged sum is split
 * in proportion to them either way). A plan without rows gets no breakdown on its bills.
 */
export default function tariffComponents(ctx: MigrationContext) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('tariff_components')
        .addColumn('id', ctx.dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          ctx.dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('plan_id', 'bigint', (c) => c.notNull().references('tariff_plans.id'))
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('component', 'text', (c) =>
          c.notNull().check(sql`component in ('purchase', 'transmission', 'sales', 'other')`),
        )
        .addColumn('share_e6', 'integer', (c) => c.notNull().check(sql`share_e6 between 0 and 1000000`))
        .addUniqueConstraint('tariff_components_key', ['plan_id', 'valid_from', 'component'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('tariff_components').execute();
    },
  };
}
