import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
export default function initial(ctx: MigrationContext) {
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
        .createTable('settlements')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'branches')
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payee_name', 'text', (c) => c.notNull())
        .addColumn('inn', 'text', (c) => c.notNull())
        .addColumn('kpp', 'text', (c) => c.notNull())
        .addColumn('bank_name', 'text', (c) => c.notNull())
        .addColumn('bic', 'text', (c) => c.notNull())
        .addColumn('corr_account', 'text', (c) => c.notNull())
        .addColumn('settlement_account', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('phones', 'text', (c) => c.notNull())
        .addColumn('fax', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('website', 'text', (c) => c.notNull())
        .execute();

      await id(db, 'offices')
        .addColumn('branch_id', 'bigint', (c) => c.notNull().references('branches.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('phones', 'text', (c) => c.notNull())
        .addColumn('hours', 'text', (c) => c.notNull())
        .addColumn('lat_e6', 'integer')
        .addColumn('lon_e6', 'integer')
        .execute();

      await id(db, 'tariff_plans')
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('zones', 'integer', (c) => c.notNull().check(sql`zones in (1, 2, 3)`))
        .addColumn('social_norm_kwh', 'integer')
        .addColumn('social_norm_extra_kwh', 'integer')
        .addColumn('norm_kwh_per_resident', 'integer', (c) => c.notNull())
        .execute();

      await id(db, 'tariff_prices')
        .addColumn('plan_id', 'bigint', (c) => c.notNull().references('tariff_plans.id'))
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('band', 'text', (c) => c.notNull().defaultTo('base'))
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('price_e5', 'bigint', (c) => c.notNull().check(sql`price_e5 >= 0`))
        .addUniqueConstraint('tariff_prices_key', ['plan_id', 'zone', 'band', 'valid_from'])
        .execute();

      await id(db, 'accounts')
        .addColumn('number', 'text', (c) => c.notNull().unique())
        .addColumn('settlement_code', 'text', (c) => c.notNull().references('settlements.code'))
        .addColumn('surname', 'text', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('patronymic', 'text', (c) => c.notNull())
        .addColumn('object_address', 'text', (c) => c.notNull())
        .addColumn('delivery_address', 'text', (c) => c.notNull())
        .addColumn('area_e2', 'integer', (c) => c.notNull())
        .addColumn('residents', 'integer', (c) => c.notNull())
        .addColumn('branch_id', 'bigint', (c) => c.notNull().references('branches.id'))
        .addColumn('tariff_plan_id', 'bigint', (c) => c.notNull().references('tariff_plans.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await id(db, 'meters')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('digits', 'integer', (c) => c.notNull().check(sql`digits between 3 and 10`))
        .addColumn('zones', 'integer', (c) => c.notNull().check(sql`zones in (1, 2, 3)`))
        .addColumn('ratio', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('installed_on', 'text', (c) => c.notNull())
        .addColumn('verification_due', 'text', (c) => c.notNull())
        .addColumn('removed_on', 'text')
        .execute();
      await db.schema.createIndex('meters_account').on('meters').column('account_id').execute();

      await id(db, 'readings')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('meter_id', 'bigint', (c) => c.notNull().references('meters.id'))
        .addColumn('reading_date', 'text', (c) => c.notNull())
        .addColumn('value1', 'bigint', (c) => c.notNull())
        .addColumn('value2', 'bigint')
        .addColumn('value3', 'bigint')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('accepted', 'review', 'rejected')`),
        )
        .addColumn('reason', 'text')
        .addColumn('submitted_at', 'bigint', (c) => c.notNull())
        .addColumn('submitted_ip', 'text')
        .execute();
      await db.schema
        .createIndex('readings_account_date')
        .on('readings')
        .columns(['account_id', 'reading_date'])
        .execute();

      await id(db, 'payments')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('paid_on', 'text', (c) => c.notNull())
        .addColumn('amount_kop', 'bigint', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('payments_account_date')
        .on('payments')
        .columns(['account_id', 'paid_on'])
        .execute();

      await id(db, 'charges')
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('billed_on', 'text', (c) => c.notNull())
        .addColumn('reading_id', 'bigint')
        .addColumn('reading_value', 'bigint')
        .addColumn('kwh', 'bigint', (c) => c.notNull())
        .addColumn('amount_kop', 'bigint', (c) => c.notNull())
        .addColumn('odn_kwh', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('odn_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('readings', 'average', 'norm')`))
        .addColumn('payments_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('debt_start_kop', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('debt_kop', 'bigint', (c) => c.notNull())
        .addColumn('tariff_e5', 'bigint', (c) => c.notNull())
        .addColumn('details', 'text')
        .addUniqueConstraint('charges_account_period', ['account_id', 'period'])
        .execute();

      await id(db, 'sessions')
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('sessions_last_seen').on('sessions').column('last_seen_at').execute();

      await id(db, 'login_attempts')
        .addColumn('account_number', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_attempts_account')
        .on('login_attempts')
        .columns(['account_number', 'at'])
        .execute();
      await db.schema.createIndex('login_attempts_ip').on('login_attempts').columns(['ip', 'at']).execute();

      await id(db, 'consents')
        .addColumn('account_id', 'bigint', (c) => c.references('accounts.id'))
        .addColumn('account_number', 'text', (c) => c.notNull())
        .addColumn('policy_version', 'text', (c) => c.notNull())
        .addColumn('given_at', 'bigint', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('consents_account').on('consents').column('account_number').execute();

      await id(db, 'audit_log')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('account_number', 'text')
        .addColumn('ip', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      for (const t of [
        'audit_log',
        'consents',
        'login_attempts',
        'sessions',
        'charges',
        'payments',
        'readings',
        'meters',
        'accounts',
        'tariff_prices',
        'tariff_plans',
        'offices',
        'branches',
        'settlements',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
