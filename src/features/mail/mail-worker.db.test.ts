import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, cliEnvFor, createTestDb, reopenDb, type TestDb } from '../../../test/db.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth } from '../billing/close-month.ts';
import { enqueueBillMailing } from './mailing.ts';
import { startSmtpSink, subscribeAccounts, type SmtpSink } from '../../../test/mail-support.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// The mailing under stress, through the real CLI in child processes: several workers at once, and
// a worker killed with SIGKILL mid-batch (security.md row 19).

const CONCURRENCY = 4;

function cliEnv(dbUrl: string, smtpUrl: string): NodeJS.ProcessEnv {
  return cliEnvFor(dbUrl, {
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://localhost:3000',
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'noreply@khakensb.test',
    MAIL_CONCURRENCY: String(CONCURRENCY),
    MAIL_BATCH_SIZE: '8',
    MAIL_LEASE_SECONDS: '3',
    MAIL_SMTP_TIMEOUT_SECONDS: '2',
    MAIL_POLL_SECONDS: '1',
  });
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const child = spawn(process.execPath, portalArgs('cli', args), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>(
    (resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code, signal) => resolve({ code, signal, out }));
    },
  );
  return { child, exited };
}

async function prepare(dialect: 'sqlite' | 'postgres', n: number): Promise<TestDb> {
  const t = await createTestDb(dialect);
  await ensureReferenceData(t.db.kysely, 2026);
  await bulkAccounts(t.db, n, '2026-04');
  await closeMonth(t.db, {
    period: '2026-05',
    currentPeriod: '2026-06',
    limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
    readingsLastDay: 25,
    now: () => new Date(),
    batchSize: 500,
  });
  await subscribeAccounts(t.db);
  const q = await enqueueBillMailing(t.db.kysely, { period: '2026-05', now: new Date() });
  assert.equal(q.queued, n);
  return t;
}

async function statusCounts(t: TestDb) {
  const rows = await t.db.kysely
    .selectFrom('mail_outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

function perRecipient(sink: SmtpSink): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of sink.received) {
    assert.equal(r.rcpt.length, 1, 'exactly one recipient per message');
    m.set(r.rcpt[0]!, (m.get(r.rcpt[0]!) ?? 0) + 1);
  }
  return m;
}

for (const dialect of await testDialects()) {
  describe(`mailing workers (${dialect})`, () => {
    let sink: SmtpSink;
    before(async () => {
      sink = await startSmtpSink();
    });
    after(async () => sink.close());

    test(
      `two workers at once share the work and send no message twice${dialect === 'postgres' ? ' (FOR UPDATE SKIP LOCKED)' : ' (atomic claim)'}`,
      { timeout: 180_000 },
      async () => {
        const N = 240;
        const t = await prepare(dialect, N);
        sink.received.length = 0;
        try {
          const env = cliEnv(t.url, sink.url);
          const runs = [
            cli(env, 'mail-worker', '--drain', '--id', 'w1'),
            cli(env, 'mail-worker', '--drain', '--id', 'w2'),
          ];
          const results = await Promise.all(runs.map((r) => r.exited));
          for (const r of results) {
            assert.equal(r.code, 0, r.out);
          }
          const sentBy = results.map((r) => Number(/sent (\d+),/.exec(r.out)?.[1] ?? NaN));
          assert.equal(sentBy[0]! + sentBy[1]!, N, results.map((r) => r.out).join('\n'));
          assert.ok(
            sentBy.every((n) => n > 0),
            `both workers sent: ${sentBy.join(' + ')}`,
          );
          assert.equal(sink.received.length, N, 'no duplicate');
          assert.equal(new Set(sink.received.map((r) => r.messageId)).size, N);
          const recipients = perRecipient(sink);
          assert.equal(recipients.size, N);
          assert.ok([...recipients.values()].every((c) => c === 1));
          assert.deepEqual(await statusCounts(t), { sent: N });
        } finally {
          await t.drop();
        }
      },
    );

    test(
      'a worker killed with SIGKILL mid-batch and restarted: every account gets its bill, duplicates ≤ messages in flight',
      { timeout: 300_000 },
      async (ctx) => {
        const N = 1000;
        const t = await prepare(dialect, N);
        const addresses = new Set(
          (await t.db.kysely.selectFrom('mail_subscriptions').select('email').execute()).map((r) => r.email),
        );
        sink.received.length = 0;
        const watcher = reopenDb(t.url);
        try {
          const env = cliEnv(t.url, sink.url);
          let inFlightAtKills = 0;
          const kills = [
            Math.floor(N * (0.1 + Math.random() * 0.3)),
            Math.floor(N * (0.5 + Math.random() * 0.35)),
          ];
          for (const at of kills) {
            const run = cli(env, 'mail-worker');
            await Promise.race([
              sink.waitFor(at, 120_000),
              run.exited.then((r) => assert.fail(`the worker ended early: ${r.out}`)),
            ]);
            run.child.kill('SIGKILL');
            const r = await run.exited;
            assert.equal(r.signal, 'SIGKILL');
            // Sends in flight: at most CONCURRENCY of the leased rows.
            const leased = await watcher.kysely
              .selectFrom('mail_outbox')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('status', '=', 'sending')
              .executeTakeFirstOrThrow();
            inFlightAtKills += Math.min(CONCURRENCY, Number(leased.n));
            assert.ok(sink.received.length < N, `killed after ${sink.received.length} of ${N}`);
          }
          const last = cli(env, 'mail-worker', '--drain');
          const done = await last.exited;
          assert.equal(done.code, 0, done.out);

          const recipients = perRecipient(sink);
          const missing = [...addresses].filter((a) => !recipients.has(a));
          assert.deepEqual(missing, [], 'every subscribed account got its bill');
          const duplicates = sink.received.length - N;
          ctx.diagnostic(
            `killed at ${kills.join(' and ')} received; ${duplicates} duplicates, ${inFlightAtKills} in flight at the kills`,
          );
          assert.ok(duplicates >= 0);
          assert.ok(
            duplicates <= inFlightAtKills,
            `${duplicates} duplicates, ${inFlightAtKills} in flight at the kills`,
          );
          // A duplicate carries the same Message-ID: a receiver that de-duplicates shows each bill once.
          assert.equal(new Set(sink.received.map((r) => r.messageId)).size, N);
          assert.deepEqual(await statusCounts(t), { sent: N });

          const status = cli(env, 'mail-status', '2026-05');
          const s = await status.exited;
          assert.equal(s.code, 0, s.out);
          assert.match(s.out, /bills 2026-05 \[█+\] 100% 1000\/1000/);
          assert.match(s.out, /queued 0 \(sending now 0\), sent 1000, failed 0, bounced 0, cancelled 0/);
        } finally {
          await watcher.close();
          await t.drop();
        }
      },
    );
  });
}
