// The sandbox bank's rules, with its orders in the database (issue 20, fault 12).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../platform/clock.ts';
import { testDialects } from '../../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../../test/db.ts';
import { checksumValid } from '../checksum.ts';
import { SandboxBank } from './sandbox-bank.ts';

for (const dialect of await testDialects()) {
  describe(`the sandbox bank (${dialect})`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
    });
    after(async () => t.drop());

    test('the sandbox bank: 3 attempts and 20 minutes by its clock; notifications carry a valid checksum', async () => {
      const clock = new ManualClock('2026-06-10T05:00:00Z');
      const sent: Array<Record<string, string>> = [];
      const bank = new SandboxBank({
        db: t.db.kysely,
        clock,
        callbackKey: 'sandbox-key-0123456789',
        pageUrl: 'http://bank.test/pay',
        merchant: 'Поставщик',
        deliver: (_url, p) => {
          sent.push(p);
          return Promise.resolve(true);
        },
        retryDelaysMs: [0],
      });
      const req = (orderNumber: string) => ({
        orderNumber,
        amountKop: 100,
        currency: 643,
        returnUrl: 'http://portal.test/back',
        failUrl: 'http://portal.test/back',
        callbackUrl: 'http://portal.test/cb',
        description: 'x',
        sessionTimeoutSecs: 1200,
        taxSystem: 0,
        orderBundle: { cartItems: { items: [] } },
        jsonParams: {},
      });
      const a = await bank.register(req('A'));
      await assert.rejects(bank.register(req('A')), /Заказ с таким номером уже обработан/);
      for (let i = 0; i < 2; i++) {
        assert.equal(
          (await bank.payWithCard(a.orderId, { pan: '4000000000000002', expiry: '12/30', cvc: '123' })).kind,
          'page',
        );
      }
      const third = await bank.payWithCard(a.orderId, {
        pan: '4000000000000002',
        expiry: '12/30',
        cvc: '123',
      });
      assert.deepEqual(third, {
        kind: 'redirect',
        url: `http://portal.test/back?orderId=${a.orderId}&lang=ru`,
      });
      const st = await bank.status(a.orderId);
      assert.ok(st.found && st.orderStatus === 6);

      const b = await bank.register(req('B'));
      clock.advance(20 * 60_000 - 1);
      assert.equal((await bank.open(b.orderId)).kind, 'page');
      clock.advance(1);
      const late = await bank.status(b.orderId);
      assert.ok(late.found && late.orderStatus === 6 && late.actionCode === -2007);
      await bank.idle();
      assert.deepEqual(
        sent.map((p) => [p.operation, p.status]),
        [
          ['deposited', '0'],
          ['declinedByTimeout', '1'],
        ],
      );
      for (const p of sent) {
        assert.ok(checksumValid(p, 'sandbox-key-0123456789'));
      }
      assert.deepEqual(await bank.status('nope'), { found: false });
    });
  });
}
