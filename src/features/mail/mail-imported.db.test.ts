import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, cookieHeader, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { confirmPathOf, parse, type SmtpSink } from '../../../test/mail-support.ts';
import { enqueueBillMailing } from './mailing.ts';
import { markUndeliverable } from './subscription.repository.ts';
import { mailFixture, people, type Who } from './mail-fixture.db.test.ts';

// The accounts import's e-mail address (`accounts.imported_email`, issue 19): offered, masked, in
// the cabinet while no address is confirmed; accepting starts the usual double opt-in. Never
// offered when an address is confirmed, when the customer gave it up (deleted, replaced, bounced),
// or when there is none.

const OFFER = /В ваших данных у поставщика указан адрес (\S+) ?\. Получать счета на него\?/;
const ACCEPT = /<input type="hidden" name="action" value="imported"\/>/;
const EMPTY_FIELD = /<input id="mail-email" name="email" type="email"[^>]*\svalue(?:="")?[\s/>]/;

for (const dialect of await testDialects()) {
  describe(`bills by e-mail: the accounts import's address (${dialect})`, () => {
    const f = mailFixture(dialect);
    const { ids, session, subscription, sentTo } = f;
    let t: TestApp;
    let sink: SmtpSink;
    before(() => {
      t = f.t;
      sink = f.sink;
    });

    const setImported = (who: Who, email: string | null) =>
      t.db.kysely
        .updateTable('accounts')
        .set({ imported_email: email })
        .where('id', '=', ids[who]!)
        .execute();
    const offerOf = (html: string) => OFFER.exec(textOf(html))?.[1];
    const page = async (agent: Agent, path = '/cabinet') => {
      const res = await agent.get(path);
      assert.equal(res.statusCode, 200);
      return res.body;
    };
    const outboxOf = (who: Who) =>
      t.db.kysely
        .selectFrom('mail_outbox')
        .select(['kind', 'status'])
        .where('account_id', '=', ids[who]!)
        .execute();
    const auditOf = (who: Who) =>
      t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'outcome', 'details'])
        .where('account_number', '=', people[who].number)
        .where('event', 'like', 'email%')
        .orderBy('id')
        .execute();

    test('offered masked; accepting sends the link only; no bill until it is followed, then it is the subscription', async () => {
      await setImported('b', 'Petrova.A@Example.RU');
      const address = 'petrova.a@example.ru';
      const { agent, html } = await session('b');
      assert.equal(offerOf(html), 'p***@example.ru');
      assert.match(html, ACCEPT);
      assert.doesNotMatch(html, /petrova\.a@/i, 'the full address is never on the page');
      assert.match(html, EMPTY_FIELD, 'the usual form, empty, for another address');
      assert.equal(await subscription('b'), undefined);
      assert.equal(sentTo(address).length, 0);

      const before = sink.received.length;
      const res = await agent.post('/cabinet/email', { action: 'imported' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
      await sink.waitFor(before + 1);
      const msg = sink.received[before]!;
      assert.deepEqual(msg.rcpt, [address]);
      assert.equal((await parse(msg)).subject, 'Подтвердите адрес для квитанций по электронной почте');
      const row = await subscription('b');
      assert.equal(row?.email, address);
      assert.equal(row?.confirmed_at, null);
      assert.equal(Number(row?.subscribed), 1);

      const pending = await page(agent, String(res.headers.location));
      assert.match(textOf(pending), /На указанный адрес отправлено письмо со ссылкой для подтверждения/);
      assert.match(textOf(pending), /Адрес p\*\*\*@example\.ru ожидает подтверждения/);
      assert.doesNotMatch(pending, /petrova\.a@/i, 'still masked once stored');
      assert.equal(offerOf(pending), undefined);

      // Not confirmed: the mailing queues nothing for it, a worker sends it nothing.
      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      assert.deepEqual(await outboxOf('b'), []);
      await f.drain();
      assert.equal(sentTo(address).length, 1, 'only the confirmation');

      const phone = new Agent(t.app, '10.60.1.1');
      const path = await confirmPathOf(msg);
      assert.match(textOf((await phone.get(path)).body), /на адрес p\*\*\*@example\.ru/);
      assert.equal((await phone.post(path, {})).statusCode, 200);
      assert.notEqual((await subscription('b'))?.confirmed_at, null);

      await enqueueBillMailing(t.db.kysely, { period: '2026-06', now: new Date() });
      assert.deepEqual(await outboxOf('b'), [{ kind: 'bill', status: 'queued' }]);
      await f.drain();
      const bills = sentTo(address).slice(1);
      assert.equal(bills.length, 1);
      assert.deepEqual(bills[0]!.rcpt, [address]);
      assert.equal(
        (await parse(bills[0]!)).subject,
        `Квитанция за июнь 2026 г., лицевой счёт ${people.b.number}`,
      );

      const confirmed = await page(agent);
      assert.match(textOf(confirmed), /Адрес p\*\*\*@example\.ru подтверждён\. Квитанции отправляются/);
      assert.equal(offerOf(confirmed), undefined);
      assert.doesNotMatch(confirmed, ACCEPT);

      const audit = await auditOf('b');
      assert.deepEqual(
        audit.map((a) => `${a.event}:${a.outcome}`),
        ['email_change:pending', 'email_confirmation:sent', 'email_confirm:confirmed'],
      );
      assert.equal((JSON.parse(audit[0]!.details ?? '{}') as { source?: string }).source, 'import');
      for (const a of audit) {
        assert.match(a.details ?? '', /"p\*\*\*@example\.ru"/);
        assert.doesNotMatch(a.details ?? '', /petrova/);
      }
    });

    test('the import’s address, stored, is kept by an empty field: unticking needs no retyping', async () => {
      await setImported('h', 'zaitseva@example.ru');
      const { agent } = await session('h');
      assert.equal((await agent.post('/cabinet/email', { action: 'imported' })).statusCode, 303);
      const html = await page(agent);
      assert.match(html, EMPTY_FIELD);
      assert.match(textOf(html), /оставьте поле пустым, чтобы сохранить его/);
      const res = await agent.post('/cabinet/email', { email: '', action: 'save' });
      assert.equal(res.headers.location, '/cabinet?mail=saved#mail-form');
      const row = await subscription('h');
      assert.equal(row?.email, 'zaitseva@example.ru');
      assert.equal(Number(row?.subscribed), 0);
      // Another address typed replaces it, as for any address.
      const other = await agent.post('/cabinet/email', { email: 'z@mail.test', action: 'save' });
      assert.equal(other.headers.location, '/cabinet?mail=sent#mail-form');
      assert.equal((await subscription('h'))?.email, 'z@mail.test');
      assert.equal(offerOf(await page(agent)), undefined, 'the replaced import address is not offered back');
    });

    test('no offer once an address is confirmed; a stale accept changes nothing', async () => {
      await setImported('c', 'sidorov@example.ru');
      const { agent } = await session('c');
      const path = await f.saveAndGetLink(agent, 'sidorov.own@mail.test');
      // Awaiting confirmation is not confirmed: the import's address is still offered.
      assert.equal(offerOf(await page(agent)), 's***@example.ru');
      assert.equal((await agent.post(path, {})).statusCode, 303);
      const html = await page(agent);
      assert.equal(offerOf(html), undefined);
      assert.doesNotMatch(html, ACCEPT);

      const res = await agent.post('/cabinet/email', { action: 'imported' });
      assert.equal(res.headers.location, '/cabinet?mail=offer_gone#mail-form');
      assert.match(textOf(await page(agent, String(res.headers.location))), /больше не предлагается/);
      assert.equal((await subscription('c'))?.email, 'sidorov.own@mail.test');
      assert.notEqual((await subscription('c'))?.confirmed_at, null);
      assert.equal(sentTo('sidorov@example.ru').length, 0);
    });

    test('never offered when the customer deleted it, or deleted an address it equals', async () => {
      await setImported('d', 'kuznetsova@example.ru');
      const { agent } = await session('d');
      assert.equal((await agent.post('/cabinet/email', { action: 'imported' })).statusCode, 303);
      const del = await agent.post('/cabinet/email', { action: 'delete' });
      assert.equal(del.headers.location, '/cabinet?mail=deleted#mail-form');
      assert.equal(await subscription('d'), undefined);
      assert.equal(offerOf(await page(agent)), undefined);
      assert.equal(
        (await agent.post('/cabinet/email', { action: 'imported' })).headers.location,
        '/cabinet?mail=offer_gone#mail-form',
      );
      assert.equal(await subscription('d'), undefined);
      assert.equal(sentTo('kuznetsova@example.ru').length, 1, 'only the first confirmation');

      // An address the customer typed and deleted, which a later import file brings.
      await f.saveAndGetLink(agent, 'kuz.typed@mail.test');
      await agent.post('/cabinet/email', { action: 'delete' });
      await setImported('d', 'KUZ.Typed@mail.test');
      assert.equal(offerOf(await page(agent)), undefined);
      // A new address in the import is offered.
      await setImported('d', 'kuz.new@example.ru');
      assert.equal(offerOf(await page(agent)), 'k***@example.ru');
      // Only keyed hashes of the deleted addresses are kept.
      const kept = await t.db.kysely
        .selectFrom('mail_removed_addresses')
        .selectAll()
        .where('account_id', '=', ids.d!)
        .execute();
      assert.deepEqual(
        kept.map((r) => r.reason),
        ['deleted', 'deleted'],
      );
      assert.doesNotMatch(JSON.stringify(kept), /kuz/i);
    });

    test('never offered when mail to it bounced, nor after it was replaced', async () => {
      await setImported('f', 'popova@example.ru');
      const { agent } = await session('f');
      const before = sink.received.length;
      await agent.post('/cabinet/email', { action: 'imported' });
      await sink.waitFor(before + 1);
      assert.equal((await agent.post(await confirmPathOf(sink.received[before]!), {})).statusCode, 303);
      assert.ok(
        await markUndeliverable(t.db.kysely, {
          accountId: ids.f!,
          email: 'popova@example.ru',
          reason: '550 5.1.1 mailbox unavailable',
          now: Date.now(),
          sentAt: null,
        }),
      );
      let html = await page(agent);
      assert.match(textOf(html), /Квитанции не удалось доставить на адрес p\*\*\*@example\.ru/);
      assert.equal(offerOf(html), undefined);
      await f.saveAndGetLink(agent, 'popova.new@mail.test');
      html = await page(agent);
      assert.match(textOf(html), /Адрес popova\.new@mail\.test ожидает подтверждения/);
      assert.equal(offerOf(html), undefined, 'the bounced address is not offered back');
      assert.equal(
        (await agent.post('/cabinet/email', { action: 'imported' })).headers.location,
        '/cabinet?mail=offer_gone#mail-form',
      );
      assert.equal((await subscription('f'))?.email, 'popova.new@mail.test');
    });

    test('no offer without an imported address, or with one that is not an address', async () => {
      await setImported('e', null);
      const { agent, html } = await session('e');
      assert.equal(offerOf(html), undefined);
      assert.doesNotMatch(html, ACCEPT);
      const res = await agent.post('/cabinet/email', { action: 'imported' });
      assert.equal(res.headers.location, '/cabinet?mail=offer_gone#mail-form');
      assert.equal(await subscription('e'), undefined);
      await setImported('e', 'smirnov at example.ru');
      assert.equal(offerOf(await page(agent)), undefined);
      assert.equal(
        (await agent.post('/cabinet/email', { action: 'imported' })).headers.location,
        '/cabinet?mail=offer_gone#mail-form',
      );
      assert.equal(await subscription('e'), undefined);
      assert.deepEqual(await auditOf('e'), []);
    });

    test('CSRF and bad input: nothing stored or sent; a posted address never replaces the import’s', async () => {
      await setImported('g', 'volkov@example.ru');
      const { agent } = await session('g');
      const bare = await t.app.inject({
        method: 'POST',
        url: '/cabinet/email',
        payload: 'action=imported',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
      });
      assert.equal(bare.statusCode, 403);
      const crossSite = await agent.post(
        '/cabinet/email',
        { action: 'imported' },
        { 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(crossSite.statusCode, 403);
      const anon = new Agent(t.app, '10.60.1.2');
      await anon.get('/cabinet');
      assert.equal((await anon.post('/cabinet/email', { action: 'imported' })).statusCode, 401);
      assert.equal(await subscription('g'), undefined);
      assert.equal(sentTo('volkov@example.ru').length, 0);

      // A bad address typed in the form: the message next to the field, the offer still there.
      const bad = await agent.post('/cabinet/email', { email: 'volkov@', subscribed: 'yes', action: 'save' });
      assert.equal(bad.statusCode, 400);
      assert.match(
        /id="mail-email-error"[^>]*>([^<]*)</.exec(bad.body)?.[1] ?? '',
        /Адрес электронной почты указан не полностью/,
      );
      assert.equal(offerOf(bad.body), 'v***@example.ru');
      assert.equal(await subscription('g'), undefined);

      // The body cannot name the address: the server reads the import's for the session's account.
      const before = sink.received.length;
      const res = await agent.post('/cabinet/email', { action: 'imported', email: 'evil@attacker.test' });
      assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
      await sink.waitFor(before + 1);
      assert.equal((await subscription('g'))?.email, 'volkov@example.ru');
      assert.equal(sentTo('evil@attacker.test').length, 0);
    });
  });
}
