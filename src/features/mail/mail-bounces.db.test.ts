import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { cliEnvFor } from '../../../test/db.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { confirmPathOf, subscribeAccounts, type SmtpSink } from '../../../test/mail-support.ts';
import { enqueueBillMailing, mailingProgress, retryFailedBills } from './mailing.ts';
import { mailFixture, people, type Who } from './mail-fixture.db.test.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// Bounces: a recipient refused for good at send time (5xx to RCPT TO or DATA), and delivery
// status notifications (RFC 3464) applied by `mail-bounces <DIR>`; the address suspended until
// its owner confirms it again, what the customer and the back office see, the metrics.

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const MAIL_FROM = 'ОАО «Хакасэнергосбыт» <noreply@khakensb.test>';
const METRICS_TOKEN = 'metrics-token-for-the-bounce-tests-0123';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(dbUrl: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      portalArgs('cli', args),
      { cwd: ROOT, env: cliEnvFor(dbUrl, { LOG_LEVEL: 'silent', MAIL_FROM }) },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
      },
    );
  });
}

/** A DSN as an MTA (Postfix-like) returns it to the bounce address: RFC 3464, multipart/report. */
function dsn(o: {
  recipient: string;
  action?: string;
  status?: string;
  diagnostic?: string;
  /** The Message-ID in the returned headers (the third part); none: no third part. */
  messageId?: string;
  /** An Original-Message-ID field in the per-message fields instead. */
  originalMessageId?: string;
}): string {
  const b = 'DSN-BOUNDARY-42';
  const returned = o.messageId
    ? [
        `--${b}`,
        'Content-Type: text/rfc822-headers',
        '',
        'From: noreply@khakensb.test',
        `To: ${o.recipient}`,
        `Message-ID: ${o.messageId}`,
        'Subject: =?UTF-8?B?0JrQstC40YLQsNC90YbQuNGP?=',
        '',
      ]
    : [];
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.mail.test>',
    'To: noreply@khakensb.test',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <20260706030000.A1@mx.mail.test>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered to one or more recipients.',
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.mail.test',
    ...(o.originalMessageId ? [`Original-Message-ID: ${o.originalMessageId}`] : []),
    '',
    `Final-Recipient: rfc822; ${o.recipient}`,
    `Action: ${o.action ?? 'failed'}`,
    `Status: ${o.status ?? '5.1.1'}`,
    'Remote-MTA: dns; mx2.mail.test',
    `Diagnostic-Code: smtp; ${o.diagnostic ?? `550 5.1.1 <${o.recipient}>: Recipient address`}`,
    ...(o.diagnostic ? [] : ['    rejected: User unknown in virtual mailbox table']),
    '',
    ...returned,
    `--${b}--`,
    '',
  ].join('\r\n');
}

