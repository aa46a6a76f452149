import { sql, type Kysely } from 'kysely';
import type { Dialect } from './connect.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the triggers are schema, below the typed Database */

/**
 * `accounts.page_version` gets a new random stamp, in the writing transaction, whenever a row of
 * the account's meters, readings, payments or charges is inserted, updated, deleted (or, on
 * PostgreSQL, the table truncated): by the portal, an import, the closing, or by hand. The main
 * page's cache (cabinet/page-cache.ts) keys its entries by it, so every process sees every write
 * at the next view. Random rather than counted, so that a database put back to an earlier state
 * (a restored backup, a failover) never repeats a stamp an entry was cached under.
 *
 * SQLite: row triggers. PostgreSQL: statement triggers with transition tables (the closing
 * inserts a batch of charges in one statement, and gets one UPDATE for it), skipped inside a
 * transaction that has set `portal.bulk_load` to 'on' (`generate`, whose accounts are new).
 *
 * `ensurePageVersionTriggers` creates whichever are missing; `migrateToLatest` calls it every
 * time, so a restart (or `npm run cli -- migrate`) puts back a trigger lost by a killed
 * `generate` or a restore.
 */
export const PAGE_VERSION_TABLES = ['meters', 'readings', 'payments', 'charges'] as const;

export interface PageVersionTrigger {
  name: string;
  table: (typeof PAGE_VERSION_TABLES)[number];
  /** The CREATE statement. */
  sql: string;
}

/**
 * A new stamp: a random whole number below 10^12. At most 12 digits, so that no stamp looks like
 * a card number (13–19 digits), which the card-data scan of the database would rightly flag.
 */
export const PAGE_VERSION_STAMP = {
  sqlite: 'abs(random() % 1000000000000)',
  postgres: '(random() * 999999999999)::bigint',
};

/** The PostgreSQL functions the triggers call: which accounts a statement touched, by transition table. */
const PG_FUNCTIONS: Record<string, string> = {
  page_version_bump_new: 'id in (select account_id from page_version_new)',
  page_version_bump_old: 'id in (select account_id from page_version_old)',
  page_version_bump_both:
    'id in (select account_id from page_version_new union select account_id from page_version_old)',
  // TRUNCATE has no rows to tell: every account.
  page_version_bump_all: 'true',
};

export function pageVersionTriggers(dialect: Dialect): PageVersionTrigger[] {
  const out: PageVersionTrigger[] = [];
  for (const table of PAGE_VERSION_TABLES) {
    const name = (op: string) => `page_version_${table}_${op}`;
    if (dialect === 'sqlite') {
      const bump = `update accounts set page_version = ${PAGE_VERSION_STAMP.sqlite} where id`;
      out.push(
        {
          name: name('insert'),
          table,
          sql: `create trigger if not exists ${name('insert')} after insert on ${table} begin ${bump} = new.account_id; end`,
        },
        {
          name: name('update'),
          table,
          sql: `create trigger if not exists ${name('update')} after update on ${table} begin ${bump} in (old.account_id, new.account_id); end`,
        },
        {
          name: name('delete'),
          table,
          sql: `create trigger if not exists ${name('delete')} after delete on ${table} begin ${bump} = old.account_id; end`,
        },
      );
    } else {
      const on = `on ${table}`;
      out.push(
        {
          name: name('insert'),
          table,
          sql: `create trigger ${name('insert')} after insert ${on} referencing new table as page_version_new for each statement execute function page_version_bump_new()`,
        },
        {
          name: name('update'),
          table,
          sql: `create trigger ${name('update')} after update ${on} referencing old table as page_version_old new table as page_version_new for each statement execute function page_version_bump_both()`,
        },
        {
          name: name('delete'),
          table,
          sql: `create trigger ${name('delete')} after delete ${on} referencing old table as page_version_old for each statement execute function page_version_bump_old()`,
        },
        {
          name: name('truncate'),
          table,
          sql: `create trigger ${name('truncate')} after truncate ${on} for each statement execute function page_version_bump_all()`,
        },
      );
    }
  }
  return out;
}

