import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/app/config.ts';
import type { Db, Dialect } from '../src/platform/db/connect.ts';
import { buildApp } from '../src/app/app.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { ensureDemoData } from '../src/tools/demo/seed-demo.ts';
import { createTestDb, PG_ADMIN_URL, reopenDb } from './db.ts';
import { loggerOptions } from '../src/platform/http/log-serializers.ts';
import { DEMO_ACCOUNT } from '../src/tools/demo/demo-account.ts';

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

/**
 * The leak scan's directory (scripts/test.mjs sets it for a whole run): the test apps log into it
 * at debug level, and the secrets the tests were issued are listed there, for scripts/leak-scan.mjs
 * to search the logs for them after the suites. Unset: the apps are silent.
 */
const LEAK_DIR = process.env.LK_TEST_LOG_DIR;
let runLogger: Logger | undefined;
const recorded = new Set<string>();

/** How a test app logs: silent, or into the leak scan's directory (one file per test process). */
export function testLogging(): { logger: Logger } | { logLevel: false } {
  if (!LEAK_DIR) {
    return { logLevel: false };
  }
  runLogger ??= pino(
    loggerOptions('debug'),
    pino.destination({
      dest: path.join(LEAK_DIR, `${process.pid}.log`),
      append: true,
      mkdir: true,
      sync: false,
    }),
  );
  return { logger: runLogger };
}

/** Notes a secret the tests were issued (a token, a surname typed at login), for the leak scan. */
export function recordIssued(kind: string, value: string | null | undefined): void {
  if (!LEAK_DIR || !value) {
    return;
  }
  // The scan looks words up: a value with spaces (a typed surname) is its words.
  const words = value.split(/\s+/).filter((w) => w.length >= 6 && !recorded.has(w));
  for (const w of words) {
    recorded.add(w);
  }
  if (words.length > 0) {
    fs.appendFileSync(
      path.join(LEAK_DIR, `issued-${process.pid}.txt`),
      words.map((w) => `${kind}\t${w}\n`).join(''),
    );
  }
}

const TOKEN_LIKE = /^[A-Za-z0-9_-]{22,}$/;

/** Notes the token-like parts of an address (a path segment, a query value) as issued secrets. */
function recordUrlTokens(kind: string, url: string): void {
  if (!LEAK_DIR) {
    return;
  }
  const parsed = new URL(url, 'http://localhost');
  for (const part of [...parsed.pathname.split('/'), ...parsed.searchParams.values()]) {
    if (TOKEN_LIKE.test(part)) {
      recordIssued(kind, part);
    }
  }
}

/** Notes the secrets a database holds in the clear or as hashes (orders, keys), before it is dropped. */
async function recordDatabaseSecrets(db: Db): Promise<void> {
  if (!LEAK_DIR) {
    return;
  }
  const k = db.kysely;
  const reads: Array<[string, () => Promise<Array<string | null>>]> = [
    [
      'bank order id',
      async () =>
        (await k.selectFrom('payment_orders').select('bank_order_id').execute()).map((r) => r.bank_order_id),
    ],
    [
      'order form key',
      async () => (await k.selectFrom('payment_orders').select('form_key').execute()).map((r) => r.form_key),
    ],
    [
      'mail key',
      async () => (await k.selectFrom('mail_keys').select('secret').execute()).map((r) => r.secret),
    ],
    [
      'session token hash',
      async () => (await k.selectFrom('sessions').select('token_hash').execute()).map((r) => r.token_hash),
    ],
    [
      'confirmation token hash',
      async () =>
        (await k.selectFrom('mail_confirmations').select('token_hash').execute()).map((r) => r.token_hash),
    ],
  ];
  for (const [kind, read] of reads) {
    try {
      for (const value of await read()) {
        recordIssued(kind, value);
      }
    } catch {
      // a database closed by the test, or migrated only part way
    }
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
    recordIssued('demo surname', DEMO_ACCOUNT.surname);
  }
  const app = await buildApp({ config, db: t.db, clock, ...testLogging() });
  await app.ready();
  return {
    app,
    db: t.db,
    dbUrl: t.url,
    clock,
    config,
    async close() {
      await app.close();
      await recordDatabaseSecrets(t.db);
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
    recordUrlTokens('token in a visited address', url);
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
    recordUrlTokens('token in a visited address', url);
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
    recordIssued('surname typed at login', surname);
    await this.get('/cabinet');
    return this.post('/login', { from: 'cabinet', account, surname, ...(consent ? { consent: 'yes' } : {}) });
  }

  private absorb(res: LightMyRequestResponse) {
    const location = res.headers.location;
    if (typeof location === 'string') {
      recordUrlTokens('token in a redirect', location);
    }
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      recordIssued(`cookie ${c.name}`, c.value);
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) {
        delete this.jar[c.name];
      } else {
        this.jar[c.name] = c.value;
      }
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) {
      this.csrf = m[1]!;
      recordIssued('CSRF token', this.csrf);
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
  const app = await buildApp({ config: t.config, db, clock: t.clock, ...testLogging() });
  await app.ready();
  return {
    app,
    db,
    async close() {
      await app.close();
      await recordDatabaseSecrets(db);
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
