import type SQLite from 'better-sqlite3';
import { scatteredIndexes, TableInserter, type IndexDef } from './sqlite-insert.ts';
import { SideTable } from './sqlite-side.ts';
import { TABLES, transferables, type Chunk } from './tables.ts';

export interface SqliteSinkOptions {
  /** Load `readings` in a second thread when possible (see SideTable). */
  sideWriter: boolean;
}

/**
 * Writes chunks through the raw better-sqlite3 handle: multi-row prepared INSERTs, one
 * transaction per chunk, no foreign-key checks and no fsyncs during the load (the model's rows
 * are consistent by construction), and a rollback journal in memory rather than the WAL, so
 * that each page is written once. Indexes that do not start with account_id are dropped for
 * the load and built again at the end (see scatteredIndexes).
 * With `sideWriter`, the largest table, readings, is written by a second thread into a side file
 * and merged at the end.
 * The database is back in WAL mode, with its settings, afterwards.
 */
export class SqliteSink {
  private readonly inserters: TableInserter[];
  private side: SideTable | null = null;
  private saved: { foreignKeys: number; synchronous: number; cacheSize: number } | null = null;
  private dropped: IndexDef[] = [];
  private inTransaction = false;
  /** Milliseconds spent per table (decoding, binding, SQLite) and in commits, index builds and the merge. */
  readonly timings: Record<string, number> = {};

  constructor(
    private readonly db: SQLite.Database,
    private readonly options: SqliteSinkOptions = { sideWriter: false },
  ) {
    this.inserters = TABLES.map((spec) => new TableInserter(db, spec));
  }

  start(): void {
    const db = this.db;
    this.saved = {
      foreignKeys: db.pragma('foreign_keys', { simple: true }) as number,
      synchronous: db.pragma('synchronous', { simple: true }) as number,
      cacheSize: db.pragma('cache_size', { simple: true }) as number,
    };
    db.pragma('foreign_keys = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -16384');
    // Leaving WAL needs the only connection to the file; with another one open, WAL it stays.
    if (!this.isMemory()) {
      try {
        db.pragma('journal_mode = MEMORY');
      } catch {
        /* keep WAL */
      }
    }
    if (this.options.sideWriter) {
      this.side = SideTable.open(db, 'readings');
    }
    // The side table keeps its indexes here: it is empty until the merge, which copies them whole.
    this.dropped = TABLES.filter((t) => t.name !== this.side?.table).flatMap((t) =>
      scatteredIndexes(db, t.name),
    );
    for (const ix of this.dropped) {
      db.exec(`drop index "${ix.name}"`);
    }
  }

  /** Writes a chunk; returns the buffers (of this chunk or earlier ones) no longer needed. */
  async write(chunk: Chunk): Promise<ArrayBuffer[]> {
    const side = this.side;
    if (side) {
      await side.write(chunk.tables[side.table]);
    }
    const db = this.db;
    db.exec('begin');
    this.inTransaction = true;
    for (const ins of this.inserters) {
      if (ins.spec.name === side?.table) {
        continue;
      }
      const started = performance.now();
      ins.insert(chunk.tables[ins.spec.name]);
      this.time(ins.spec.name, started);
    }
    const committing = performance.now();
    db.exec('commit');
    this.inTransaction = false;
    this.time('commit', committing);
    const free = transferables(chunk);
    if (side) {
      free.push(...side.takeReturned());
    }
    return free;
  }

  /**
   * Rolls back the chunk being written if any, merges the side table (when all went well),
   * builds the dropped indexes again, and puts back the settings, whatever fails.
   */
  async finish(ok: boolean): Promise<void> {
    const db = this.db;
    if (this.inTransaction && db.inTransaction) {
      db.exec('rollback');
    }
    this.inTransaction = false;
    const side = this.side;
    this.side = null;
    try {
      if (side && ok) {
        side.startFinishing();
      }
      // The saved cache size: a big cache makes the sorter of CREATE INDEX slower, not faster.
      if (this.saved) {
        db.pragma(`cache_size = ${this.saved.cacheSize}`);
      }
      for (const ix of this.dropped) {
        const started = performance.now();
        db.exec(ix.sql);
        this.time(`index ${ix.name}`, started);
      }
      this.dropped = [];
      if (side && ok) {
        const t = await side.merge(db);
        this.timings[`${side.table} (2nd thread)`] = t.loadMs;
        this.timings[`${side.table} indexes (2nd thread)`] = t.indexMs;
        this.timings[`${side.table} merge`] = t.mergeMs;
      }
    } finally {
      await this.restoreRest(side, ok);
    }
  }

  /** Ends the side table after a failure, and puts back the journal mode and the settings. */
  private async restoreRest(side: SideTable | null, ok: boolean): Promise<void> {
    const db = this.db;
    try {
      if (side && !ok) {
        await side.abort();
      }
    } finally {
      if (!this.isMemory() && db.pragma('journal_mode', { simple: true }) !== 'wal') {
        db.pragma('journal_mode = WAL');
      }
      if (this.saved) {
        db.pragma(`synchronous = ${this.saved.synchronous}`);
        db.pragma(`cache_size = ${this.saved.cacheSize}`);
        db.pragma(`foreign_keys = ${this.saved.foreignKeys}`);
      }
    }
  }

  private time(what: string, since: number): void {
    this.timings[what] = (this.timings[what] ?? 0) + performance.now() - since;
  }

  private isMemory(): boolean {
    return this.db.memory || this.db.name === '' || this.db.name === ':memory:';
  }
}
