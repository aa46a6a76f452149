import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { customerJourney } from './journey.ts';
import { checkPayments } from './payments-check.ts';
import { ensureReferenceData } from '../../src/tools/demo/reference-data.ts';
import { closeMonth } from '../../src/features/billing/close-month.ts';
import { enqueueBillMailing } from '../../src/features/mail/mailing.ts';
import type { ReconcileSummary } from '../../src/features/payments/payments.settle.ts';
import { bulkAccounts, cliEnvFor, createTestDb, type TestDb } from '../db.ts';
import { testDialects } from '../helpers.ts';
import { startSmtpSink, subscribeAccounts, type SmtpSink } from '../mail-support.ts';
import { NGINX, renderNginx, request, ROOT, selfSignedCertificate, startNginx } from './render.ts';
import { portalArgs } from '../portal-process.ts';

// The deployment as docs/operations.md builds it, on one machine: nginx (deploy/nginx, TLS with a
// self-signed certificate) in front of two portal processes and two mail workers on PostgreSQL.
// Customers log in, open the main page, send a reading, pay by card on the sandbox bank's pages
// (served by the portals, the bank's state in the database) and log out over HTTPS, from
// 127.0.0.2 so that their address differs from nginx's (127.0.0.1), while one portal is stopped
// with SIGTERM and started again. nginx spreads each payment's steps over both portals. Nothing
// may fail, nothing may be stored, sent or credited twice (the reconciliation run afterwards
// included), and the audit log must hold the customers' address.

const PORTS = { http: 4381, https: 4344, portals: [4310, 4311] as [number, number] };
const BASE = `https://127.0.0.1:${PORTS.https}`;
const CLIENT_ADDRESS = '127.0.0.2';
const ACCOUNTS = 16;
const CONNECTIONS = 5;
/** Requests per phase of the load (two whole rounds of the twelve steps per connection). */
const PHASE_REQUESTS = 120;
const MAX_PHASES = 12;
const RATE = 30;
/** Answers before portal 1 gets its SIGTERM. */
const RESTART_AFTER = 40;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function stop(p: Proc): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
  }
  return p.exited;
}

/**
 * Waits for a started portal to answer /healthz. Generous: through tsx on a busy machine a start
 * took 31 s (2 cores, load average 16); on an idle one it takes a few seconds.
 */