for (const dialect of await testDialects()) {
  describe(`bills by e-mail: bounces (${dialect})`, () => {
    /** Addresses the SMTP peer refuses at RCPT TO (550) and after DATA (554). */
    const refuseRcpt = new Set<string>();
    const refuseData = new Set<string>();
    const f = mailFixture(
      dialect,
      {
        onRcpt: (a) =>
          refuseRcpt.has(a) ? { code: 550, message: `5.1.1 <${a}>: Recipient address rejected` } : null,
        onData: (_raw, rcpt) =>
          rcpt.some((a) => refuseData.has(a)) ? { code: 554, message: '5.7.1 Mailbox disabled' } : null,
      },
      { METRICS_TOKEN },
    );
    const { ids, subscription, drain } = f;
    let t: TestApp;
    let sink: SmtpSink;
    let dir: string;
    before(() => {
      t = f.t;
      sink = f.sink;
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bounces-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const outboxOf = async (who: Who) =>
      t.db.kysely
        .selectFrom('mail_outbox')
        .select(['status', 'attempts', 'last_error', 'message_id'])
        .where('account_id', '=', ids[who]!)
        .where('period', '=', '2026-06')
        .executeTakeFirstOrThrow();

    /** Fresh subscriptions for `who` (`<number>@mail.test`), June's bills queued and sent. */
    async function mailJune(who: Who[]): Promise<Map<Who, string>> {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(
        t.db,
        who.map((w) => ids[w]!),
      );
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      await drain();
      return new Map(who.map((w) => [w, emails.get(ids[w]!)!]));
    }

    test('a 5xx to RCPT TO or DATA: bounced at once, not retried, the address suspended until confirmed again', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const all = await subscribeAccounts(t.db, [ids.b!, ids.c!, ids.d!]);
      const emails = new Map((['b', 'c', 'd'] as const).map((w) => [w, all.get(ids[w]!)!]));
      refuseRcpt.add(emails.get('b')!);
      refuseData.add(emails.get('c')!);
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      const stats = await drain({ maxAttempts: 3 });
      assert.deepEqual([stats.sent, stats.bounced, stats.failed, stats.retried], [1, 2, 0, 0]);
      const b = await outboxOf('b');
      assert.deepEqual([b.status, Number(b.attempts)], ['bounced', 1]);
      assert.match(b.last_error!, /550 5\.1\.1 <1\*\*\*@mail\.test>: Recipient address rejected/);
      const c = await outboxOf('c');
      assert.deepEqual([c.status, Number(c.attempts)], ['bounced', 1]);
      assert.match(c.last_error!, /554 5\.7\.1 Mailbox disabled/);
      for (const who of ['b', 'c'] as const) {
        const s = (await subscription(who))!;
        assert.notEqual(s.bounced_at, null, who);
        assert.doesNotMatch(s.bounce_reason!, /1000000\d+@/, 'the reason has the address masked');
      }
      assert.equal((await subscription('d'))!.bounced_at, null);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['account_number', 'details'])
        .where('event', '=', 'email_bounce')
        .orderBy('account_number')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.account_number),
        [people.b.number, people.c.number],
      );
      assert.ok(
        audit.every(
          (a) =>
            (JSON.parse(a.details!) as { via: string }).via === 'smtp' && !/\d@mail\.test/.test(a.details!),
        ),
      );

      // The retry of the failed leaves them; a new mailing and the worker skip the address.
      assert.equal(await retryFailedBills(t.db.kysely, '2026-06', new Date()), 0);
      assert.equal((await outboxOf('b')).status, 'bounced');
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 1);
      await t.db.kysely
        .insertInto('mail_outbox')
        .values({
          account_id: ids.c!,
          period: '2026-05',
          kind: 'bill',
          status: 'queued',
          attempts: 0,
          next_attempt_at: 0,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      const received = sink.received.length;
      assert.deepEqual([(await drain()).sent, sink.received.length], [1, received + 1]);
      const stale = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['status', 'last_error'])
        .where('account_id', '=', ids.c!)
        .executeTakeFirstOrThrow();
      assert.deepEqual(stale, {
        status: 'cancelled',
        last_error: 'the address bounced: it awaits a confirmation',
      });

      // The customer sees why, and confirms the same address again once the mailbox works.
      const { agent, html } = await f.session('c');
      const page = textOf(html);
      assert.match(
        page,
        new RegExp(`Квитанции не удалось доставить на адрес ${emails.get('c')!.replace('.', '\\.')}`),
      );
      assert.match(page, /Проверьте адрес\./);
      assert.match(page, /Подтвердить адрес ещё раз/);
      refuseData.delete(emails.get('c')!);
      const before = sink.received.length;
      const res = await agent.post('/cabinet/email', { action: 'resend' });
      assert.deepEqual([res.statusCode, res.headers.location], [303, '/cabinet?mail=sent#mail-form']);
      await sink.waitFor(before + 1);
      const link = await confirmPathOf(sink.received[before]!);
      await agent.get(link);
      const confirmed = await agent.post(link, {});
      assert.deepEqual(
        [confirmed.statusCode, confirmed.headers.location],
        [303, '/cabinet?mail=confirmed#mail-form'],
      );
      assert.equal((await subscription('c'))!.bounced_at, null);
      assert.doesNotMatch(textOf((await agent.get('/cabinet')).body), /не удалось доставить/);
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 2);
    });

    test('mail-bounces <DIR>: a DSN marks its message bounced once; other files are reported, never crash it', async () => {
      const emails = await mailJune(['e', 'f', 'g']);
      const sent = async (who: Who) => (await outboxOf(who)).message_id!;
      const [e, fId, g] = [await sent('e'), await sent('f'), await sent('g')];
      assert.match(e, /^<bill-2026-06-\d+@khakensb\.test>$/);
      // f's message as one sent before Message-IDs were stored: found by the id in its shape.
      await t.db.kysely
        .updateTable('mail_outbox')
        .set({ message_id: null })
        .where('message_id', '=', fId)
        .execute();
      const files: Record<string, string | Buffer> = {
        'new/01-e.eml': dsn({ recipient: emails.get('e')!, messageId: e }),
        'new/02-f-delayed.eml': dsn({
          recipient: emails.get('f')!,
          messageId: fId,
          action: 'delayed',
          status: '4.4.7',
        }),
        'cur/03-reply.eml': 'From: someone@mail.test\r\nSubject: Re: квитанция\r\n\r\nСпасибо!\r\n',
        '04-garbage.bin': Buffer.from([0, 159, 146, 150, 255, 0, 13, 10, 13, 10, 1]),
        '05-unknown.eml': dsn({ recipient: 'x@mail.test', messageId: '<bill-2026-06-999999@khakensb.test>' }),
        // Names g's message, but not g's address: a forged or stray DSN changes nothing.
        '06-g-other.eml': dsn({ recipient: 'other@mail.test', messageId: g }),
        '07-f.eml': dsn({
          recipient: emails.get('f')!,
          originalMessageId: fId,
          diagnostic: '552 5.2.2 Mailbox full',
        }),
      };
      fs.mkdirSync(path.join(dir, 'new'));
      fs.mkdirSync(path.join(dir, 'cur'));
      for (const [name, body] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), body);
      }

      const first = await cli(t.dbUrl, 'mail-bounces', dir);
      assert.equal(first.code, 0, first.stderr);
      const lines = first.stdout.trim().split('\n');
      assert.equal(
        lines.at(-1),
        '7 files: matched 2 (addresses suspended 2), already bounced 0, unmatched 2, no permanent failure 1, not a DSN 2',
      );
      const outcome = (name: string) => lines.find((l) => l.split('\t')[1] === name)?.split('\t')[0];
      assert.deepEqual(
        [
          '01-e.eml',
          '02-f-delayed.eml',
          '03-reply.eml',
          '04-garbage.bin',
          '05-unknown.eml',
          '06-g-other.eml',
          '07-f.eml',
        ].map(outcome),
        ['matched', 'no-failure', 'not-dsn', 'not-dsn', 'unmatched', 'unmatched', 'matched'],
      );
      assert.doesNotMatch(first.stdout, /\d{10}@mail\.test/, 'addresses masked');
      const eRow = await outboxOf('e');
      assert.equal(eRow.status, 'bounced');
      assert.match(
        eRow.last_error!,
        /^550 5\.1\.1 <1\*\*\*@mail\.test>: Recipient address rejected: User unknown/,
      );
      assert.deepEqual(
        [(await outboxOf('f')).status, (await outboxOf('f')).last_error],
        ['bounced', '552 5.2.2 Mailbox full'],
      );
      assert.equal((await outboxOf('g')).status, 'sent');
      assert.notEqual((await subscription('e'))!.bounced_at, null);
      assert.equal((await subscription('f'))!.bounce_reason, '552 5.2.2 Mailbox full');
      assert.equal((await subscription('g'))!.bounced_at, null);

      // Run again: nothing changes.
      const state = async () => ({
        outbox: await t.db.kysely.selectFrom('mail_outbox').selectAll().orderBy('id').execute(),
        subs: await t.db.kysely.selectFrom('mail_subscriptions').selectAll().orderBy('account_id').execute(),
        audit: await t.db.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute(),
      });
      const snapshot = await state();
      const second = await cli(t.dbUrl, 'mail-bounces', dir);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(
        second.stdout.trim().split('\n').at(-1),
        '7 files: matched 0 (addresses suspended 0), already bounced 2, unmatched 2, no permanent failure 1, not a DSN 2',
      );
      assert.deepEqual(await state(), snapshot);

      // A directory that is not there: refused (exit 2), nothing read.
      const missing = await cli(t.dbUrl, 'mail-bounces', path.join(dir, 'nope'));
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /is not a directory/);
    });

    test('the back office: the card says the address is undeliverable, the mailing page and the metrics count bounced', async () => {
      await mailJune(['g', 'h']);
      refuseRcpt.add(`${people.h.number}@mail.test`);
      await t.db.kysely.updateTable('mail_outbox').set({ status: 'queued', next_attempt_at: 0 }).execute();
      await drain();
      const { agent } = await staffAgent(t, 'buh', ['accountant', 'operator'], '10.0.0.8');
      const card = textOf((await agent.get(`/office/accounts/${ids.h!}`)).body);
      assert.match(
        card,
        /письма не доставляются с .*550 5\.1\.1 <1\*\*\*@mail\.test>.*рассылка приостановлена/,
      );
      assert.match(card, /квитанция отказ получателя/);
      const page = await agent.get('/office/mailing');
      assert.equal(page.statusCode, 200);
      const row = /<tr><td data-label="Период">2026 Июнь<\/td>.*?<\/tr>/.exec(page.body)?.[0] ?? '';
      assert.deepEqual(
        [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!)),
        ['2026 Июнь', '2', '0', '1', '0', '0', '1'],
      );
      assert.match(textOf(page.body), /Такие письма не отправляются повторно/);
      assert.match(
        textOf((await agent.get('/office')).body),
        /2026 Июнь: всего 2, в очереди 0, отправлено 1, с ошибкой 0, отменено 0, отказ получателя 1\./,
      );
      const p = await mailingProgress(t.db.kysely, { period: '2026-06', kind: 'bill' });
      assert.deepEqual([p?.counts.bounced, p?.done, p?.total], [1, 2, 2]);
      const metrics = await t.app.inject({
        url: '/metrics',
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.match(metrics.body, /^lk_mail_outbox_messages\{status="bounced"\} 1$/m);
    });
  });
}
