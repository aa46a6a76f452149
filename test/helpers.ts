import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/app/config.ts';
import { openDb, type Db, type Dialect } from '../src/platform/db/connect.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { buildApp } from '../src/app/app.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { ensureDemoData } from '../src/tools/demo/seed-demo.ts';

/** Where the PostgreSQL suite creates its throw-away databases. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The dialects the HTTP suites run on: DIALECTS=sqlite,postgres by default. PostgreSQL is
 * skipped with a note when unreachable, except in CI, where that is a failure.
 */
export async function testDialects(): Promise<Dialect[]> {
  const wanted = (process.env.DIALECTS ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as Dialect[];
  if (!wanted.includes('postgres')) {
    return wanted;
  }
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return wanted;
  } catch (err) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required in CI: ${String(err)}`, { cause: err });
    }
    console.warn(`# PostgreSQL unreachable at ${PG_ADMIN_URL}: its suite is skipped (${String(err)})`);
    return wanted.filter((d) => d !== 'postgres');
  }
}

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
export async function createTestDb(dialect: Dialect): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-test-'));
    const file = path.join(dir, 'portal.db');
    const db = openDb({ sqlitePath: file });
    await migrateToLatest(db);
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
  const db = openDb({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateToLatest(db);
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

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: '/tmp/lk-test',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://localhost:3000',
    ...overrides,
  });
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  dbUrl: string;
  clock: ManualClock;
  config: Config;
  close(): Promise<void>;
}

/** "Now" in the tests: a fixed instant in the seed's shifted year. */
export const TEST_NOW = '2026-06-10T05:00:00.000Z';

export async function createTestApp(
  dialect: Dialect,
  opts: { env?: Record<string, string>; now?: string; demo?: boolean } = {},
): Promise<TestApp> {
  const t = await createTestDb(dialect);
  const clock = new ManualClock(opts.now ?? TEST_NOW);
  const config = testConfig(opts.env);
  if (opts.demo !== false) {
    await ensureDemoData(t.db, clock.now(), config.timeZone);
  }
  const app = await buildApp({ config, db: t.db, clock, logLevel: false });
  await app.ready();
  return {
    app,
    db: t.db,
    dbUrl: t.url,
    clock,
    config,
    async close() {
      await app.close();
      await t.drop();
    },
  };
}

/** Cookies from a response, as a name → value map. */
export function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.cookies as Array<{ name: string; value: string }>) {
    out[c.name] = c.value;
  }
  return out;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** A tiny browser: keeps cookies between requests and fills in the CSRF token of the last page. */
export class Agent {
  jar: Record<string, string> = {};
  csrf = '';
  constructor(
    readonly app: FastifyInstance,
    readonly ip = '10.0.0.1',
  ) {}

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: cookieHeader(this.jar), ...headers },
      remoteAddress: this.ip,
    });
    this.absorb(res);
    return res;
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ _csrf: this.csrf, ...form }).toString();
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: cookieHeader(this.jar),
        ...headers,
      },
      remoteAddress: this.ip,
    });
    this.absorb(res);
    return res;
  }

  /** Opens the login page and logs in; returns the login response. */
  async login(account: string, surname: string, consent = true) {
    await this.get('/cabinet');
    return this.post('/login', { from: 'cabinet', account, surname, ...(consent ? { consent: 'yes' } : {}) });
  }

  private absorb(res: LightMyRequestResponse) {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) {
        delete this.jar[c.name];
      } else {
        this.jar[c.name] = c.value;
      }
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) {
      this.csrf = m[1]!;
    }
  }
}

/** The page's visible text, tags removed and whitespace collapsed (for asserting what a person reads). */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Opens another connection to a test database (as a second app instance would). */
export function reopenDb(url: string): Db {
  return url.startsWith('postgres') ? openDb({ databaseUrl: url, poolSize: 3 }) : openDb({ sqlitePath: url });
}

/** A second app instance over the same database, with its own clock. */
export async function secondInstance(
  t: TestApp,
): Promise<{ app: FastifyInstance; db: Db; close(): Promise<void> }> {
  const db = reopenDb(t.dbUrl);
  const app = await buildApp({ config: t.config, db, clock: t.clock, logLevel: false });
  await app.ready();
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Adds a customer account with a meter, for tests that need more than the demo account. */
export async function addAccount(
  db: Db,
  a: {
    number: string;
    surname: string;
    address?: string;
    serial?: string;
    payments?: Array<[string, number]>;
  },
): Promise<number> {
  const k = db.kysely;
  const branch = await k.selectFrom('branches').select('id').orderBy('id').executeTakeFirstOrThrow();
  const plan = await k
    .selectFrom('tariff_plans')
    .select('id')
    .where('code', '=', 'single')
    .executeTakeFirstOrThrow();
  const row = await k
    .insertInto('accounts')
    .values({
      number: a.number,
      settlement_code: a.number.slice(0, 2),
      surname: a.surname,
      first_name: 'Анна',
      patronymic: 'Ивановна',
      object_address: a.address ?? 'г. Абакан, ул. Ленина, 1',
      delivery_address: a.address ?? 'г. Абакан, ул. Ленина, 1',
      area_e2: 5000,
      residents: 2,
      branch_id: Number(branch.id),
      tariff_plan_id: Number(plan.id),
      created_at: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await k
    .insertInto('meters')
    .values({
      account_id: id,
      serial: a.serial ?? '900001',
      digits: 6,
      zones: 1,
      ratio: 1,
      installed_on: '2020-01-01',
      verification_due: '2036-01-01',
      removed_on: null,
    })
    .execute();
  for (const [date, kop] of a.payments ?? []) {
    await k
      .insertInto('payments')
      .values({
        account_id: id,
        paid_on: date,
        amount_kop: kop,
        channel: 'bank',
        external_id: null,
        created_at: 0,
      })
      .execute();
  }
  return id;
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
