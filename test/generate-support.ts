import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from './db.ts';
import type { Db } from '../src/platform/db/connect.ts';
import { generate, type GenerateResult } from '../src/tools/generate/generate.ts';
import { ensureDemoData } from '../src/tools/demo/seed-demo.ts';

// What the generator's tests share: a database filled by it, and ways to read one back.

export const NOW = new Date('2026-06-10T05:00:00.000Z'); // 2026-06-10 in Krasnoyarsk
export const TODAY = '2026-06-10';
export const TZ = 'Asia/Krasnoyarsk';
export const SEED = 20261127;
export const ACCOUNTS = 300;

export interface Seeded {
  t: TestDb;
  result: GenerateResult;
  /** Per-table digests before the generator ran (after migrations and the demo data). */
  before: Map<string, string>;
}

/** The database after the demo data and `ACCOUNTS` generated accounts. */
export async function seeded(dialect: Db['dialect'], worker: boolean): Promise<Seeded> {
  const t = await createTestDb(dialect);
  await ensureDemoData(t.db, NOW, TZ);
  const before = await digests(t.db);
  // The worker run also takes many small chunks: buffers go back and forth and get reused.
  const result = await generate(t.db, {
    accounts: ACCOUNTS,
    seed: SEED,
    now: NOW,
    timeZone: TZ,
    progress: false,
    worker,
    ...(worker ? { chunkSize: 37 } : {}),
  });
  return { t, result, before };
}

export async function rows<T>(db: Db, query: string): Promise<T[]> {
  const r = await sql.raw<T>(query).execute(db.kysely);
  return r.rows;
}

/** A digest of every table's rows (sorted, so that it does not depend on scan order), by table. */
export async function digests(db: Db): Promise<Map<string, string>> {
  const tables =
    db.dialect === 'sqlite'
      ? await rows<{ name: string }>(db, `select name from sqlite_master where type = 'table' order by name`)
      : await rows<{ name: string }>(
          db,
          `select table_name as name from information_schema.tables where table_schema = 'public' order by table_name`,
        );
  const out = new Map<string, string>();
  for (const { name } of tables) {
    const lines = (await rows<Record<string, unknown>>(db, `select * from "${name}"`))
      .map((r) => JSON.stringify(r))
      .sort();
    out.set(name, createHash('sha256').update(lines.join('\n')).digest('hex'));
  }
  return out;
}