async function waitHealthy(port: number, p: Proc): Promise<void> {
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await request(`http://127.0.0.1:${port}/healthz`)).status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (p.child.exitCode !== null || Date.now() > until) {
      throw new Error(`the portal on ${port} did not start:\n${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CLI's reconciliation, as the systemd timer runs it: its summary. */
async function runReconcile(env: NodeJS.ProcessEnv): Promise<ReconcileSummary> {
  const p = start(portalArgs('cli', ['payments-reconcile']), env);
  assert.equal(await p.exited, 0, p.output());
  const line = p
    .output()
    .split('\n')
    .find((l) => l.startsWith('{"checked"'));
  assert.ok(line, p.output());
  return JSON.parse(line) as ReconcileSummary;
}

test('nginx, two portals and two mail workers on PostgreSQL: a portal restarted under load', async (t) => {
  if (!NGINX) {
    assert.notEqual(process.env.CI, 'true', 'nginx is required in CI (apt-get install nginx)');
    t.skip('nginx is not installed (apt-get install nginx): the deployment test is skipped');
    return;
  }
  if (!(await testDialects()).includes('postgres')) {
    t.skip('PostgreSQL is not tested here (DIALECTS, or unreachable)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-deploy-'));
  fs.chmodSync(dir, 0o755);
  const cleanups: Array<() => Promise<unknown>> = [];
  let db: TestDb | undefined;
  try {
    // The data: accounts with a closed May, confirmed e-mail addresses and their May bills queued.
    db = await createTestDb('postgres', { poolSize: 3 });
    const k = db.db.kysely;
    await ensureReferenceData(k, 2026);
    await bulkAccounts(db.db, ACCOUNTS, '2026-04');
    await closeMonth(db.db, {
      period: '2026-05',
      currentPeriod: '2026-06',
      limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
      readingsLastDay: 25,
      now: () => new Date(),
      batchSize: 500,
    });
    await subscribeAccounts(db.db);
    const queued = await enqueueBillMailing(k, { period: '2026-05', now: new Date() });
    assert.equal(queued.queued, ACCOUNTS);
    const accounts = await k
      .selectFrom('accounts')
      .innerJoin('readings', 'readings.account_id', 'accounts.id')
      .select(['accounts.number', 'accounts.surname', (eb) => eb.fn.max('readings.value1').as('value')])
      .groupBy(['accounts.number', 'accounts.surname'])
      .orderBy('accounts.number')
      .execute();
    assert.equal(accounts.length, ACCOUNTS);
    const readingsBefore = Number(
      (
        await k
          .selectFrom('readings')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirstOrThrow()
      ).id,
    );

    const sink: SmtpSink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const env = (settings: Record<string, string>) =>
      cliEnvFor(db!.url, {
        HOST: '127.0.0.1',
        PUBLIC_URL: BASE,
        TRUST_PROXY: '1',
        LOG_LEVEL: 'warn',
        DATA_DIR: dir,
        READINGS_FIRST_DAY: '1',
        READINGS_LAST_DAY: '31',
        DB_POOL_SIZE: '4',
        PDF_THREADS: '0',
        SMTP_URL: sink.url,
        MAIL_FROM: 'noreply@khakensb.test',
        MAIL_POLL_SECONDS: '1',
        MAIL_LEASE_SECONDS: '30',
        MAIL_SMTP_TIMEOUT_SECONDS: '10',
        // One test client from one address makes every login: above the production limit of
        // writes without a session per address (ANON_WRITES_PER_ADDRESS), which has its own test.
        ANON_WRITES_PER_ADDRESS: '100000',
        ANON_WRITES_TOTAL: '100000',
        // As deploy/portal.env.example: a stopping portal first makes nginx take it out.
        SHUTDOWN_DRAIN_MS: '3000',
        ...settings,
      });
    const startPortal = (port: number) => start(portalArgs('server'), env({ PORT: String(port) }));
    const portals = PORTS.portals.map(startPortal);
    cleanups.push(() => Promise.all(portals.map(stop)));
    await Promise.all(portals.map((p, i) => waitHealthy(PORTS.portals[i]!, p)));

    const tls = selfSignedCertificate(dir);
    const prefix = path.join(dir, 'nginx');
    const nginx = await startNginx(
      prefix,
      renderNginx(prefix, PORTS, tls),
      `http://127.0.0.1:${PORTS.http}/`,
    );
    cleanups.push(() => nginx.stop());
    const ca = fs.readFileSync(tls.cert, 'utf8');

    const workers = [1, 2].map((n) => start(portalArgs('cli', ['mail-worker', '--id', `e2e-${n}`]), env({})));
    cleanups.push(() => Promise.all(workers.map(stop)));

    // The load: each connection is one browser going round login page, login, main page, reading,
    // payment form, order, the bank's card page, the card (and its 3-D Secure code), the return to
    // the portal, the result page, and logout.
    const journey = customerJourney(BASE, accounts);
    const { failures, stored } = journey;
    const phase = (onResponse: () => void) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: BASE,
            connections: CONNECTIONS,
            amount: PHASE_REQUESTS,
            overallRate: RATE,
            timeout: 20,
            tlsOptions: { ca, servername: 'localhost', localAddress: CLIENT_ADDRESS },
            initialContext: {},
            requests: journey.requests,
          },
          (err: Error | null, result) => (err ? reject(err) : resolve(result)),
        );
        instance.on('response', onResponse);
      });

    // nginx's log of what it passed to which portal.
    const first = `127.0.0.1:${PORTS.portals[0]}`;
    const second = `127.0.0.1:${PORTS.portals[1]}`;
    const upstreamLog = () =>
      fs
        .readFileSync(path.join(prefix, 'upstream.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const [msec, client, upstream, status, request, id] = l.split('|');
          return { at: Number(msec) * 1000, client, upstream, status, request, id };
        })
        // The proxied requests (not the probe of the redirecting port that waited for nginx).
        .filter((e) => e.upstream !== '-');
    const servedByRestarted = (readyAt: number) =>
      upstreamLog().filter((e) => e.upstream === first && e.at > readyAt);

    // Portal 1 is stopped as systemd stops it (SIGTERM), then started again, while the load runs:
    // in phases of PHASE_REQUESTS, as many as the restart takes (however slow the machine), and
    // more once it is back, until nginx has sent it requests again (it skips a failed portal for
    // fail_timeout, 5 s).
    let answers = 0;
    let restart: Promise<{ code: number | null; readyAt: number }> | undefined;
    let stoppedAt = 0;
    let restarted: { code: number | null; readyAt: number } | undefined;
    const results: autocannon.Result[] = [];
    let phasesAfter = 0;
    while (phasesAfter < 1 || (restarted && servedByRestarted(restarted.readyAt).length === 0)) {
      assert.ok(results.length < MAX_PHASES, `portal 1 was not back after ${MAX_PHASES} phases of load`);
      if (restarted) {
        phasesAfter++;
      }
      const load = phase(() => {
        if (++answers === RESTART_AFTER) {
          restart = (async () => {
            stoppedAt = Date.now();
            const code = await stop(portals[0]!);
            portals[0] = startPortal(PORTS.portals[0]);
            await waitHealthy(PORTS.portals[0], portals[0]);
            return { code, readyAt: Date.now() };
          })().then((r) => (restarted = r));
        }
      });
      results.push(await load);
    }
    const back = restarted;
    assert.ok(restart && back);
    const total = (f: (r: autocannon.Result) => number) => results.reduce((sum, r) => sum + f(r), 0);
    t.diagnostic(
      `${total((r) => r.requests.total)} requests in ${results.length} phases, ${total((r) => r.duration).toFixed(1)} s, ` +
        `p99 per phase ${results.map((r) => r.latency.p99).join('/')} ms; ${journey.logins()} logins, ${stored.size} readings, ` +
        `${journey.payments.filter((p) => p.shownPaid).length} of ${journey.payments.length} card orders paid`,
    );
    // A POST that reached the stopping portal and was not answered is not resent by nginx: the
    // customer would see a 502 (platform/http/closing.ts, why the portal drains first).
    if (failures.length > 0) {
      // nginx's own words on what went wrong between it and the portals.
      const errors = fs.readFileSync(path.join(prefix, 'error.log'), 'utf8');
      t.diagnostic(
        `nginx error.log:\n${errors
          .split('\n')
          .filter((l) => l.includes('upstream'))
          .join('\n')}`,
      );
    }
    assert.deepEqual(failures, [], 'every answer was the expected one');
    assert.equal(
      total((r) => r.errors),
      0,
      'no connection errors',
    );
    assert.equal(
      total((r) => r.timeouts),
      0,
      'no timeouts',
    );
    assert.equal(back.code, 0, 'portal 1 shut down cleanly on SIGTERM');

    // nginx's view: requests went to the stopped portal, were passed to the other one, and the
    // restarted portal served again.
    const entries = upstreamLog();
    assert.deepEqual(
      [...new Set(entries.map((e) => e.client))],
      [CLIENT_ADDRESS],
      "nginx saw the client's address",
    );
    const passedOn = entries.filter((e) => e.upstream === `${first}, ${second}`);
    const servedAfter = servedByRestarted(back.readyAt);
    t.diagnostic(
      `${passedOn.length} requests passed on from the stopped portal, ${servedAfter.length} served by it after its restart`,
    );
    assert.ok(passedOn.length > 0, 'nginx passed requests on from the stopped portal');
    assert.ok(servedAfter.length > 0, 'the restarted portal served requests');

    // Each reading answered as stored is stored once.
    const added = await k
      .selectFrom('readings')
      .select(['id', 'submitted_ip'])
      .where('id', '>', readingsBefore)
      .execute();
    assert.equal(stored.size, journey.storedAnswers(), 'no reading id answered twice');
    assert.deepEqual(
      added.map((r) => Number(r.id)).sort((a, b) => a - b),
      [...stored].sort((a, b) => a - b),
    );
    assert.deepEqual([...new Set(added.map((r) => r.submitted_ip))], [CLIENT_ADDRESS]);

    // The audit log holds the customers' address, never nginx's.
    const audited = await k
      .selectFrom('audit_log')
      .select(['ip', (eb) => eb.fn.countAll<number>().as('n')])
      .where('event', '=', 'login')
      .groupBy('ip')
      .execute();
    assert.deepEqual(
      audited.map((r) => [r.ip, Number(r.n)]),
      [[CLIENT_ADDRESS, journey.logins()]],
    );

    await checkPayments(t, {
      db: db.db,
      journey,
      log: entries,
      portals: [first, second],
      stoppedAt,
      reconcile: () => runReconcile(env({})),
    });

    // Every bill e-mail sent exactly once, by one of the two workers.
    const until = Date.now() + 180_000;
    for (;;) {
      const left = await k
        .selectFrom('mail_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '!=', 'sent')
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) {
        break;
      }
      assert.ok(Date.now() < until, `${left.n} e-mails not sent within 3 minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const recipients = sink.received.map((m) => m.rcpt.join(','));
    assert.equal(recipients.length, ACCOUNTS, 'one e-mail per queued bill');
    assert.equal(new Set(recipients).size, ACCOUNTS, 'no recipient got two');

    const closing = journey.refused;
    assert.deepEqual(closing, [], 'no request refused by the stopping portal');
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
