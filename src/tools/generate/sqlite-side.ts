import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { scatteredIndexes } from './sqlite-insert.ts';
import { tableBuffers, type TableChunk, type TableName } from './tables.ts';
import { startWorker } from './threads.ts';

export interface SideSetup {
  path: string;
  table: TableName;
  tableSql: string;
  indexesNow: string[];
  indexesAfter: string[];
}

export type SideMessage = { type: 'rows'; rows: TableChunk } | { type: 'finish' };
export type SideReply =
  { type: 'ack'; buffers: ArrayBuffer[] } | { type: 'done'; loadMs: number; indexMs: number };

/** Chunks the side writer may have queued before the main thread waits for it. */
const MAX_QUEUED = 2;

/**
 * One table loaded by a second SQLite writer in its own thread, into a side file with the
 * table's exact schema; at the end the main connection copies it in with
 * `insert into t select * from side.t`, which SQLite runs as a page-level transfer of the
 * table and its indexes (no row is decoded) when the target table is empty and the schemas
 * match. The two cores then share the writing.
 */
export class SideTable {
  private readonly worker: Worker;
  private queued = 0;
  private readonly waiters: Array<() => void> = [];
  private failure: Error | null = null;
  /** Buffers the writer has finished with, for reuse. */
  private returned: ArrayBuffer[] = [];
  private done: Promise<{ loadMs: number; indexMs: number }>;

  private constructor(private readonly setup: SideSetup) {
    removeFiles(setup.path);
    this.worker = startWorker('sqlite-side-worker', setup);
    let resolveDone!: (v: { loadMs: number; indexMs: number }) => void;
    let rejectDone!: (e: Error) => void;
    this.done = new Promise((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    this.done.catch(() => undefined); // observed through finish()
    this.worker.on('message', (m: SideReply) => {
      if (m.type === 'ack') {
        this.queued--;
        this.returned.push(...m.buffers);
        this.waiters.shift()?.();
      } else {
        resolveDone(m);
      }
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      rejectDone(err);
      for (const w of this.waiters.splice(0)) {
        w();
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0) {
        fail(new Error(`the side writer of ${setup.table} exited with code ${code}`));
      }
    });
  }

  /** A side writer for `table`, if it can be merged by transfer: a database file and an empty table. */
  static open(db: SQLite.Database, table: TableName): SideTable | null {
    if (db.memory || db.name === '' || db.name === ':memory:') {
      return null;
    }
    const empty = !db.prepare(`select 1 from ${table} limit 1`).get();
    if (!empty) {
      return null;
    }
    const tableSql = (
      db.prepare(`select sql from sqlite_master where type = 'table' and name = ?`).get(table) as {
        sql: string;
      }
    ).sql;
    const all = db
      .prepare(
        `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name = ? order by name`,
      )
      .all(table) as Array<{
      name: string;
      sql: string;
    }>;
    const later = new Set(scatteredIndexes(db, table).map((ix) => ix.name));
    return new SideTable({
      path: `${db.name}.gen-${process.pid}-${table}`,
      table,
      tableSql,
      indexesNow: all.filter((ix) => !later.has(ix.name)).map((ix) => ix.sql),
      indexesAfter: all.filter((ix) => later.has(ix.name)).map((ix) => ix.sql),
    });
  }

  get table(): TableName {
    return this.setup.table;
  }

  /** Hands a chunk of rows over (its buffer moves to the other thread); waits while too many are queued. */
  async write(rows: TableChunk): Promise<void> {
    while (this.queued >= MAX_QUEUED && !this.failure) {
      await new Promise<void>((res) => this.waiters.push(res));
    }
    if (this.failure) {
      throw this.failure;
    }
    this.queued++;
    this.worker.postMessage({ type: 'rows', rows } satisfies SideMessage, tableBuffers(rows));
  }

  /** The buffers handed back since the last call. */
  takeReturned(): ArrayBuffer[] {
    const r = this.returned;
    this.returned = [];
    return r;
  }

  /** Tells the writer that all rows are in: it builds the remaining indexes (meanwhile the caller may work). */
  startFinishing(): void {
    this.worker.postMessage({ type: 'finish' } satisfies SideMessage);
  }

  /** Waits for the side file and copies it into the main database; returns the times spent. */
  async merge(db: SQLite.Database): Promise<{ loadMs: number; indexMs: number; mergeMs: number }> {
    let times: { loadMs: number; indexMs: number };
    try {
      times = await this.done;
    } catch (err) {
      await this.abort();
      throw err;
    }
    await this.worker.terminate();
    const started = performance.now();
    db.prepare('attach database ? as gen_side').run(this.setup.path);
    try {
      db.exec('begin');
      db.exec(`insert into main.${this.setup.table} select * from gen_side.${this.setup.table}`);
      db.exec('commit');
    } catch (err) {
      if (db.inTransaction) {
        db.exec('rollback');
      }
      throw err;
    } finally {
      db.exec('detach database gen_side');
      removeFiles(this.setup.path);
    }
    return { ...times, mergeMs: performance.now() - started };
  }

  async abort(): Promise<void> {
    await this.worker.terminate();
    removeFiles(this.setup.path);
  }
}

function removeFiles(path: string): void {
  for (const f of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    fs.rmSync(f, { force: true });
  }
}
