import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { ROWS } from './payments.plugin.tsx';

// The payments page's lists in pages of ROWS: more pending orders and unallocated payments than
// one page holds, every row reached once by «Следующие» and «Предыдущие» (plain links, no script),
// the totals shown, and a page that stays put when rows before it go (keyset paging).

const DEMO = '1705057190';
const ORDERS = 2 * ROWS + 30;
const PAYMENTS = ROWS + 30;

/** The address of the link marked `rel`, as a browser reads it from the page. */
function linkOf(html: string, nav: string, rel: 'next' | 'prev'): string | undefined {
  const section = new RegExp(`<nav[^>]*id="${nav}"[^>]*>(.*?)</nav>`, 's').exec(html)?.[1] ?? '';
  const href = new RegExp(`<a href="([^"]*)" rel="${rel}"`).exec(section)?.[1];
  return href?.replace(/&amp;/g, '&');
}

const ordersOf = (html: string) =>
  [...html.matchAll(/<td data-label="Заказ">(P-\d+)<\/td>/g)].map((m) => m[1]!);
const paymentsOf = (html: string) =>
  [...html.matchAll(/action="\/office\/payments\/unallocated\/(\d+)"/g)].map((m) => Number(m[1]));

for (const dialect of await testDialects()) {
  describe(`payments page lists in pages (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;

    before(async () => {
      t = await createTestApp(dialect);
      const k = t.db.kysely;
      const account = await k
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO)
        .executeTakeFirstOrThrow();
      const now = t.clock.now().getTime();
      // Two orders to each minute, inserted newest first: the id alone would give the wrong order.
      const orders = Array.from({ length: ORDERS }, (_, i) => {
        const at = now - (ORDERS - Math.floor(i / 2)) * 60_000;
        const n = `P-${String(i).padStart(3, '0')}`;
        return {
          order_number: n,
          account_id: Number(account.id),
          form_key: `key-${n}`,
          gateway: 'sandbox',
          amount_kop: 10_000 + i,
          status: i % 3 === 0 ? 'new' : 'registered',
          description: 'Оплата электроэнергии',
          receipt: '{}',
          created_at: at,
          updated_at: at,
          expires_at: at + 20 * 60_000,
        };
      });
      for (const o of orders.reverse()) {
        await k.insertInto('payment_orders').values(o).execute();
      }
      // A settled order is not in the list.
      await k
        .insertInto('payment_orders')
        .values({ ...orders[0]!, order_number: 'PAID-1', form_key: 'paid-1', status: 'paid' })
        .execute();

      const run = await k
        .insertInto('import_runs')
        .values({
          kind: 'registry',
          profile: 'sberbank',
          file_name: 'big-registry.txt',
          file_sha256: 'f'.repeat(64),
          file_bytes: 1,
          status: 'applied',
          summary: '{}',
          created_at: now,
          updated_at: now,
          finished_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('registry_payments')
        .values(
          Array.from({ length: PAYMENTS }, (_, i) => ({
            source: 'sberbank',
            operation_id: `op-${i}`,
            import_run_id: Number(run.id),
            line_no: i + 2,
            paid_on: '2026-06-01',
            account_number: '1799999999',
            account_id: null,
            amount_kop: 50_000 + i,
            commission_kop: 0,
            payer_name: `ПЛАТЕЛЬЩИК ${i}`,
            payer_address: 'Абакан',
            period: null,
            reading_values: null,
            status: 'unallocated',
            reason: 'Лицевой счёт не найден',
            payment_id: null,
            allocated_by: null,
            allocated_at: null,
            created_at: now,
          })),
        )
        .execute();
      accountant = (await staffAgent(t, 'buh-pages', ['accountant'], '10.0.0.8')).agent;
    });
    after(async () => t.close());

    const pendingInOrder = async () =>
      (
        await t.db.kysely
          .selectFrom('payment_orders')
          .select('order_number')
          .where('status', 'in', ['new', 'registered'])
          .orderBy('created_at')
          .orderBy('id')
          .execute()
      ).map((r) => r.order_number);

    test('the pending orders: every one reached once, in order, forwards and back', async () => {
      const expected = await pendingInOrder();
      assert.equal(expected.length, ORDERS);
      const first = await accountant.get('/office/payments');
      assert.equal(first.statusCode, 200);
      assert.match(
        textOf(first.body),
        new RegExp(`Ждут ответа банка: ${ORDERS}; показаны 1–${ROWS}, от самых старых\\.`),
      );
      assert.equal(linkOf(first.body, 'pending-pages', 'prev'), undefined);
      const pages = [first.body];
      let next = linkOf(first.body, 'pending-pages', 'next');
      while (next) {
        const res = await accountant.get(next);
        assert.equal(res.statusCode, 200, next);
        pages.push(res.body);
        next = linkOf(res.body, 'pending-pages', 'next');
      }
      assert.equal(pages.length, 3);
      assert.deepEqual(pages.flatMap(ordersOf), expected);
      assert.deepEqual(ordersOf(pages[2]!), expected.slice(2 * ROWS));
      assert.match(textOf(pages[2]!), new RegExp(`показаны ${2 * ROWS + 1}–${ORDERS}`));
      // Back from the last page: the second again, row for row.
      const back = await accountant.get(linkOf(pages[2]!, 'pending-pages', 'prev')!);
      assert.deepEqual(ordersOf(back.body), expected.slice(ROWS, 2 * ROWS));
      assert.match(textOf(back.body), new RegExp(`показаны ${ROWS + 1}–${2 * ROWS}`));
      const start = await accountant.get(linkOf(back.body, 'pending-pages', 'prev')!);
      assert.deepEqual(ordersOf(start.body), expected.slice(0, ROWS));
      assert.equal(linkOf(start.body, 'pending-pages', 'prev'), undefined);
    });

    test('a page stays put when rows before it are settled meanwhile', async () => {
      const expected = await pendingInOrder();
      const first = await accountant.get('/office/payments');
      const next = linkOf(first.body, 'pending-pages', 'next')!;
      // Five orders of the first page are paid while the accountant reads it.
      await t.db.kysely
        .updateTable('payment_orders')
        .set({ status: 'paid' })
        .where('order_number', 'in', expected.slice(0, 5))
        .execute();
      const second = await accountant.get(next);
      assert.deepEqual(ordersOf(second.body), expected.slice(ROWS, 2 * ROWS));
      assert.match(
        textOf(second.body),
        new RegExp(`Ждут ответа банка: ${ORDERS - 5}; показаны ${ROWS - 4}–`),
      );
      await t.db.kysely
        .updateTable('payment_orders')
        .set({ status: 'registered' })
        .where('order_number', 'in', expected.slice(0, 5))
        .execute();
    });

    test('the unallocated payments: row 101 and on, the orders list kept where it was', async () => {
      const first = await accountant.get('/office/payments');
      const ids = paymentsOf(first.body);
      assert.equal(ids.length, ROWS);
      assert.match(textOf(first.body), new RegExp(`Ждут лицевого счёта: ${PAYMENTS}; показаны 1–${ROWS}`));
      const ordersNext = linkOf(first.body, 'pending-pages', 'next')!;
      const onSecondOrders = await accountant.get(ordersNext);
      const next = linkOf(onSecondOrders.body, 'unallocated-pages', 'next')!;
      assert.match(next, /orders=after-/, 'the orders list keeps its page');
      const second = await accountant.get(next);
      const rest = paymentsOf(second.body);
      assert.equal(rest.length, PAYMENTS - ROWS);
      assert.ok(Math.min(...rest) > Math.max(...ids));
      assert.match(textOf(second.body), new RegExp(`показаны ${ROWS + 1}–${PAYMENTS}`));
      assert.match(textOf(second.body), /ПЛАТЕЛЬЩИК 100\b/);
      assert.deepEqual(ordersOf(second.body), ordersOf(onSecondOrders.body));
      assert.equal(linkOf(second.body, 'unallocated-pages', 'next'), undefined);
      assert.ok(linkOf(second.body, 'unallocated-pages', 'prev'));

      // A payment of the second page: refused, its form is shown with the message; allocated, the page stays.
      const target = rest[5]!;
      const url = `/office/payments/unallocated/${target}`;
      const position = /name="registry" value="([^"]+)"/.exec(second.body)![1]!;
      const refused = await accountant.post(url, { account: DEMO, reason: ' ', registry: position });
      assert.equal(refused.statusCode, 400);
      assert.ok(paymentsOf(refused.body).includes(target));
      assert.match(
        refused.body,
        new RegExp(`id="allocate-${target}-reason-error"[^>]*>[^<]*Укажите причину`),
      );
      const done = await accountant.post(url, {
        account: DEMO,
        reason: 'письмо плательщика',
        registry: position,
      });
      assert.equal(done.statusCode, 200);
      assert.match(textOf(done.body), /зачислен на лицевой счёт 1705057190/);
      assert.deepEqual(
        paymentsOf(done.body),
        rest.filter((id) => id !== target),
      );
      assert.match(
        textOf(done.body),
        new RegExp(`Ждут лицевого счёта: ${PAYMENTS - 1}; показаны ${ROWS + 1}–${PAYMENTS - 1}`),
      );
    });

    test('an address past the end or made up shows a way back, never an error', async () => {
      const past = await accountant.get('/office/payments?registry=after-999999999');
      assert.equal(past.statusCode, 200);
      assert.match(textOf(past.body), /Ждут лицевого счёта: \d+; на этой странице строк больше нет/);
      assert.equal(paymentsOf(past.body).length, 0);
      assert.match(past.body, /<a href="\/office\/payments">К началу списка<\/a>/);
      const junk = await accountant.get('/office/payments?registry=%27%3B--&orders=before-x');
      assert.equal(junk.statusCode, 200);
      assert.equal(paymentsOf(junk.body).length, ROWS);
    });
  });
}
