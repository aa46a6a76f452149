import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { loadBillDocument } from '../billing/bill-document.ts';
import { formatRubles } from '../../domain/format.ts';
import { enqueueBillMailing, enqueueReminders, mailingProgress, MailingRefused } from './mailing.ts';
import { parse, subscribeAccounts, type SmtpSink } from '../../../test/mail-support.ts';
import { mailFixture, people, type ListHeaders, type Who } from './mail-fixture.db.test.ts';

// The mailing: a month's bills through the worker to an SMTP peer, cancellation, the one-click
// unsubscribe in the messages, SMTP errors, reminders.

for (const dialect of await testDialects()) {
  describe(`bills by e-mail: the mailing (${dialect})`, () => {
    let tmpTries = 0;
    const f = mailFixture(dialect, {
      onRcpt: (address) => {
        if (address.startsWith('perm-')) {
          return { code: 550, message: `5.1.1 <${address}>: Recipient address rejected` };
        }
        if (address.startsWith('always-')) {
          return { code: 451, message: `4.7.1 <${address}>: try again later` };
        }
        if (address.startsWith('tmp-')) {
          tmpTries++;
          if (tmpTries <= 2) {
            return { code: 421, message: '4.3.2 Service not available, closing channel' };
          }
        }
        return null;
      },
    });
    const { ids, subscription, sentTo, drain } = f;
    let t: TestApp;
    let sink: SmtpSink;
    before(() => {
      t = f.t;
      sink = f.sink;
    });

    test('the monthly mailing: one message per confirmed, subscribed account, exactly one recipient, the PDF and the summary', async () => {
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!, ids.d!, ids.e!]);
      // d: changed its address and has not confirmed it; e: unticked the box.
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ confirmed_at: null })
        .where('account_id', '=', ids.d!)
        .execute();
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ subscribed: 0 })
        .where('account_id', '=', ids.e!)
        .execute();
      await assert.rejects(
        enqueueBillMailing(t.db.kysely, { period: '2026-07', now: new Date() }),
        MailingRefused,
      );

      const queued = await enqueueBillMailing(t.db.kysely, { now: new Date() });
      assert.deepEqual(queued, { period: '2026-06', queued: 3 });
      const before = sink.received.length;
      const stats = await drain();
      assert.equal(stats.sent, 3);
      const got = sink.received.slice(before);
      assert.equal(got.length, 3);
      for (const who of ['demo', 'b', 'c'] as const) {
        const to = emails.get(ids[who]!)!;
        const mine = got.filter((m) => m.rcpt.includes(to));
        assert.equal(mine.length, 1, `one message to ${who}`);
        const msg = mine[0]!;
        assert.deepEqual(msg.rcpt, [to], 'exactly one recipient, the account’s own');
        const mail = await parse(msg);
        const number = people[who].number;
        const doc = (await loadBillDocument(t.db.kysely, ids[who]!, '2026-06', t.config.billing.dueDay))!;
        assert.equal(mail.subject, `Квитанция за июнь 2026 г., лицевой счёт ${number}`);
        assert.equal(mail.to && !Array.isArray(mail.to) ? mail.to.text : '', to);
        assert.equal(mail.cc, undefined);
        assert.equal(mail.bcc, undefined);
        assert.equal(mail.attachments.length, 1);
        const pdf = mail.attachments[0]!;
        assert.equal(pdf.filename, `${number}-2026-06.pdf`);
        assert.equal(pdf.contentType, 'application/pdf');
        assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
        const sum = `${formatRubles(doc.toPayKop)} руб.`;
        for (const body of [mail.text ?? '', textOf(String(mail.html))]) {
          assert.match(body, /Расчётный период:? июнь 2026 г\./);
          assert.ok(body.includes(`Сумма к оплате: ${sum}`) || body.includes(`Сумма к оплате ${sum}`), body);
          assert.match(body, /Оплатить до:? 10\.07\.2026/);
          assert.match(body, /Отписаться/);
        }
        assert.match(mail.messageId ?? '', /^<bill-2026-06-\d+@khakensb\.test>$/);
        // Stored with the row, so that a delivery status notification finds it.
        const row = await t.db.kysely
          .selectFrom('mail_outbox')
          .select('message_id')
          .where('account_id', '=', ids[who]!)
          .where('period', '=', '2026-06')
          .executeTakeFirstOrThrow();
        assert.equal(row.message_id, mail.messageId);
        const list = mail.headers.get('list') as ListHeaders | undefined;
        assert.equal(list?.['unsubscribe-post']?.name, 'List-Unsubscribe=One-Click');
        assert.match(
          list?.unsubscribe?.url ?? '',
          /^http:\/\/localhost:3000\/mail\/unsubscribe\/[A-Za-z0-9_-]{43}$/,
        );
        assert.ok((mail.text ?? '').includes(list.unsubscribe!.url!), 'the same link in the body');
      }
      for (const who of ['d', 'e'] as const) {
        assert.equal(sentTo(emails.get(ids[who]!)!).length, 0, `nothing to ${who}`);
      }

      // Queued once: running again adds and sends nothing.
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 0);
      assert.equal((await drain()).sent, 0);
      const p = await mailingProgress(t.db.kysely, { kind: 'bill' });
      assert.deepEqual(p?.counts, { queued: 0, sending: 0, sent: 3, failed: 0, cancelled: 0, bounced: 0 });
      // d confirms later: the next run queues its bill only.
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ confirmed_at: Date.now() })
        .where('account_id', '=', ids.d!)
        .execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 1);
      assert.equal((await drain()).sent, 1);
      assert.equal(sentTo(emails.get(ids.d!)!).length, 1);
    });

    test('a message is cancelled when the address was unsubscribed or changed after it was queued', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.f!, ids.g!]);
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ subscribed: 0 })
        .where('account_id', '=', ids.f!)
        .execute();
      await t.db.kysely
        .updateTable('mail_subscriptions')
        .set({ email: 'new-volkov@mail.test', confirmed_at: null })
        .where('account_id', '=', ids.g!)
        .execute();
      const stats = await drain();
      assert.deepEqual([stats.sent, stats.cancelled], [0, 2]);
      assert.equal(sentTo(emails.get(ids.f!)!).length, 0);
      assert.equal(sentTo('new-volkov@mail.test').length, 0);
    });

    test('one-click unsubscribe: a POST without session or CSRF token, as mail providers send it', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!]);
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      const before = sink.received.length;
      await drain();
      const urlOf = async (who: 'demo' | 'b') => {
        const msg = sink.received.slice(before).find((m) => m.rcpt.includes(emails.get(ids[who]!)!))!;
        const list = (await parse(msg)).headers.get('list') as { unsubscribe: { url: string } };
        return new URL(list.unsubscribe.url).pathname;
      };
      const demoPath = await urlOf('demo');
      // The link in the body opens a page with a button; the GET changes nothing.
      const page = await t.app.inject({ method: 'GET', url: demoPath });
      assert.equal(page.statusCode, 200);
      assert.match(
        textOf(page.body),
        /Больше не отправлять квитанции с начислениями на адрес 1\*\*\*@mail\.test \?/,
      );
      assert.equal(Number((await subscription('demo'))?.subscribed), 1);

      const oneClick = await t.app.inject({
        method: 'POST',
        url: demoPath,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(oneClick.statusCode, 200);
      assert.match(textOf(oneClick.body), /Вы отписались/);
      let row = await subscription('demo');
      assert.equal(Number(row?.subscribed), 0);
      assert.equal(row?.email, emails.get(ids.demo!), 'the address stays');
      // Again: still 200, nothing more recorded.
      assert.equal(
        (
          await t.app.inject({
            method: 'POST',
            url: demoPath,
            payload: 'List-Unsubscribe=One-Click',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        ).statusCode,
        200,
      );
      // Multipart, as RFC 8058 allows.
      const bPath = await urlOf('b');
      const boundary = 'x1y2z3';
      const multipart = await t.app.inject({
        method: 'POST',
        url: bPath,
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
      assert.equal(multipart.statusCode, 200);
      row = await subscription('b');
      assert.equal(Number(row?.subscribed), 0);
      // Unknown or malformed tokens: 404, nothing changes.
      for (const bad of [
        `/mail/unsubscribe/${'B'.repeat(43)}`,
        '/mail/unsubscribe/short',
        `/mail/unsubscribe/${'%27'.repeat(30)}`,
      ]) {
        assert.equal(
          (
            await t.app.inject({
              method: 'POST',
              url: bad,
              payload: 'List-Unsubscribe=One-Click',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            })
          ).statusCode,
          404,
          bad,
        );
        assert.equal((await t.app.inject({ method: 'GET', url: bad })).statusCode, 404, bad);
      }
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details', 'account_number'])
        .where('event', '=', 'email_subscription')
        .where('details', 'like', '%one_click%')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.account_number).sort(),
        [DEMO_ACCOUNT.number, people.b.number].sort(),
      );
      assert.ok(audit.every((a) => !a.details!.includes('@mail.test"') || a.details!.includes('***')));
      // The next mailing leaves them out.
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      assert.equal((await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() })).queued, 1);
    });

    test('SMTP errors: temporary ones retried with back-off, a refused recipient bounced, addresses masked', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      await subscribeAccounts(t.db, [ids.f!, ids.g!, ids.h!]);
      const set = (who: Who, email: string) =>
        t.db.kysely
          .updateTable('mail_subscriptions')
          .set({ email })
          .where('account_id', '=', ids[who]!)
          .execute();
      await set('f', 'tmp-popova@mail.test');
      await set('g', 'perm-volkov@mail.test');
      await set('h', 'always-zaitseva@mail.test');
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      tmpTries = 0;
      const started = Date.now();
      const stats = await drain({ maxAttempts: 3, retryBaseMs: 60, retryMaxMs: 1000 });
      assert.ok(Date.now() - started >= 60 + 120, 'the retries waited (60 ms, then 120 ms)');
      const rows = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['account_id', 'status', 'attempts', 'last_error'])
        .execute();
      assert.deepEqual([stats.sent, stats.failed, stats.bounced, stats.retried], [1, 1, 1, 4]);
      const of = (who: Who) => rows.find((r) => Number(r.account_id) === ids[who])!;
      assert.deepEqual([of('f').status, Number(of('f').attempts), of('f').last_error], ['sent', 3, null]);
      // 550 to RCPT TO: bounced at once, not retried, and the address is undeliverable.
      assert.deepEqual([of('g').status, Number(of('g').attempts)], ['bounced', 1]);
      assert.match(of('g').last_error!, /550/);
      assert.match(of('g').last_error!, /p\*\*\*@mail\.test/);
      assert.doesNotMatch(of('g').last_error!, /perm-volkov/);
      assert.deepEqual([of('h').status, Number(of('h').attempts)], ['failed', 3]);
      assert.match(of('h').last_error!, /451/);
      assert.equal(sentTo('tmp-popova@mail.test').length, 1);
      assert.equal(sentTo('perm-volkov@mail.test').length, 0);
      assert.ok((await subscription('g'))!.bounced_at !== null);
      assert.match((await subscription('g'))!.bounce_reason!, /550.*p\*\*\*@mail\.test/);
      assert.equal((await subscription('h'))!.bounced_at, null, 'a 4xx given up is not a bounce');
      const p = await mailingProgress(t.db.kysely, { period: '2026-06', kind: 'bill' });
      assert.deepEqual(
        [p?.counts.sent, p?.counts.failed, p?.counts.bounced, p?.failures.length],
        [1, 1, 1, 1],
      );
      assert.ok(p!.failures.every((f) => !/perm-volkov|always-zaitseva/.test(f.error)));
    });

    test('reminders: while the readings window is open, to subscribers without a reading this month', async () => {
      await t.db.kysely.deleteFrom('mail_outbox').execute();
      await t.db.kysely.deleteFrom('mail_subscriptions').execute();
      const emails = await subscribeAccounts(t.db, [ids.demo!, ids.b!, ids.c!]);
      const clock = { now: () => new Date('2026-06-20T05:00:00Z') };
      const opts = { reminderDay: 15, readingsLastDay: 25, now: clock.now() };
      await assert.rejects(enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-10' }), /not open today/);
      await assert.rejects(enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-26' }), /not open today/);
      // The demo account sent a reading on 3 June; b and c have none.
      const res = await enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-20' });
      assert.deepEqual(res, { period: '2026-06', queued: 2 });
      // c sends one before the worker gets there: its reminder is cancelled.
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', ids.c!)
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: ids.c!,
          meter_id: Number(meter.id),
          reading_date: '2026-06-20',
          value1: 500,
          value2: null,
          value3: null,
          channel: 'internet',
          status: 'accepted',
          reason: null,
          submitted_at: 0,
          submitted_ip: null,
          billing_period: '2026-06',
        })
        .execute();
      const before = sink.received.length;
      const stats = await drain({}, clock);
      assert.deepEqual([stats.sent, stats.cancelled], [1, 1]);
      const got = sink.received.slice(before);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0]!.rcpt, [emails.get(ids.b!)]);
      const mail = await parse(got[0]!);
      assert.equal(mail.subject, 'Передайте показания счётчика за июнь 2026 г.');
      assert.match(
        mail.text ?? '',
        /По лицевому счёту 1000000101 ещё нет показаний счётчика № 770101 за июнь 2026 г\./,
      );
      assert.match(mail.text ?? '', /до 25\.06\.2026 включительно/);
      assert.equal(
        (mail.headers.get('list') as ListHeaders | undefined)?.['unsubscribe-post']?.name,
        'List-Unsubscribe=One-Click',
      );
      assert.equal(
        (await enqueueReminders(t.db.kysely, { ...opts, today: '2026-06-21' })).queued,
        0,
        'one reminder a month',
      );
    });
  });
}
