import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { runImport } from '../../features/imports/engine.ts';
import { registryFormat } from '../../features/imports/registry.format.ts';
import { findProfile, loadProfiles } from '../../features/imports/registry.profiles.ts';

// The accountant's payments page (issue 18): card and СБП orders the bank has not settled, the
// last reconciliation, and the unallocated payments of registry imports, each credited to an
// account with a reason, audited; refused input stores nothing; other roles and posts without
// the CSRF token are refused.

const SAMPLE = path.join(import.meta.dirname, '../../../samples/registry-sberbank.txt');
const DEMO = '1705057190';

/** The table's rows as the cells' text. */
const rowsOf = (html: string, id: string) => {
  const table = new RegExp(`<table[^>]*id="${id}"[^>]*>(.*?)</table>`, 's').exec(html);
  assert.ok(table, `table ${id}`);
  return [...table[1]!.matchAll(/<tr>(.*?)<\/tr>/gs)]
    .map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => textOf(c[1]!)))
    .filter((cells) => cells.length > 0);
};

for (const dialect of await testDialects()) {
  describe(`payments in the back office (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let accountantId: number;
    let operator: Agent;
    let admin: Agent;
    let unallocatedId: number;

    before(async () => {
      t = await createTestApp(dialect);
      const k = t.db.kysely;
      // The sample registry: two payments to the demo account, one to 1799999999 (no such account).
      const profile = findProfile(loadProfiles(), 'sberbank');
      const deps = { clock: t.clock, timeZone: t.config.timeZone, readingsLastDay: t.config.readingsLastDay };
      const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-office-payments-')), 'r.csv');
      const summary = await runImport(k, registryFormat(profile, deps), SAMPLE, {
        apply: true,
        clock: t.clock,
        reportPath: report,
        source: { encoding: profile.encoding, delimiter: profile.delimiter },
      });
      assert.equal(summary.status, 'applied');
      const u = await k
        .selectFrom('registry_payments')
        .select('id')
        .where('status', '=', 'unallocated')
        .executeTakeFirstOrThrow();
      unallocatedId = Number(u.id);

      const account = await k
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO)
        .executeTakeFirstOrThrow();
      const now = t.clock.now().getTime();
      const order = (n: string, status: string, ageMin: number, method: string, amountKop: number) => ({
        order_number: n,
        account_id: Number(account.id),
        form_key: `key-${n}`,
        gateway: 'sandbox',
        amount_kop: amountKop,
        status,
        description: 'Оплата электроэнергии',
        receipt: '{}',
        created_at: now - ageMin * 60_000,
        updated_at: now - ageMin * 60_000,
        expires_at: now - ageMin * 60_000 + 20 * 60_000,
        method,
      });
      await k
        .insertInto('payment_orders')
        .values([
          order('T-NEW', 'new', 1, 'card', 50_000),
          order('T-PAID', 'paid', 180, 'card', 10_000),
          order('T-REG', 'registered', 120, 'sbp', 123_456),
        ])
        .execute();

      const a = await staffAgent(t, 'buh', ['accountant'], '10.0.0.8');
      accountant = a.agent;
      accountantId = a.id;
      operator = (await staffAgent(t, 'oper', ['operator'], '10.0.0.9')).agent;
      admin = (await staffAgent(t, 'adm', ['admin'], '10.0.0.10')).agent;
    });
    after(async () => t.close());

    /** What the allocation may have changed. */
    async function state() {
      const k = t.db.kysely;
      const [reg, pays, audit] = await Promise.all([
        k
          .selectFrom('registry_payments')
          .select(['status', 'account_id', 'allocated_by'])
          .where('id', '=', unallocatedId)
          .executeTakeFirstOrThrow(),
        k.selectFrom('payments').select('external_id').where('external_id', 'like', 'registry:%').execute(),
        auditRows(t, 'payment'),
      ]);
      return {
        status: reg.status,
        allocatedBy: reg.allocated_by,
        payments: pays.length,
        allocations: audit.filter((r) => r.outcome === 'allocated').length,
      };
    }
    const untouched = { status: 'unallocated', allocatedBy: null, payments: 2, allocations: 0 };

    test('pending orders oldest first, no reconciliation yet, and the unallocated payment with its file and line', async () => {
      const res = await accountant.get('/office/payments');
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<a href="\/office\/payments">Платежи<\/a>/);
      const pending = rowsOf(res.body, 'pending-orders');
      assert.deepEqual(
        pending.map((r) => [r[1], r[2], r[3], r[4], r[5], r[6]]),
        [
          [DEMO, 'T-REG', 'СБП', '1 234,56 ₽', 'зарегистрирован банком', 'не было'],
          [DEMO, 'T-NEW', 'карта', '500,00 ₽', 'создан', 'не было'],
        ],
      );
      assert.match(textOf(res.body), /Ждут ответа банка: 2\./);
      assert.match(textOf(res.body), /Сверка ещё не запускалась\./);
      const facts = textOf(
        new RegExp(`<dl[^>]*id="allocate-${unallocatedId}-facts".*?</dl>`, 's').exec(res.body)![0],
      );
      assert.match(facts, /registry-sberbank\.txt, строка 3/);
      assert.match(facts, /1799999999/);
      assert.match(textOf(res.body), /700,00 ₽ от 06\.06\.2026, ПЕТРОВА АННА ИВАНОВНА/);
      assert.match(res.body, new RegExp(`action="/office/payments/unallocated/${unallocatedId}"`));
      assert.match(textOf(res.body), /Ждут лицевого счёта: 1\./);
      const start = await accountant.get('/office');
      assert.match(start.body, /id="unallocated-count">1</);
      assert.match(start.body, /<a href="\/office\/payments">Открыть платежи<\/a>/);
    });

    test('the last reconciliation: when it ran and what it found', async () => {
      t.clock.advance(60_000);
      const ranAt = new Intl.DateTimeFormat('ru-RU', {
        timeZone: t.config.timeZone,
        dateStyle: 'short',
        timeStyle: 'short',
      }).format(t.clock.now());
      const summary = await t.app.payments.reconcile();
      assert.equal(summary.checked, 1);
      const res = await accountant.get('/office/payments');
      const text = textOf(new RegExp('<div id="reconcile">.*?</div>', 's').exec(res.body)![0]);
      assert.equal(text, `${ranAt} (сервер, по расписанию): проверено заказов 1 — ещё ждут оплаты: 1.`);
      const runs = await t.db.kysely.selectFrom('payment_reconcile_runs').selectAll().execute();
      assert.equal(runs.length, 1);
      assert.deepEqual(JSON.parse(runs[0]!.results), { pending: 1 });
    });

    test('an allocation without a reason, to a malformed or unknown account, or without the CSRF token stores nothing', async () => {
      const url = `/office/payments/unallocated/${unallocatedId}`;
      const noReason = await accountant.post(url, { account: DEMO, reason: '  ' });
      assert.equal(noReason.statusCode, 400);
      assert.match(
        noReason.body,
        new RegExp(`id="allocate-${unallocatedId}-reason-error"[^>]*>Укажите причину`),
      );
      assert.match(noReason.body, new RegExp(`value="${DEMO}"`));

      const malformed = await accountant.post(url, { account: '12', reason: 'письмо' });
      assert.equal(malformed.statusCode, 400);
      assert.match(malformed.body, new RegExp(`id="allocate-${unallocatedId}-account-error"[^>]*>[^<]+`));

      const unknown = await accountant.post(url, { account: '1799999999', reason: 'письмо' });
      assert.equal(unknown.statusCode, 400);
      assert.match(
        unknown.body,
        new RegExp(
          `id="allocate-${unallocatedId}-account-error"[^>]*>Лицевого счёта 1799999999 нет в портале\\.`,
        ),
      );

      const empty = await accountant.post(url, {});
      assert.equal(empty.statusCode, 400);
      assert.match(empty.body, /Укажите номер лицевого счёта/);

      const saved = accountant.csrf;
      accountant.csrf = '';
      try {
        assert.equal((await accountant.post(url, { account: DEMO, reason: 'без токена' })).statusCode, 403);
      } finally {
        accountant.csrf = saved;
      }
      assert.equal(
        (await accountant.post('/office/payments/unallocated/abc', { account: DEMO, reason: 'x' }))
          .statusCode,
        400,
      );
      assert.deepEqual(await state(), untouched);
    });

    test('operators and admins may neither open the page nor allocate', async () => {
      for (const agent of [operator, admin]) {
        assert.equal((await agent.get('/office/payments')).statusCode, 403);
        const res = await agent.post(`/office/payments/unallocated/${unallocatedId}`, {
          account: DEMO,
          reason: 'x',
        });
        assert.equal(res.statusCode, 403);
        assert.doesNotMatch((await agent.get('/office')).body, /href="\/office\/payments"/);
      }
      assert.deepEqual(await state(), untouched);
    });

    test('an allocation credits the payment once, audited with the accountant, before and after', async () => {
      const url = `/office/payments/unallocated/${unallocatedId}`;
      const res = await accountant.post(url, { account: ` ${DEMO} `, reason: 'письмо плательщика' });
      assert.equal(res.statusCode, 200);
      assert.match(
        textOf(res.body),
        /Платёж 700,00 ₽ от ПЕТРОВА АННА ИВАНОВНА зачислен на лицевой счёт 1705057190\./,
      );
      assert.match(textOf(res.body), /Неразнесённых платежей нет\./);
      assert.match((await accountant.get('/office')).body, /id="unallocated-count">0</);
      assert.deepEqual(await state(), {
        status: 'credited',
        allocatedBy: 'buh',
        payments: 3,
        allocations: 1,
      });
      const [audit] = (await auditRows(t, 'payment')).filter((r) => r.outcome === 'allocated');
      assert.equal(audit!.staffUserId, accountantId);
      assert.equal(audit!.ip, '10.0.0.8');
      assert.equal(audit!.account, DEMO);
      assert.equal(audit!.details!.reason, 'письмо плательщика');
      assert.deepEqual(audit!.details!.before, { status: 'unallocated', account: '1799999999' });
      assert.deepEqual(audit!.details!.after, { status: 'credited', account: DEMO });

      const again = await accountant.post(url, { account: DEMO, reason: 'ещё раз' });
      assert.equal(again.statusCode, 409);
      assert.match(textOf(again.body), /Этот платёж уже разнесён/);
      assert.deepEqual(await state(), {
        status: 'credited',
        allocatedBy: 'buh',
        payments: 3,
        allocations: 1,
      });
    });
  });
}
