import { setTimeout as sleep } from 'node:timers/promises';
import {
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * SQLite's own busy timeout for a server process, in ms. better-sqlite3 is synchronous: while
 * SQLite waits for another process's write lock, the whole event loop waits with it (with the
 * former 5 s busy timeout, every request froze for up to 5 s behind a `close-month` or an import).
 * So SQLite gives up after this short wait and the statement is tried again after a timer
 * (`retryWhileBusy`), leaving the event loop to other requests in between.
 */
export const SERVER_BUSY_TIMEOUT_MS = 10;

/** The pauses between tries, in ms, growing to the last one (which then repeats). */
const BACKOFF_MS = [5, 10, 20, 40, 80, 100];

/** Another connection holds the lock; the same statement may succeed later. */
function isBusy(err: unknown): boolean {
  // Not SQLITE_BUSY_SNAPSHOT: a transaction whose snapshot is stale cannot succeed by waiting.
  return (err as { code?: unknown } | null)?.code === 'SQLITE_BUSY';
}

/** Runs `run` again while SQLite answers SQLITE_BUSY, pausing asynchronously, for at most `limitMs` in all. */
export async function retryWhileBusy<T>(run: () => Promise<T>, limitMs: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const pause = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
      if (!isBusy(err) || Date.now() - started + pause > limitMs) {
        throw err;
      }
      await sleep(pause);
    }
  }
}

/** Kysely's connection with each statement tried again while the database is locked. */
class RetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly limitMs: number,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return retryWhileBusy(() => this.inner.executeQuery<R>(query), this.limitMs);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** The driver of `SqliteDialect`, handing out the retrying connection. */
class RetryingDriver implements Driver {
  private readonly connections = new WeakMap<DatabaseConnection, RetryingConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly limitMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let retrying = this.connections.get(connection);
    if (!retrying) {
      retrying = new RetryingConnection(connection, this.limitMs);
      this.connections.set(connection, retrying);
    }
    return retrying;
  }

  // The inner driver's transaction statements run through the retrying connection it is given.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * Kysely's SQLite dialect whose statements wait for another process's write lock with timers, for
 * at most `lockWaitMs`, instead of in SQLite's synchronous busy handler; then the SQLITE_BUSY
 * error stands (a 503 for a request). Statements of this process still run one at a time.
 */
export class AsyncBusySqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new RetryingDriver(super.createDriver(), this.lockWaitMs);
  }
}
