// Two portal instances over one database, on SQLite and PostgreSQL: a card payment started on one
// instance is paid on the other's sandbox bank page (3-D Secure included), the bank's notification
// and the customer's return reach the instance that started it, and exactly one payment is
// credited and shown there. With the bank's orders in one process's memory, the other instance's
// page answered 404 for the order; with a key random per process, its notifications failed the
// checksum on the first instance.
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnvFor } from '../../../test/db.ts';
import { Agent, secondInstance, testDialects, textOf } from '../../../test/helpers.ts';
import type { FastifyInstance } from 'fastify';
import { callbackChecksum } from './checksum.ts';
import { CALLBACK_PATH } from './payments.deps.ts';
import { keyOf, pathOf, sandboxFixture } from './payments.fixture.db.test.ts';
import { portalArgs } from '../../../test/portal-process.ts';

for (const dialect of await testDialects()) {
  describe(`a card payment across two portal instances over one database (${dialect})`, () => {
    const f = sandboxFixture(dialect);

    /** The same browser (one cookie jar) reaching another instance, as behind a load balancer. */
    function sameBrowserOn(agent: Agent, app: FastifyInstance): Agent {
      const other = new Agent(app, agent.ip);
      other.jar = agent.jar;
      return other;
    }

    /**
     * The bank's notifications, as sent by `payer`'s sandbox bank, go to `portal` (the instance the
     * load balancer picks), once each: their answers' statuses.
     */
    function notifyThrough(payer: FastifyInstance, portal: FastifyInstance): number[] {
      const bank = payer.payments.sandbox!;
      const statuses: number[] = [];
      bank.retryDelaysMs = [0];
      bank.deliver = async (url, params) => {
        const res = await portal.inject({
          method: 'GET',
          url: `${new URL(url).pathname}?${new URLSearchParams(params).toString()}`,
          remoteAddress: '127.0.0.1',
        });
        statuses.push(res.statusCode);
        return res.statusCode === 200;
      };
      return statuses;
    }

    const paymentsOf = async (mdOrder: string) =>
      (await f.cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`);

    /** The order form on `starter`, the bank's card page on `payer`: the bank's order id. */
    async function startOn(starter: Agent, payer: Agent, amount: string) {
      const form = await starter.get('/cabinet/payment');
      assert.equal(form.statusCode, 200);
      const res = await starter.post('/cabinet/payment', { key: keyOf(form.body), amount });
      assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
      const location = String(res.headers.location);
      assert.match(location, /^http:\/\/localhost:3000\/sandbox-bank\/pay\?mdOrder=[0-9a-f-]{36}$/);
      const page = await payer.get(pathOf(location));
      assert.equal(page.statusCode, 200, 'the other instance knows the order');
      assert.match(textOf(page.body), /Осталось попыток 3/);
      return new URL(location).searchParams.get('mdOrder')!;
    }

    /** Back on `portal`: the return credits nothing more; the result page and the history show one payment. */
    async function backOn(
      portal: Agent,
      bankAnswer: { statusCode: number; headers: Record<string, unknown> },
    ) {
      assert.equal(bankAnswer.statusCode, 303);
      const ret = await portal.get(pathOf(String(bankAnswer.headers.location)));
      assert.equal(ret.statusCode, 303);
      const result = await portal.get(String(ret.headers.location));
      assert.equal(result.statusCode, 200);
      return { result: textOf(result.body), cabinet: textOf((await portal.get('/cabinet')).body) };
    }

    test('started on A, paid on B with 3-D Secure; notification and return on A: one payment, in A’s history', async () => {
      const a = f.t.app;
      const b = await secondInstance(f.t);
      try {
        const onA = await f.customer();
        const onB = sameBrowserOn(onA, b.app);
        const notified = notifyThrough(b.app, a);
        const mdOrder = await startOn(onA, onB, '321,45');

        const acs = await f.pay(onB, mdOrder, '5555 5555 5555 5599');
        assert.equal(acs.statusCode, 200);
        assert.match(textOf(acs.body), /Подтверждение платежа \(3-D Secure\)/);
        const paid = await onB.post('/sandbox-bank/3ds', { mdOrder, code: '12345678' });
        await b.app.payments.sandbox!.idle();
        // B's bank signed its notification; A verified it and credited the payment.
        assert.deepEqual(notified, [200]);
        assert.equal((await f.orderRow(mdOrder)).status, 'paid');
        assert.equal((await paymentsOf(mdOrder)).length, 1);

        const { result, cabinet } = await backOn(onA, paid);
        assert.match(result, /Сумма платежа\(руб\): 321,45 .*Оплата прошла\. Платёж сразу зачислен/);
        assert.equal(cabinet.match(/2026-06-10 321,45/g)?.length, 1, cabinet);
        await a.payments.reconcile();
        await b.app.payments.reconcile();
        const pays = await paymentsOf(mdOrder);
        assert.equal(pays.length, 1);
        assert.equal(Number(pays[0]!.amount_kop), 32145);
      } finally {
        await b.close();
      }
    });

    test('started on B, paid on A; notification and return on B: one payment, in B’s history', async () => {
      const a = f.t.app;
      const b = await secondInstance(f.t);
      try {
        const onA = await f.customer();
        const onB = sameBrowserOn(onA, b.app);
        const notified = notifyThrough(a, b.app);
        const mdOrder = await startOn(onB, onA, '654,32');

        const paid = await f.pay(onA, mdOrder, '4111 1111 1111 1111');
        await a.payments.sandbox!.idle();
        assert.deepEqual(notified, [200]);
        assert.equal((await f.orderRow(mdOrder)).status, 'paid');

        const { result, cabinet } = await backOn(onB, paid);
        assert.match(result, /Сумма платежа\(руб\): 654,32 .*Оплата прошла\. Платёж сразу зачислен/);
        assert.equal(cabinet.match(/2026-06-10 654,32/g)?.length, 1, cabinet);
        await a.payments.reconcile();
        await b.app.payments.reconcile();
        const pays = await paymentsOf(mdOrder);
        assert.equal(pays.length, 1);
        assert.equal(Number(pays[0]!.amount_kop), 65432);
      } finally {
        await b.close();
      }
    });

    test('without RBS_CALLBACK_KEY the notification key is the same on both instances, not a fresh random one', async () => {
      const b = await secondInstance(f.t);
      try {
        const keyA = f.t.app.payments.sandbox!.callbackKey;
        assert.equal(f.t.config.payments.sandboxCallbackKey, undefined);
        assert.match(keyA, /^[0-9a-f]{64}$/);
        assert.equal(b.app.payments.sandbox!.callbackKey, keyA);
        // A notification signed with another key is still refused.
        const params = {
          mdOrder: '00000000-0000-4000-8000-000000000000',
          orderNumber: 'LK000000-AAAAAAAA',
          operation: 'deposited',
          status: '1',
        };
        const forged = { ...params, checksum: callbackChecksum(params, 'another-key-0123456789') };
        const res = await b.app.inject({ url: `${CALLBACK_PATH}?${new URLSearchParams(forged).toString()}` });
        assert.equal(res.statusCode, 400);
      } finally {
        await b.close();
      }
    });
    test('a third process, the CLI payments-reconcile, settles an order paid on B whose notification was lost', async () => {
      const b = await secondInstance(f.t);
      try {
        const onA = await f.customer();
        const onB = sameBrowserOn(onA, b.app);
        const bank = b.app.payments.sandbox!;
        bank.retryDelaysMs = [0];
        bank.deliver = () => Promise.resolve(false);
        const mdOrder = await startOn(onA, onB, '111');
        assert.equal((await f.pay(onB, mdOrder, '4111 1111 1111 1111')).statusCode, 303);
        await bank.idle();
        // Neither the notification nor the customer came back: the order still waits.
        assert.equal((await f.orderRow(mdOrder)).status, 'registered');
        const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, portalArgs('cli', ['payments-reconcile']), {
            env: cliEnvFor(f.t.dbUrl, { LOG_LEVEL: 'silent' }),
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (code) => resolve({ code, stdout, stderr }));
        });
        assert.equal(out.code, 0, out.stderr);
        assert.equal((await f.orderRow(mdOrder)).status, 'paid', out.stdout);
        assert.equal((await paymentsOf(mdOrder)).length, 1);
      } finally {
        await b.close();
      }
    });
  });
}
