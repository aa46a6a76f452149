import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb, type Db, type Dialect } from '../src/platform/db/connect.ts';
import { migrateToLatest, migrateUpTo } from '../src/platform/db/migrate.ts';

// Test databases: fresh and migrated, reopened, and filled in bulk.

/** Where the PostgreSQL suite creates its throw-away databases. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  db: Db;
  /** The SQLite file or the PostgreSQL URL, for opening a second connection. */
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database: an SQLite file in a temp dir (so that a second app instance can
 * open it too), or a new PostgreSQL database; both are removed by `drop`.
 */
/** A new database, migrated to the latest version, or only up to the migration `upTo`. */
export async function createTestDb(
  dialect: Dialect,
  { poolSize = 5, upTo }: { poolSize?: number; upTo?: string } = {},
): Promise<TestDb> {
  const migrate = (db: Db) => (upTo ? migrateUpTo(db, upTo) : migrateToLatest(db));
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-test-'));
    const file = path.join(dir, 'portal.db');
    const db = openDb({ sqlitePath: file });
    await migrate(db);
    return {
      db,
      url: file,
      async drop() {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `lk_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = openDb({ databaseUrl: url.toString(), poolSize });
  await migrate(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** Opens another connection to a test database (as a second app instance would). */
export function reopenDb(url: string): Db {
  return url.startsWith('postgres') ? openDb({ databaseUrl: url, poolSize: 3 }) : openDb({ sqlitePath: url });
}

/** Copies a test database (e.g. so that two runs of something start from the same data). */
export async function cloneDb(
  dialect: 'sqlite' | 'postgres',
  src: TestDb,
): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    src.db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-clone-'));
    const file = path.join(dir, 'portal.db');
    await src.db.sqlite!.backup(file);
    return { url: file, drop: () => fs.promises.rm(dir, { recursive: true, force: true }) };
  }
  const name = `lk_clone_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const srcName = new URL(src.url).pathname.slice(1);
  await admin.query(
    `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
    [srcName],
  );
  await admin.query(`create database ${name} template ${srcName}`);
  await admin.end();
  const url = new URL(src.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * Adds `n` accounts in bulk for the closing tests: each with a meter, a charge for `prevPeriod`
 * by a reading (its baseline), and, for two accounts in three, a reading in the next month and a
 * payment. `prevPeriod` is marked closed.
 */
export async function bulkAccounts(db: Db, n: number, prevPeriod = '2026-04'): Promise<void> {
  const k = db.kysely;
  const branch = await k.selectFrom('branches').select('id').orderBy('id').executeTakeFirstOrThrow();
  const plan = await k
    .selectFrom('tariff_plans')
    .select('id')
    .where('code', '=', 'single')
    .executeTakeFirstOrThrow();
  const [y, m] = prevPeriod.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const CHUNK = 500;
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    await k.transaction().execute(async (tx) => {
      const accounts = await tx
        .insertInto('accounts')
        .values(
          Array.from({ length: size }, (_, j) => {
            const i = start + j;
            return {
              number: `11${String(i).padStart(8, '0')}`,
              settlement_code: '11',
              surname: `Тестов${i}`,
              first_name: 'Иван',
              patronymic: 'Иванович',
              object_address: `п. Усть-Абакан, ул. Тестовая, ${i}`,
              delivery_address: `п. Усть-Абакан, ул. Тестовая, ${i}`,
              area_e2: 4000 + (i % 5000),
              residents: 1 + (i % 4),
              branch_id: Number(branch.id),
              tariff_plan_id: Number(plan.id),
              created_at: 0,
            };
          }),
        )
        .returning(['id', 'number'])
        .execute();
      const ids = accounts.map((a) => Number(a.id));
      const meters = await tx
        .insertInto('meters')
        .values(
          ids.map((id, j) => ({
            account_id: id,
            serial: `M${start + j}`,
            digits: 5,
            zones: 1,
            ratio: 1,
            installed_on: '2020-01-01',
            verification_due: '2034-01-01',
            removed_on: null,
          })),
        )
        .returning(['id', 'account_id'])
        .execute();
      const base = await tx
        .insertInto('readings')
        .values(
          meters.map((mt, j) => ({
            account_id: Number(mt.account_id),
            meter_id: Number(mt.id),
            reading_date: `${prevPeriod}-20`,
            value1: 10_000 + ((start + j) % 80_000),
            value2: null,
            value3: null,
            channel: 'bill',
            status: 'accepted',
            reason: null,
            submitted_at: 0,
            submitted_ip: null,
          })),
        )
        .returning(['id', 'account_id', 'meter_id', 'value1'])
        .execute();
      await tx
        .insertInto('charges')
        .values(
          base.map((b, j) => ({
            account_id: Number(b.account_id),
            period: prevPeriod,
            billed_on: `${prevPeriod}-28`,
            reading_id: Number(b.id),
            reading_value: Number(b.value1),
            kwh: 100,
            amount_kop: 16_100,
            odn_kwh: 0,
            odn_kop: 0,
            method: 'readings',
            payments_kop: 0,
            debt_start_kop: 0,
            debt_kop: ((start + j) % 7) * 1000 - 2000,
            tariff_e5: 161_000,
            details: null,
          })),
        )
        .execute();
      const withReading = base.filter((_, j) => (start + j) % 3 !== 0);
      if (withReading.length) {
        await tx
          .insertInto('readings')
          .values(
            withReading.map((b, j) => ({
              account_id: Number(b.account_id),
              meter_id: Number(b.meter_id),
              reading_date: `${next}-15`,
              value1: (Number(b.value1) + 50 + (j % 400)) % 100_000,
              value2: null,
              value3: null,
              channel: 'internet',
              status: 'accepted',
              reason: null,
              submitted_at: 0,
              submitted_ip: null,
            })),
          )
          .execute();
      }
      const payers = base.filter((_, j) => (start + j) % 2 === 0);
      if (payers.length) {
        await tx
          .insertInto('payments')
          .values(
            payers.map((b, j) => ({
              account_id: Number(b.account_id),
              paid_on: `${next}-05`,
              amount_kop: 10_000 + j,
              channel: 'bank',
              external_id: null,
              created_at: 0,
            })),
          )
          .execute();
      }
    });
  }
  await k
    .insertInto('billing_periods')
    .values({ period: prevPeriod, status: 'closed', started_at: 0, closed_at: 0 })
    .onConflict((oc) => oc.column('period').doNothing())
    .execute();
}

/**
 * The environment of a CLI child process on the database at `dbUrl` (a PostgreSQL URL, or an
 * SQLite file whose folder becomes DATA_DIR), outside the test runner, with `settings` added.
 */
export function cliEnvFor(dbUrl: string, settings: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  delete env.NODE_TEST_CONTEXT;
  if (dbUrl.startsWith('postgres')) {
    env.DATABASE_URL = dbUrl;
  } else {
    delete env.DATABASE_URL;
    env.DATA_DIR = path.dirname(dbUrl);
  }
  return env;
}
