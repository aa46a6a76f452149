/**
 * Card payments through the sandbox bank, end to end over real HTTP: N orders (the portal's order
 * form, then the bank's card page with 4111 1111 1111 1111), the bank's notifications held back,
 * then delivered duplicated and shuffled together with some of the customers' returns from the bank,
 * then one reconciliation run. Prints the throughput of both phases and checks that exactly N
 * payments were credited, with the right sums per account.
 *
 *   npm run bench -- payments [--orders 10000] [--accounts 500] [--concurrency 32] [--copies 3]
 *                             [--returns 0.2] [--dialect sqlite|postgres]
 *
 * A fresh database each run (SQLite in a temp dir, or a throw-away PostgreSQL database on
 * TEST_PG_URL / postgres://postgres@127.0.0.1:5432/postgres), removed at the end.
 */
import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app/app.ts';
import { loadConfig } from '../src/app/config.ts';
import type { Db } from '../src/platform/db/connect.ts';
import { createTestDb } from '../test/db.ts';
import { formatRublesRu } from '../src/domain/format.ts';
import { ensureDemoData } from '../src/tools/demo/seed-demo.ts';

/** The run's options, checked: see the usage above. */
type Options = ReturnType<typeof parseOptions>;

export async function runPaymentsBench(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const portal = await startPortal(opts);
  try {
    console.log(
      `payments bench: ${opts.orders} orders over ${opts.accounts} accounts, ${portal.label}, concurrency ${opts.concurrency}`,
    );
    // Log every account in once (a session cookie and a CSRF token each).
    const sessions = await pool(portal.accounts, opts.concurrency, (a) =>
      login(portal.publicUrl, a.number, a.surname),
    );
    const plan = await orderAndPay(portal, opts, sessions);
    await portal.bank.idle();
    await deliverShuffled(portal, opts, sessions, plan);
    const t3 = performance.now();
    const reconciled = await portal.app.payments.reconcile({ limit: opts.orders });
    console.log(
      `  reconciliation afterwards: ${reconciled.checked} orders still waiting, ${((performance.now() - t3) / 1000).toFixed(2)} s`,
    );
    if (!(await checkCredits(portal, opts, plan))) {
      process.exitCode = 1;
    }
    console.log(
      `  RSS at the end ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (the portal and this client in one process)`,
    );
  } finally {
    agent.destroy();
    await portal.close();
  }
}

/** The sandbox bank's card that pays (SANDBOX_CARDS), as a customer types it. */
const CARD = { pan: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' };

/** The portal on a fresh database, listening on a free port, with the bank's notifications held back. */
type Portal = Awaited<ReturnType<typeof startPortal>>;

/** One order of the plan: whose, how much, and where the bank sent the customer back. */
type Planned = { account: number; kop: number; returnUrl: string };

async function startPortal(opts: Options) {
  // PostgreSQL: as many connections as the portal's pool below.
  const fresh = await createTestDb(opts.dialect, { poolSize: 10 });
  const { db } = fresh;
  const label = opts.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-payments-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'silent',
    PAYMENT_RECONCILE_SECONDS: '0',
    DB_POOL_SIZE: '10',
    // The bench is one address logging in every customer and delivering every notification.
    ANON_WRITES_PER_ADDRESS: '1000000',
    ANON_WRITES_TOTAL: '10000000',
  });
  await ensureDemoData(db, new Date(), config.timeZone);
  const accounts = await addAccounts(db, opts.accounts);
  const app = await buildApp({ config, db, logLevel: false });
  // Hold the bank's notifications back, to deliver them later duplicated and out of order.
  const held: Array<Record<string, string>> = [];
  const bank = app.payments.sandbox;
  if (!bank) {
    throw new Error('the payments bench needs PAYMENT_GATEWAY=sandbox');
  }
  bank.deliver = (_url, params) => {
    held.push(params);
    return Promise.resolve(true);
  };
  await app.listen({ port, host: '127.0.0.1' });
  const close = async () => {
    await app.close();
    await fresh.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { db, app, bank, publicUrl, label, accounts, held, close };
}

