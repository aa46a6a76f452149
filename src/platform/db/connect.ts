import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type Pg from 'pg';
import { lazyRequire } from '../lazy.ts';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type KyselyConfig,
  type PostgresPool,
  type SqliteDatabase,
} from 'kysely';
import type { Database } from './schema.ts';
import { AsyncBusySqliteDialect, SERVER_BUSY_TIMEOUT_MS } from './sqlite-busy.ts';

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
  /** How long to wait for the database (db.config.ts); `JOB_TIMEOUTS` when not given. */
  timeouts?: DbTimeouts;
}

/**
 * How long a process waits for its database before the statement fails (a 503 for a request).
 * 0 means no limit.
 */
export interface DbTimeouts {
  /** PostgreSQL: a new connection (pg's connectionTimeoutMillis). */
  connectMs: number;
  /**
   * PostgreSQL: a statement (the server's statement_timeout; the client gives up
   * `CLIENT_GRACE_MS` later, for a connection that stalls and would never answer).
   */
  statementMs: number;
  /** PostgreSQL: a transaction left open between statements (idle_in_transaction_session_timeout). */
  idleInTransactionMs: number;
  /** SQLite: another process's write lock (SQLITE_BUSY after that). */
  lockWaitMs: number;
  /**
   * SQLite: wait for that lock with timers, leaving the event loop to other requests (a server),
   * rather than in SQLite's synchronous busy handler (a command-line job, where nothing else waits).
   */
  asyncLockWait: boolean;
}

/** The timeouts of a process that has nothing else to serve: the former behaviour, no statement limit. */
export const JOB_TIMEOUTS: DbTimeouts = {
  connectMs: 3000,
  statementMs: 0,
  idleInTransactionMs: 0,
  lockWaitMs: 5000,
  asyncLockWait: false,
};

/**
 * How much longer than the server's statement timeout the client waits for an answer: the server
 * cancels a slow statement itself and says so; only a connection that stalls (a dead peer, a
 * firewall dropping packets) lets the client's own timer fire.
 */
export const CLIENT_GRACE_MS = 1000;

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
  return openSqlite(opts.sqlitePath, opts.log, opts.timeouts ?? JOB_TIMEOUTS);
}

function openSqlite(file: string, log: KyselyConfig['log'], timeouts: DbTimeouts): Db {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  const async = timeouts.asyncLockWait;
  handle.pragma(
    `busy_timeout = ${async ? Math.min(SERVER_BUSY_TIMEOUT_MS, timeouts.lockWaitMs) : timeouts.lockWaitMs}`,
  );
  const database = withStatementCache(handle);
  const kysely = new Kysely<Database>({
    dialect: async
      ? new AsyncBusySqliteDialect({ database }, timeouts.lockWaitMs)
      : new SqliteDialect({ database }),
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
  const t = opts.timeouts ?? JOB_TIMEOUTS;
  const pool = new (pgModule().Pool)({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: t.connectMs,
    idleTimeoutMillis: 30_000,
    ...(t.statementMs > 0
      ? { statement_timeout: t.statementMs, query_timeout: t.statementMs + CLIENT_GRACE_MS }
      : {}),
    ...(t.idleInTransactionMs > 0 ? { idle_in_transaction_session_timeout: t.idleInTransactionMs } : {}),
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  const stalled = new WeakSet<Pg.PoolClient>();
  pool.on('connect', (client) => {
    // A checked-out client whose socket dies also emits 'error'; unheard, that would crash the process.
    client.on('error', (err) => opts.onPoolError?.(err));
    noteReadTimeouts(client, stalled);
  });
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: unavailableOnConnectFailure(pool, stalled) }),
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

/** pg's error when `query_timeout` passed without an answer (the connection stalled). */
const READ_TIMEOUT = 'Query read timeout';

/**
 * Marks a client whose query got no answer within pg's `query_timeout`: pg leaves that query
 * active on the connection, so the next one sent on it would wait behind it forever.
 */
function noteReadTimeouts(client: Pg.PoolClient, stalled: WeakSet<Pg.PoolClient>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      return result.catch((err: unknown) => {
        if (err instanceof Error && err.message === READ_TIMEOUT) {
          stalled.add(client);
        }
        throw err;
      });
    }
    return result;
  };
}

/** Errors met while getting a connection: whatever PostgreSQL said, it serves no statement now. */
const connectFailures = new WeakSet<object>();

/**
 * The pool as Kysely sees it: a failure to connect (refused, timed out, or PostgreSQL's "database
 * is not accepting connections", SQLSTATE 55000, which other statements also use) is marked as the
 * database being unavailable; and a client that stalled is destroyed, not reused, when released.
 */
function unavailableOnConnectFailure(pool: Pg.Pool, stalled: WeakSet<Pg.PoolClient>): PostgresPool {
  return {
    async connect() {
      let client: Pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        if (err !== null && typeof err === 'object') {
          connectFailures.add(err);
        }
        throw err;
      }
      const release = client.release.bind(client);
      client.release = (destroy?: boolean | Error) =>
        release(destroy === true || stalled.has(client) || undefined);
      return client;
    },
    end: () => pool.end(),
  };
}

/** True for errors that mean "the database is unreachable", as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) {
    return false;
  }
  if (connectFailures.has(err)) {
    return true;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Shutting down (57P01-03), a statement cancelled by statement_timeout (57014), a session
    // ended by idle_in_transaction_session_timeout (25P03).
    if (
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'EPIPE',
        'ENOTFOUND',
        'EHOSTUNREACH',
        'ENETUNREACH',
        '57P01',
        '57P02',
        '57P03',
        '57014',
        '25P03',
      ].includes(code)
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
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|The database connection is not open|Query read timeout/i.test(
    err.message,
  );
}