/** The triggers of this schema's tables: name, table, and whether they fire in ordinary sessions. */
async function schemaTriggers(
  db: Kysely<any>,
  dialect: Dialect,
): Promise<Array<{ name: string; table: string; firing: boolean }>> {
  if (dialect === 'sqlite') {
    const r = await sql<{
      name: string;
      table: string;
    }>`select name, tbl_name as "table" from sqlite_master where type = 'trigger'`.execute(db);
    return r.rows.map((t) => ({ ...t, firing: true }));
  }
  // 'O' and 'A' fire in ordinary sessions; 'D' (disabled) and 'R' (replica only) do not.
  const r = await sql<{ name: string; table: string; enabled: string }>`
    select t.tgname as name, c.relname as "table", t.tgenabled as enabled
      from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where not t.tgisinternal and c.relnamespace = current_schema()::regnamespace`.execute(db);
  return r.rows.map((t) => ({
    name: t.name,
    table: t.table,
    firing: t.enabled === 'O' || t.enabled === 'A',
  }));
}

/** The page_version triggers that are not there (`firing`: or there but not firing). */
async function missingTriggers(
  db: Kysely<any>,
  dialect: Dialect,
  firing: boolean,
): Promise<PageVersionTrigger[]> {
  const present = new Set(
    (await schemaTriggers(db, dialect)).filter((t) => !firing || t.firing).map((t) => `${t.table}.${t.name}`),
  );
  return pageVersionTriggers(dialect).filter((t) => !present.has(`${t.table}.${t.name}`));
}

/** Why the page versions cannot be trusted (triggers missing or not firing), or null. */
export async function pageVersionProblem(db: Kysely<any>, dialect: Dialect): Promise<string | null> {
  const missing = await missingTriggers(db, dialect, true);
  return missing.length === 0
    ? null
    : `${missing.length} of the ${pageVersionTriggers(dialect).length} page_version triggers are missing or not firing (${missing.map((t) => t.name).join(', ')})`;
}

/**
 * Creates the triggers (and on PostgreSQL their functions) that are missing; leaves the others,
 * disabled ones included (someone disabled them: the cache stays off, see pageVersionProblem).
 * With all of them there, as on every ordinary start, it only reads the catalogue.
 */
export async function ensurePageVersionTriggers(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if ((await missingTriggers(db, dialect, false)).length === 0) return;
  if (dialect === 'sqlite') {
    for (const t of pageVersionTriggers(dialect)) await sql.raw(t.sql).execute(db);
    return;
  }
  await db.transaction().execute(async (tx) => {
    // Processes starting together: one at a time (the number is arbitrary, used only here).
    await sql`select pg_advisory_xact_lock(2026112707)`.execute(tx);
    for (const [name, accounts] of Object.entries(PG_FUNCTIONS)) {
      await sql
        .raw(
          `create or replace function ${name}() returns trigger language plpgsql as $$
           begin
             if coalesce(current_setting('portal.bulk_load', true), '') = 'on' then return null; end if;
             update accounts set page_version = ${PAGE_VERSION_STAMP.postgres} where ${accounts};
             return null;
           end $$`,
        )
        .execute(tx);
    }
    for (const t of await missingTriggers(tx, dialect, false)) await sql.raw(t.sql).execute(tx);
  });
}

/** Drops the triggers (migration down); on PostgreSQL their functions too. */
export async function dropPageVersionTriggers(db: Kysely<any>, dialect: Dialect): Promise<void> {
  for (const t of pageVersionTriggers(dialect))
    await sql
      .raw(`drop trigger if exists ${t.name}${dialect === 'postgres' ? ` on ${t.table}` : ''}`)
      .execute(db);
  if (dialect === 'postgres')
    for (const name of Object.keys(PG_FUNCTIONS))
      await sql.raw(`drop function if exists ${name}()`).execute(db);
}
