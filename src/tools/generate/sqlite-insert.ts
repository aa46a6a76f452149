import type SQLite from 'better-sqlite3';
import { decodeRow, textOf, type TableChunk, type TableSpec } from './tables.ts';

/** Rows per INSERT statement: fewer calls from JavaScript into SQLite, well under its variable limit. */
const ROWS_PER_STATEMENT = 64;

/** Inserts a table's rows through prepared multi-row statements (the caller owns the transaction). */
export class TableInserter {
  private readonly many: SQLite.Statement;
  private readonly one: SQLite.Statement;
  private readonly params: unknown[];
  private readonly single: unknown[];

  constructor(
    db: SQLite.Database,
    readonly spec: TableSpec,
  ) {
    const cols = spec.columns.map(([c]) => c);
    const row = `(${cols.map(() => '?').join(',')})`;
    const head = `insert into ${spec.name} (${cols.join(',')}) values `;
    this.many = db.prepare(head + Array.from({ length: ROWS_PER_STATEMENT }, () => row).join(','));
    this.one = db.prepare(head + row);
    this.params = new Array<unknown>(ROWS_PER_STATEMENT * cols.length);
    this.single = new Array<unknown>(cols.length);
  }

  insert(t: TableChunk): void {
    const spec = this.spec;
    const text = textOf(t);
    let row = 0;
    for (; row + ROWS_PER_STATEMENT <= t.rows; row += ROWS_PER_STATEMENT) {
      let k = 0;
      for (let r = row; r < row + ROWS_PER_STATEMENT; r++) {
        k = decodeRow(spec, t, text, r, this.params, k);
      }
      this.many.run(this.params);
    }
    for (; row < t.rows; row++) {
      decodeRow(spec, t, text, row, this.single, 0);
      this.one.run(this.single);
    }
  }
}

export interface IndexDef {
  name: string;
  sql: string;
}

/**
 * The droppable indexes (not constraints) of a table whose first column is not account_id.
 * Rows come in id order, which is the order of every index that starts with account_id; the
 * others take their entries at scattered places, which costs several times the row itself,
 * so they are built after the load, by one sort.
 */
export function scatteredIndexes(db: SQLite.Database, table: string): IndexDef[] {
  const rows = db
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name = ? order by name`,
    )
    .all(table) as IndexDef[];
  return rows.filter((ix) => {
    const cols = db.pragma(`index_info("${ix.name}")`) as Array<{ name: string | null }>;
    return cols[0]?.name !== 'account_id';
  });
}
