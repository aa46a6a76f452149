import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/** The tables whose rows, per account, the main page shows (see cabinet/page-cache.ts). */
export const PAGE_VERSION_TABLES = ['meters', 'readings', 'payments', 'charges'] as const;

/** Every trigger below is named so; the page cache counts them before it trusts them. */
export const PAGE_VERSION_TRIGGER_PREFIX = 'page_version_';
export const PAGE_VERSION_TRIGGER_COUNT = PAGE_VERSION_TABLES.length * 3;

/**
 * `accounts.page_version` changes, in the same transaction, whenever a row of the account's
 * meters, readings, payments or charges is inserted, updated or deleted: by the portal, by an
 * import, by the closing or by hand in psql. The main page's cache (cabinet/page-cache.ts) keys
 * its entries by it, so that every instance of the portal sees every write at once.
 *
 * SQLite: row triggers. PostgreSQL: statement triggers with transition tables, one UPDATE per
 * statement (the closing inserts thousands of charges in one), skipped inside a transaction that
 * has set `portal.bulk_load` to 'on' (`generate`, which fills an empty database).
 */
export function pageVersions(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('accounts').addColumn('page_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      if (pg) {
        const bump = (name: string, ids: string) =>
          sql`create function ${sql.raw(name)}() returns trigger language plpgsql as $$
            begin
              if coalesce(current_setting('portal.bulk_load', true), '') = 'on' then return null; end if;
              update accounts set page_version = page_version + 1 where id in (${sql.raw(ids)});
              return null;
            end $$`.execute(db);
        await bump('page_version_bump_new', 'select account_id from page_version_new');
        await bump('page_version_bump_old', 'select account_id from page_version_old');
        await bump(
          'page_version_bump_both',
          'select account_id from page_version_new union select account_id from page_version_old',
        );
        for (const t of PAGE_VERSION_TABLES) {
          await sql`create trigger ${sql.raw(`page_version_${t}_insert`)} after insert on ${sql.table(t)}
            referencing new table as page_version_new for each statement execute function page_version_bump_new()`.execute(db);
          await sql`create trigger ${sql.raw(`page_version_${t}_update`)} after update on ${sql.table(t)}
            referencing old table as page_version_old new table as page_version_new
            for each statement execute function page_version_bump_both()`.execute(db);
          await sql`create trigger ${sql.raw(`page_version_${t}_delete`)} after delete on ${sql.table(t)}
            referencing old table as page_version_old for each statement execute function page_version_bump_old()`.execute(db);
        }
      } else {
        const bump = 'update accounts set page_version = page_version + 1 where id';
        for (const t of PAGE_VERSION_TABLES) {
          await sql`create trigger ${sql.raw(`page_version_${t}_insert`)} after insert on ${sql.table(t)}
            begin ${sql.raw(bump)} = new.account_id; end`.execute(db);
          await sql`create trigger ${sql.raw(`page_version_${t}_update`)} after update on ${sql.table(t)}
            begin ${sql.raw(bump)} in (old.account_id, new.account_id); end`.execute(db);
          await sql`create trigger ${sql.raw(`page_version_${t}_delete`)} after delete on ${sql.table(t)}
            begin ${sql.raw(bump)} = old.account_id; end`.execute(db);
        }
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of PAGE_VERSION_TABLES)
        for (const op of ['insert', 'update', 'delete'])
          await sql`drop trigger ${sql.raw(`page_version_${t}_${op}`)}${pg ? sql` on ${sql.table(t)}` : sql``}`.execute(db);
      if (pg)
        for (const f of ['new', 'old', 'both']) await sql`drop function ${sql.raw(`page_version_bump_${f}`)}()`.execute(db);
      await db.schema.alterTable('accounts').dropColumn('page_version').execute();
    },
  };
}
