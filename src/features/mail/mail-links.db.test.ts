import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, cliEnvFor, createTestDb, type TestDb } from '../../../test/db.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth } from '../billing/close-month.ts';
import { enqueueBillMailing } from './mailing.ts';
import { parse, startSmtpSink, subscribeAccounts, type SmtpSink } from '../../../test/mail-support.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// The links in e-mails come from PUBLIC_URL only: a worker started without it (and without the
// server's PORT) wrote http://localhost:3000/… into every bill.

const N = 3;

function worker(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, portalArgs('cli', ['mail-worker', '--drain']), {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

function envFor(t: TestDb, sink: SmtpSink, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = cliEnvFor(t.url, {
    LOG_LEVEL: 'silent',
    SMTP_URL: sink.url,
    MAIL_FROM: 'noreply@khakensb.test',
    ...settings,
  });
  delete env.PUBLIC_URL;
  delete env.PORT;
  return { ...env, ...settings };
}

for (const dialect of await testDialects()) {
  describe(`links in e-mails (${dialect})`, () => {
    let sink: SmtpSink;
    let t: TestDb;
    before(async () => {
      sink = await startSmtpSink();
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, N, '2026-04');
      await closeMonth(t.db, {
        period: '2026-05',
        currentPeriod: '2026-06',
        limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
        readingsLastDay: 25,
        now: () => new Date(),
        batchSize: 500,
      });
      await subscribeAccounts(t.db);
      await enqueueBillMailing(t.db.kysely, { period: '2026-05', now: new Date() });
    });
    after(async () => {
      await sink.close();
      await t.drop();
    });

    test('a worker without PUBLIC_URL refuses to start and sends nothing', { timeout: 60_000 }, async () => {
      const r = await worker(envFor(t, sink, {}));
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.out, /PUBLIC_URL is not set/);
      assert.equal(sink.received.length, 0);
    });

    test('with PUBLIC_URL, every link is at PUBLIC_URL whatever PORT says', { timeout: 60_000 }, async () => {
      const r = await worker(envFor(t, sink, { PUBLIC_URL: 'https://lk.example.ru', PORT: '4699' }));
      assert.equal(r.code, 0, r.out);
      assert.equal(sink.received.length, N);
      for (const m of sink.received) {
        const mail = await parse(m);
        const unsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
        const all = `${mail.text ?? ''} ${String(mail.html)} ${unsubscribe}`;
        const links = [...all.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((x) => x[0]);
        const portal = links.filter((l) => !l.startsWith('http://www.w3.org'));
        assert.ok(portal.length >= 2, `links: ${links.join(' ')}`);
        for (const l of portal) {
          assert.ok(l.startsWith('https://lk.example.ru/'), l);
        }
      }
    });
  });
}
