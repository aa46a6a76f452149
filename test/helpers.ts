import assert from 'node:assert/strict';
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/app/config.ts';
import type { Db, Dialect } from '../src/platform/db/connect.ts';
import { buildApp } from '../src/app/app.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { ensureDemoData } from '../src/tools/demo/seed-demo.ts';
import { createTestDb, PG_ADMIN_URL, reopenDb } from './db.ts';

// The app under test: its dialects, an instance on a fresh database, a second instance, a
// cookie-keeping agent and the text a person reads. The databases themselves are in db.ts.

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

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: '/tmp/lk-test',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://localhost:3000',
    // No load shedding: on a busy test machine the event loop's delay is the machine's, not the
    // app's (pressure.db.test.ts turns it on).
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
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

/** Logs `account` in from address `ip` and opens the main page, which must answer 200. */
export async function openCabinet(app: FastifyInstance, ip: string, account: string, surname: string) {
  const agent = new Agent(app, ip);
  assert.equal((await agent.login(account, surname)).statusCode, 303);
  const res = await agent.get('/cabinet');
  assert.equal(res.statusCode, 200);
  return { agent, html: res.body, text: textOf(res.body) };
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

/** May 2026 closed for an account by the norm: 100 kWh × 1,61 = 161,00 owed (no earlier debt, no payment). */
export async function addMayNormCharge(db: Db, accountId: number): Promise<void> {
  await db.kysely
    .insertInto('charges')
    .values({
      account_id: accountId,
      period: '2026-05',
      billed_on: '2026-05-31',
      reading_id: null,
      reading_value: null,
      kwh: 100,
      amount_kop: 16100,
      odn_kwh: 0,
      odn_kop: 0,
      method: 'norm',
      payments_kop: 0,
      debt_start_kop: 0,
      debt_kop: 16100,
      tariff_e5: 161000,
      details: null,
    })
    .execute();
}

/** The reading form's key (its idempotency key) in a page. */
export const keyOf = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;
/** The reading form's meter id in a page. */
export const meterOf = (html: string) => /name="meter" value="(\d+)"/.exec(html)![1]!;

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