/** Phase 1: order + pay, as a customer would (the order form, then the bank's card page). */
async function orderAndPay(portal: Portal, opts: Options, sessions: Session[]): Promise<Planned[]> {
  const plan: Planned[] = Array.from({ length: opts.orders }, (_, i) => ({
    account: i % portal.accounts.length,
    // 1.00 … 4999.99 ₽, typed the Russian way.
    kop: randomInt(100, 500_000),
    returnUrl: '',
  }));
  const latency: number[] = [];
  const t1 = performance.now();
  await pool(plan, opts.concurrency, async (p) => {
    const s = sessions[p.account]!;
    const started = performance.now();
    const typed = `${Math.trunc(p.kop / 100)},${String(p.kop % 100).padStart(2, '0')}`;
    const ordered = await post(portal.publicUrl, '/cabinet/payment', s, { key: randomUUID(), amount: typed });
    const formUrl = expectRedirect(ordered, 'order form');
    const mdOrder = new URL(formUrl).searchParams.get('mdOrder')!;
    const paid = await post(portal.publicUrl, '/sandbox-bank/pay', s, { mdOrder, ...CARD });
    p.returnUrl = expectRedirect(paid, 'bank page');
    latency.push(performance.now() - started);
  });
  const seconds = (performance.now() - t1) / 1000;
  const pct = (xs: number[], q: number) =>
    xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!.toFixed(1);
  console.log(
    `  order + pay   ${opts.orders} in ${seconds.toFixed(1)} s: ${(opts.orders / seconds).toFixed(0)} orders/s ` +
      `(2 HTTP requests each; p50 ${pct(latency, 0.5)} ms, p99 ${pct(latency, 0.99)} ms)`,
  );
  return plan;
}

/** Phase 2: every notification `copies` times, plus some customers' returns, shuffled, at once. */
async function deliverShuffled(portal: Portal, opts: Options, sessions: Session[], plan: Planned[]) {
  type Job =
    { kind: 'callback'; params: Record<string, string> } | { kind: 'return'; url: string; account: number };
  const jobs: Job[] = [];
  for (const params of portal.held) {
    for (let c = 0; c < opts.copies; c++) {
      jobs.push({ kind: 'callback', params });
    }
  }
  for (const p of plan) {
    if (Math.random() < opts.returns) {
      jobs.push({ kind: 'return', url: p.returnUrl, account: p.account });
    }
  }
  shuffle(jobs);
  const statuses = new Map<number, number>();
  const t2 = performance.now();
  await pool(jobs, opts.concurrency, async (job) => {
    const res =
      job.kind === 'callback'
        ? await request(
            'GET',
            `${portal.publicUrl}/payments/callback?${new URLSearchParams(job.params).toString()}`,
          )
        : await request('GET', job.url, { cookie: sessions[job.account]!.cookie });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  });
  const phase2 = (performance.now() - t2) / 1000;
  const held = portal.held.length;
  console.log(
    `  notifications ${held} × ${opts.copies} shuffled + ${jobs.length - held * opts.copies} returns = ${jobs.length} requests in ${phase2.toFixed(1)} s: ` +
      `${(jobs.length / phase2).toFixed(0)} req/s (HTTP ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')})`,
  );
}

/** The checks: exactly N credits, each order's sum on its account. True when they hold. */
async function checkCredits(portal: Portal, opts: Options, plan: Planned[]): Promise<boolean> {
  const k = portal.db.kysely;
  const credits = await k
    .selectFrom('payments')
    .innerJoin('accounts', 'accounts.id', 'payments.account_id')
    .select(['accounts.number', 'payments.amount_kop', 'payments.external_id'])
    .where('payments.channel', '=', 'card')
    .execute();
  const expectedByAccount = new Map<string, number>();
  for (const p of plan) {
    const n = portal.accounts[p.account]!.number;
    expectedByAccount.set(n, (expectedByAccount.get(n) ?? 0) + p.kop);
  }
  const gotByAccount = new Map<string, number>();
  for (const c of credits) {
    gotByAccount.set(c.number, (gotByAccount.get(c.number) ?? 0) + Number(c.amount_kop));
  }
  const expectedTotal = plan.reduce((s, p) => s + p.kop, 0);
  const gotTotal = credits.reduce((s, c) => s + Number(c.amount_kop), 0);
  const wrongAccounts = [...expectedByAccount].filter(([n, kop]) => gotByAccount.get(n) !== kop).length;
  const distinct = new Set(credits.map((c) => c.external_id)).size;
  const notPaid = await k
    .selectFrom('payment_orders')
    .select('status')
    .where('status', '!=', 'paid')
    .execute();
  console.log(
    `  credits ${credits.length} (expected ${opts.orders}), distinct bank orders ${distinct}, ` +
      `total ${formatRublesRu(gotTotal)} (expected ${formatRublesRu(expectedTotal)}), accounts with a wrong sum ${wrongAccounts}, orders not paid ${notPaid.length}`,
  );
  const ok =
    credits.length === opts.orders &&
    distinct === opts.orders &&
    gotTotal === expectedTotal &&
    wrongAccounts === 0 &&
    notPaid.length === 0;
  console.log(
    `  ${ok ? 'OK: exactly one credit per order, with the right sums' : 'FAILED: the credits do not match the orders'}`,
  );
  return ok;
}

function parseOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      orders: { type: 'string', default: '10000' },
      accounts: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '32' },
      copies: { type: 'string', default: '3' },
      returns: { type: 'string', default: '0.2' },
      dialect: { type: 'string', default: 'sqlite' },
    },
  });
  const int = (v: string | undefined, name: string, max: number) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new Error(`${name} must be a whole number from 1 to ${max}`);
    }
    return n;
  };
  const returns = Number(values.returns);
  if (!(returns >= 0 && returns <= 1)) {
    throw new Error('--returns is a share from 0 to 1');
  }
  if (values.dialect !== 'sqlite' && values.dialect !== 'postgres') {
    throw new Error('--dialect is sqlite or postgres');
  }
  const dialect: 'sqlite' | 'postgres' = values.dialect;
  return {
    orders: int(values.orders, '--orders', 1_000_000),
    accounts: int(values.accounts, '--accounts', 100_000),
    concurrency: int(values.concurrency, '--concurrency', 1000),
    copies: int(values.copies, '--copies', 100),
    returns,
    dialect,
  };
}

async function addAccounts(db: Db, n: number): Promise<Array<{ number: string; surname: string }>> {
  const k = db.kysely;
  const branch = await k.selectFrom('branches').select('id').orderBy('id').executeTakeFirstOrThrow();
  const plan = await k
    .selectFrom('tariff_plans')
    .select('id')
    .where('code', '=', 'single')
    .executeTakeFirstOrThrow();
  const rows = Array.from({ length: n }, (_, i) => ({
    number: `15${String(i).padStart(8, '0')}`,
    surname: `Плательщиков${i}`,
  }));
  await k.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) {
      await tx
        .insertInto('accounts')
        .values(
          rows.slice(i, i + 500).map((r) => ({
            number: r.number,
            settlement_code: '15',
            surname: r.surname,
            first_name: 'Пётр',
            patronymic: 'Петрович',
            object_address: 'с. Шира, ул. Тестовая, 1',
            delivery_address: 'с. Шира, ул. Тестовая, 1',
            area_e2: 5000,
            residents: 2,
            branch_id: Number(branch.id),
            tariff_plan_id: Number(plan.id),
            created_at: 0,
          })),
        )
        .execute();
    }
  });
  return rows;
}

/** A logged-in customer: the session's cookies and a CSRF token for its forms. */
type Session = { cookie: string; csrf: string };

type Answer = { status: number; location: string | undefined; cookies: string[]; body: string };

// A plain keep-alive HTTP client: the portal and the client share this process's two cores, and
// node:http costs the client several times less than fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            cookies: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function login(base: string, account: string, surname: string): Promise<Session> {
  const jar = new Map<string, string>();
  const absorb = (res: Answer) => {
    for (const c of res.cookies) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await request('GET', `${base}/cabinet`);
  absorb(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const res = await request(
    'POST',
    `${base}/login`,
    { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(), origin: base },
    new URLSearchParams({ _csrf: csrf, from: 'cabinet', account, surname, consent: 'yes' }).toString(),
  );
  absorb(res);
  if (res.status !== 303) {
    throw new Error(`login of ${account} answered ${res.status}`);
  }
  // A token for the logged-in session's forms (any page's token is valid for the session's secret).
  const form = await request('GET', `${base}/cabinet/payment`, { cookie: cookie() });
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (!token) {
    throw new Error(`no payment form for ${account}`);
  }
  return { cookie: cookie(), csrf: token };
}

function post(base: string, url: string, s: Session, fields: Record<string, string>): Promise<Answer> {
  return request(
    'POST',
    `${base}${url}`,
    { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie, origin: base },
    new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  );
}

function expectRedirect(res: Answer, what: string): string {
  if (res.status !== 303 || !res.location) {
    throw new Error(`${what} answered ${res.status}`);
  }
  return res.location;
}

async function pool<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

function shuffle<T>(xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
