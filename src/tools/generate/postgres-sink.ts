import type pg from 'pg';
import { decodeRow, TABLES, textOf, transferables, type Chunk } from './tables.ts';

/**
 * Writes chunks to PostgreSQL: one transaction per chunk and, per table, a single
 * `insert … select * from unnest($1::int8[], $2::text[], …)`, so that a chunk of ~100 000
 * rows costs five round trips whatever its size. The ids come from the generator, so the
 * tables' sequences are moved past them at the end.
 */
export class PostgresSink {
  private client: pg.PoolClient | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async start(): Promise<void> {
    this.client = await this.pool.connect();
  }

  /** Writes a chunk; returns its buffers, no longer needed. */
  async write(chunk: Chunk): Promise<ArrayBuffer[]> {
    const client = this.client!;
    await client.query('begin');
    try {
      for (const spec of TABLES) {
        const t = chunk.tables[spec.name];
        if (t.rows === 0) {
          continue;
        }
        const n = spec.columns.length;
        const columns: unknown[][] = Array.from({ length: n }, () => new Array<unknown>(t.rows));
        const row = new Array<unknown>(n);
        const text = textOf(t);
        for (let r = 0; r < t.rows; r++) {
          decodeRow(spec, t, text, r, row, 0);
          for (let c = 0; c < n; c++) {
            columns[c]![r] = row[c];
          }
        }
        const names = spec.columns.map(([c]) => c).join(', ');
        const args = spec.pgTypes.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
        await client.query(`insert into ${spec.name} (${names}) select * from unnest(${args})`, columns);
      }
      await client.query('commit');
      return transferables(chunk);
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  }

  async finish(ok: boolean): Promise<void> {
    const client = this.client;
    if (!client) {
      return;
    }
    try {
      // Also after a failure: the chunks committed before it stay, and the portal must not reuse their ids.
      for (const spec of TABLES) {
        await client.query(
          `select setval(pg_get_serial_sequence('${spec.name}', 'id'), coalesce(max(id), 0) + 1, false) from ${spec.name}`,
        );
      }
      if (ok) {
        await client.query(`analyze ${TABLES.map((t) => t.name).join(', ')}`);
      }
    } finally {
      client.release();
      this.client = null;
    }
  }
}
