import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type Pg from 'pg';
import { lazyRequire } from '../lazy.ts';
import { Kysely, PostgresDialect, SqliteDialect, sql, type KyselyConfig, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** The raw SQLite handle, for bulk work (the generator); absent on PostgreSQL. */
  sqlite?: SQLite.Database;
  /** The PostgreSQL pool; absent on SQLite. */
  pool?: Pg.Pool;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  databaseUrl?: string | undefined;
  sqlitePath?: string;
  poolSize?: number;
  /** Called when the pool reports an error on an idle client (e.g. the server went away). */
  onPoolError?: (err: Error) => void;
  /** Kysely's query log (the bench adds up each query's time with it). */
  log?: KyselyConfig['log'];
}

const loadPg = lazyRequire<typeof Pg>('pg');

/** pg, loaded when a PostgreSQL database is opened (an SQLite install never needs it). */
function pgModule(): typeof Pg {
  const pg = loadPg();
  // int8 (count(*), bigint columns) and numeric arrive as strings by default; our values fit in doubles.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  return pg;
}

export function openDb(opts: DbOptions): Db {
  if (opts.databaseUrl) {
    return openPostgres(opts.databaseUrl, opts);
  }
  if (!opts.sqlitePath) {
    throw new Error('openDb: sqlitePath or databaseUrl is required');
  }
  return openSqlite(opts.sqlitePath, opts.log);
}

function openSqlite(file: string, log: KyselyConfig['log']): Db {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(handle) }),
    ...(log ? { log } : {}),
  });
  return {
    kysely,
    dialect: 'sqlite',
    sqlite: handle,
    ping() {
      handle.prepare('select 1').get();
      return Promise.resolve();
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/**
 * The handle as Kysely sees it, with each SQL text prepared once. Kysely prepares every query
 * anew; measured by `npm run bench -- main --full` (1M accounts), the main page's reads took
 * 351 µs per view with this and 402 µs without, an eighth of them. Kysely's SQL
 * texts are few (values are parameters), so the map stays small; it is emptied at 1,000 as a
 * backstop. Kysely runs one query at a time on its SQLite connection (a streamed query holds it
 * to the end), so a statement is never asked for while it is still running.
 */
function withStatementCache(handle: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => handle.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= 1000) {
          statements.clear();
        }
        statement = handle.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, opts: DbOptions): Db {
  const pool = new (pgModule().Pool)({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  // A checked-out client whose socket dies also emits 'error'; unheard, that would crash the process.
  pool.on('connect', (client) => client.on('error', (err) => opts.onPoolError?.(err)));
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return {
    kysely,
    dialect: 'postgres',
    pool,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/** True for errors that mean "the database is unreachable", as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) {
    return false;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03'].includes(
        code,
      )
    ) {
      return true;
    }
    // PostgreSQL connection exceptions.
    if (code.startsWith('08')) {
      return true;
    }
    // SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_READ and the like: the extended codes of the same conditions.
    if (/^SQLITE_(BUSY|CANTOPEN|IOERR)(_|$)/.test(code)) {
      return true;
    }
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|The database connection is not open/i.test(
    err.message,
  );
}
