import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import {
  Agent,
  addAccount,
  createTestApp,
  reopenDb,
  secondInstance,
  testDialects,
  textOf,
  type TestApp,
} from '../helpers.ts';
import type { Db } from '../../src/db/connect.ts';
import { buildApp } from '../../src/app.ts';
import { createPageCache } from '../../src/cabinet/page-cache.ts';
import { pageVersionProblem } from '../../src/db/page-versions.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

// The main page is cached per account (src/cabinet/page-cache.ts). Each test
// views a page (filling the cache), changes the data behind the app's back (another connection,
// as another instance, an import or an operator in psql would) and views it again.
for (const dialect of await testDialects()) {
  describe(`the main page cache (${dialect})`, () => {
    let t: TestApp;
    let other: Db; // another connection to the same database
    let agent: Agent;
    let accountId: number;
    before(async () => {
      t = await createTestApp(dialect); // today: 2026-06-10 in Krasnoyarsk
      accountId = await addAccount(t.db, {
        number: '1000000033',
        surname: 'Кешева',
        serial: '424242',
        payments: [['2026-03-03', 10_000]],
      });
      other = reopenDb(t.dbUrl);
      agent = new Agent(t.app, '10.77.0.1');
      assert.equal((await agent.login('1000000033', 'Кешева')).statusCode, 303);
    });
    after(async () => {
      await other.close();
      await t.close();
    });

    async function view(a = agent) {
      const res = await a.get('/cabinet');
      assert.equal(res.statusCode, 200);
      return { html: res.body, text: textOf(res.body) };
    }

    /** Views the page twice, so that the second view is served from the cache; returns it. */
    async function cachedView() {
      await view();
      const hits = t.app.pageCache.hits;
      const page = await view();
      assert.equal(t.app.pageCache.hits, hits + 1, 'the second view of an unchanged account is a cache hit');
      return page;
    }

    test('an unchanged account is served from the cache, with this response’s CSRF token and form key', async () => {
      const first = await view();
      const hits = t.app.pageCache.hits;
      const second = await view();
      assert.equal(t.app.pageCache.hits, hits + 1);
      const formKey = (html: string) => /name="key" value="([^"]+)"/.exec(html)?.[1];
      assert.ok(formKey(first.html) && formKey(second.html));
      assert.notEqual(
        formKey(first.html),
        formKey(second.html),
        'each page carries a fresh reading-form key',
      );
      const csrf = (html: string) => [...html.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(csrf(second.html).length >= 2);
      for (const token of csrf(second.html)) assert.equal(token, agent.csrf);
      // Apart from those, the same page.
      const strip = (html: string) => html.replace(/name="(?:key|_csrf)" value="[^"]+"/g, '');
      assert.equal(strip(second.html), strip(first.html));
    });

    test('a payment written by another connection shows on the next view', async () => {
      const before = await cachedView();
      assert.doesNotMatch(before.text, /2026-06-01 456\.78/);
      await other.kysely
        .insertInto('payments')
        .values({
          account_id: accountId,
          paid_on: '2026-06-01',
          amount_kop: 45_678,
          channel: 'bank',
          external_id: null,
          created_at: 0,
        })
        .execute();
      const after = await view();
      assert.match(after.text, /2026-06-01 456\.78/);
      // The new stamp has at most 12 digits: nothing in the database may look like a card number.
      const stamp = await other.kysely
        .selectFrom('accounts')
        .select('page_version')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      assert.ok(Number(stamp.page_version) < 1e12, `stamp ${stamp.page_version}`);
      assert.notEqual(
        /Сумма к оплате[^|]*?руб\./.exec(after.text)?.[0],
        /Сумма к оплате[^|]*?руб\./.exec(before.text)?.[0],
        'the balance moved with the payment',
      );
    });

    test('a reading accepted after review, and then deleted, shows each time', async () => {
      const meter = await other.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      await other.kysely
        .insertInto('readings')
        .values({
          account_id: accountId,
          meter_id: Number(meter.id),
          reading_date: '2026-06-05',
          value1: 31_337,
          channel: 'grid',
          status: 'review',
          submitted_at: 0,
        })
        .execute();
      assert.match((await cachedView()).text, /2026-06-05 31337 Сетевая компания на проверке/);
      await other.kysely
        .updateTable('readings')
        .set({ status: 'accepted' })
        .where('value1', '=', 31_337)
        .execute();
      assert.match((await view()).text, /2026-06-05 31337 Сетевая компания принято/);
      await cachedView();
      await other.kysely.deleteFrom('readings').where('value1', '=', 31_337).execute();
      assert.doesNotMatch((await view()).text, /31337/);
    });

    test('a charge written by the closing shows on the next view', async () => {
      assert.doesNotMatch((await cachedView()).html, /bills\/2026-05\.pdf/);
      await other.kysely
        .insertInto('charges')
        .values({
          account_id: accountId,
          period: '2026-05',
          billed_on: '2026-05-31',
          reading_id: null,
          reading_value: null,
          kwh: 150,
          amount_kop: 24_150,
          method: 'norm',
          odn_kwh: 0,
          odn_kop: 0,
          payments_kop: 0,
          debt_start_kop: -10_000,
          debt_kop: 14_150,
          tariff_e5: 161_000,
        })
        .execute();
      const after = await view();
      assert.match(after.html, /href="\/cabinet\/bills\/2026-05\.pdf"/);
      assert.match(after.text, /2026-05-31 по нормативу/);
    });

    test('a change of the meter, the account or the tariff shows on the next view', async () => {
      assert.doesNotMatch((await cachedView()).text, /ВНИМАНИЕ!/);
      await other.kysely
        .updateTable('meters')
        .set({ verification_due: '2026-07-01' })
        .where('account_id', '=', accountId)
        .execute();
      assert.match((await view()).text, /ВНИМАНИЕ! .* наступит 2026-07-01/);

      assert.match((await cachedView()).text, /Количество прописанных человек 2/);
      // No trigger on accounts: the row is read and compared on every view.
      await other.kysely.updateTable('accounts').set({ residents: 4 }).where('id', '=', accountId).execute();
      assert.match((await view()).text, /Количество прописанных человек 4/);

      const plan = await other.kysely
        .selectFrom('accounts')
        .select('tariff_plan_id')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      assert.doesNotMatch((await cachedView()).text, /Тариф, РУБ 9\.87650/);
      await other.kysely
        .insertInto('tariff_prices')
        .values({
          plan_id: Number(plan.tariff_plan_id),
          zone: 'single',
          band: 'base',
          valid_from: '2026-06-01',
          price_e5: 987_650,
        })
        .execute();
      assert.match((await view()).text, /Тариф, РУБ 9\.87650/);
      await other.kysely.deleteFrom('tariff_prices').where('price_e5', '=', 987_650).execute();
    });

    test('an e-mail address stored by another connection shows on the next view, and a notice is built around the cached sections', async () => {
      assert.doesNotMatch((await cachedView()).html, /kesheva@example\.org/);
      await other.kysely
        .insertInto('mail_subscriptions')
        .values({
          account_id: accountId,
          email: 'kesheva@example.org',
          subscribed: 1,
          confirmed_at: null,
          unsubscribe_hash: 'page-cache-test',
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      const stored = await view();
      assert.match(stored.html, /value="kesheva@example\.org"/);
      const hits = t.app.pageCache.hits;
      const notice = await agent.get('/cabinet?mail=saved');
      assert.equal(notice.statusCode, 200);
      assert.equal(t.app.pageCache.hits, hits + 1, 'the sections come from the cache');
      assert.match(textOf(notice.body), /Информация сохранена\./);
      assert.match(notice.body, /value="kesheva@example\.org"/);
      assert.match(textOf(notice.body), /Номер счетчика 424242/);
      assert.doesNotMatch(
        (await view()).text,
        /Информация сохранена/,
        'the notice is not kept for the next view',
      );
      await other.kysely.deleteFrom('mail_subscriptions').where('account_id', '=', accountId).execute();
      assert.doesNotMatch((await view()).html, /kesheva@example\.org/);
    });

    test('on the next day the page is built again (the verification warning’s 90 days)', async () => {
      // Due in 91 days: no warning today; tomorrow it is 90 days off and the warning appears.
      await other.kysely
        .updateTable('meters')
        .set({ verification_due: '2026-09-09' })
        .where('account_id', '=', accountId)
        .execute();
      assert.doesNotMatch((await cachedView()).text, /ВНИМАНИЕ!/);
      t.clock.advance(24 * 3_600_000);
      try {
        // The day's first visit: a new session (the morning's has timed out), the same account.
        const tomorrow = new Agent(t.app, '10.77.0.4');
        assert.equal((await tomorrow.login('1000000033', 'Кешева')).statusCode, 303);
        assert.match((await view(tomorrow)).text, /ВНИМАНИЕ! .* наступит 2026-09-09/);
      } finally {
        t.clock.advance(-24 * 3_600_000);
      }
    });

    test('a reading submitted through another instance shows on this one', async () => {
      const b = await secondInstance(t);
      try {
        const other = new Agent(b.app, '10.77.0.2');
        assert.equal((await other.login('1000000033', 'Кешева')).statusCode, 303);
        await cachedView();
        const form = await other.get('/cabinet');
        const key = /name="key" value="([^"]+)"/.exec(form.body)![1]!;
        const meter = /name="meter" value="([^"]+)"/.exec(form.body)![1]!;
        const res = await other.post('/cabinet/readings', { meter, key, v1: '120' });
        assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
        assert.match((await view()).text, /2026-06-10 120 Интернет/);
      } finally {
        await b.close();
      }
    });

    /** Switches one trigger off: dropped on SQLite; on PostgreSQL disabled, or set to fire for replicas only. */
    async function triggerOff(how: 'drop' | 'replica' = 'drop') {
      if (dialect === 'sqlite') await sql`drop trigger page_version_payments_insert`.execute(other.kysely);
      else if (how === 'replica')
        await sql`alter table payments enable replica trigger page_version_payments_insert`.execute(
          other.kysely,
        );
      else await sql`alter table payments disable trigger page_version_payments_insert`.execute(other.kysely);
    }

    async function triggerOn() {
      if (dialect === 'postgres')
        await sql`alter table payments enable trigger page_version_payments_insert`.execute(other.kysely);
      else await migrateToLatest(other); // puts back what is missing, every time
      assert.equal(await pageVersionProblem(other.kysely, dialect), null);
    }

    test('with PAGE_CACHE_MB=0 the cache is off', async () => {
      assert.equal(t.app.pageCache.enabled, true);
      const warnings: string[] = [];
      assert.equal((await createPageCache(t.db, 0, (m) => warnings.push(m))).enabled, false);
      assert.equal(warnings.length, 0);
    });

    test('a trigger missing or not firing at start: the cache is off, says why, and the page is still right', async () => {
      for (const how of dialect === 'postgres' ? (['drop', 'replica'] as const) : (['drop'] as const)) {
        await triggerOff(how);
        try {
          assert.match(
            String(await pageVersionProblem(t.db.kysely, dialect)),
            /1 of the \d+ page_version triggers are missing or not firing \(page_version_payments_insert\)/,
          );
          const warnings: string[] = [];
          assert.equal((await createPageCache(t.db, 1 << 20, (m) => warnings.push(m))).enabled, false);
          assert.match(warnings.join('\n'), /main page cache off: 1 of the \d+ page_version triggers/);

          const app = await buildApp({ config: t.config, db: t.db, clock: t.clock, logLevel: false });
          try {
            assert.equal(app.pageCache.enabled, false);
            const a = new Agent(app, '10.77.0.3');
            assert.equal((await a.login('1000000033', 'Кешева')).statusCode, 303);
            await view(a);
            await view(a);
            const amount = how === 'drop' ? 11_111 : 11_112;
            await other.kysely
              .insertInto('payments')
              .values({
                account_id: accountId,
                paid_on: '2026-06-02',
                amount_kop: amount,
                channel: 'bank',
                external_id: null,
                created_at: 0,
              })
              .execute();
            assert.match(
              (await view(a)).text,
              new RegExp(`2026-06-02 ${(amount / 100).toFixed(2).replace('.', '\\.')}`),
            );
            assert.equal(app.pageCache.hits, 0);
          } finally {
            await app.close();
          }
        } finally {
          await triggerOn();
        }
      }
    });

    test('a trigger lost while running: the next check empties the cache and turns it off, a later one on again', async () => {
      await cachedView();
      assert.ok(t.app.pageCache.entries > 0);
      await triggerOff();
      try {
        await t.app.pageCache.recheck();
        assert.equal(t.app.pageCache.enabled, false);
        assert.equal(t.app.pageCache.entries, 0);
        const hits = t.app.pageCache.hits;
        await view();
        await view();
        assert.equal(t.app.pageCache.hits, hits, 'nothing is cached while a trigger is missing');
      } finally {
        await triggerOn();
      }
      await t.app.pageCache.recheck();
      assert.equal(t.app.pageCache.enabled, true);
      await cachedView();
    });

    test('two accounts viewed in turn each get their own sections', async () => {
      const otherId = await addAccount(t.db, {
        number: '1100000041',
        surname: 'Другова',
        serial: '515151',
        payments: [['2026-02-02', 77_700]],
      });
      const b = new Agent(t.app, '10.77.0.5');
      assert.equal((await b.login('1100000041', 'Другова')).statusCode, 303);
      for (let i = 0; i < 3; i++) {
        const mine = await view();
        const theirs = await view(b);
        assert.match(mine.text, /Номер счетчика 424242/);
        assert.doesNotMatch(mine.text, /515151|Другова|777\.00/);
        assert.match(theirs.text, /Номер счетчика 515151 .*2026-02-02 777\.00/);
        assert.doesNotMatch(theirs.text, /424242|Кешева|1000000033/);
      }
      // A row moved from one account to another changes both pages.
      await other.kysely
        .updateTable('payments')
        .set({ account_id: accountId })
        .where('account_id', '=', otherId)
        .execute();
      assert.match((await view()).text, /2026-02-02 777\.00/);
      assert.doesNotMatch((await view(b)).text, /777\.00/);
    });

    if (dialect === 'postgres') {
      test('TRUNCATE of a table the page shows is seen too (PostgreSQL)', async () => {
        await other.kysely.schema
          .createTable('payments_saved')
          .as(other.kysely.selectFrom('payments').selectAll())
          .execute();
        try {
          assert.match((await cachedView()).text, /2026-03-03 100\.00/);
          await sql`truncate payment_orders, payments`.execute(other.kysely);
          assert.doesNotMatch((await view()).text, /2026-03-03 100\.00/);
        } finally {
          await sql`insert into payments select * from payments_saved`.execute(other.kysely);
          await other.kysely.schema.dropTable('payments_saved').execute();
        }
        assert.match((await view()).text, /2026-03-03 100\.00/);
      });
    }

    test('control: a write that skips the triggers is not seen, so the tests above do test the cache', async () => {
      const before = await cachedView();
      if (dialect === 'postgres') {
        await other.kysely.transaction().execute(async (tx) => {
          await sql`set local portal.bulk_load = 'on'`.execute(tx);
          await tx
            .insertInto('payments')
            .values({
              account_id: accountId,
              paid_on: '2026-06-03',
              amount_kop: 22_222,
              channel: 'bank',
              external_id: null,
              created_at: 0,
            })
            .execute();
        });
      } else {
        await triggerOff();
        await other.kysely
          .insertInto('payments')
          .values({
            account_id: accountId,
            paid_on: '2026-06-03',
            amount_kop: 22_222,
            channel: 'bank',
            external_id: null,
            created_at: 0,
          })
          .execute();
        await triggerOn();
      }
      const stale = await view();
      assert.doesNotMatch(stale.text, /2026-06-03 222\.22/);
      assert.equal(
        textOf(stale.html.replace(/name="(?:key|_csrf)" value="[^"]+"/g, '')),
        textOf(before.html.replace(/name="(?:key|_csrf)" value="[^"]+"/g, '')),
      );
      // Any later write to the account brings it back.
      await other.kysely
        .updateTable('payments')
        .set({ channel: 'bank' })
        .where('amount_kop', '=', 22_222)
        .execute();
      assert.match((await view()).text, /2026-06-03 222\.22/);
    });
  });
}
