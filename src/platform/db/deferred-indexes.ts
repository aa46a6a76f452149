import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Loading many rows into a table that has few: its secondary indexes are set aside for the load
 * and built again at the end. Each row inserted otherwise updates every index at a random place;
 * the accounts table has eight (the search by surname, address and any part of the number), and
 * on SQLite an accounts file of 200 000 lines into an empty database took 22.5 s with them and
 * 7.8 s without, plus a few seconds to build them after (`npm run bench -- import --kind accounts`
 * measures the whole). Unique indexes stay: they enforce the table's rules, and the load looks
 * rows up by them.
 *
 * The definitions are kept in `deferred_indexes` in the same transaction that drops the indexes,
 * so a load killed half-way loses none: `restoreIndexes` runs at every migration (each start of
 * the server and of a command), and builds what is still set aside.
 */

type Q = Kysely<Database>;

interface IndexDefinition {
  name: string;
  definition: string;
}

/** Rows in `table` (whether a load is big next to what is there). */
export async function rowCount(db: Q, table: string): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

function isSqlite(db: Q): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

async function secondaryIndexes(db: Q, table: string): Promise<IndexDefinition[]> {
  const rows = isSqlite(db)
    ? await sql<IndexDefinition>`
          select name, sql as definition from sqlite_master
          where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db)
    : await sql<IndexDefinition>`
          select indexname as name, indexdef as definition from pg_indexes
          where schemaname = current_schema() and tablename = ${table}`.execute(db);
  return rows.rows.filter((r) => !/^\s*create\s+unique\s/i.test(r.definition));
}

/** Drops the secondary indexes of `table`, keeping their definitions; returns their names. */
export async function deferIndexes(db: Q, table: string, now: number): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const indexes = await secondaryIndexes(tx, table);
    for (const ix of indexes) {
      await sql`
        insert into deferred_indexes (name, table_name, definition, deferred_at)
        values (${ix.name}, ${table}, ${ix.definition}, ${now})`.execute(tx);
      await sql`drop index ${sql.id(ix.name)}`.execute(tx);
    }
    return indexes.map((ix) => ix.name);
  });
}

/**
 * Builds every index set aside, one at a time (an index built and its row deleted together), so
 * that two processes restoring at once, or a restore run again, build each once.
 */
export async function restoreIndexes(db: Q): Promise<string[]> {
  if (!(await hasDeferredTable(db))) {
    return [];
  }
  const rows = await sql<IndexDefinition>`
    select name, definition from deferred_indexes order by deferred_at, name`.execute(db);
  for (const ix of rows.rows) {
    await db.transaction().execute(async (tx) => {
      const definition = ix.definition.replace(
        /^\s*create\s+index\s+(if\s+not\s+exists\s+)?/i,
        'create index if not exists ',
      );
      await sql.raw(definition).execute(tx);
      await sql`delete from deferred_indexes where name = ${ix.name}`.execute(tx);
    });
  }
  return rows.rows.map((r) => r.name);
}

async function hasDeferredTable(db: Q): Promise<boolean> {
  const r = isSqlite(db)
    ? await sql<{ n: number }>`
          select count(*) as n from sqlite_master where type = 'table' and name = 'deferred_indexes'`.execute(
        db,
      )
    : await sql<{ n: number }>`select count(*) as n from pg_tables
          where schemaname = current_schema() and tablename = 'deferred_indexes'`.execute(db);
  return Number(r.rows[0]?.n ?? 0) > 0;
}
