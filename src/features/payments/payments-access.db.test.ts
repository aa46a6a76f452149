// Card payments with the sandbox bank, on SQLite and PostgreSQL: who may see a payment (another
// account's result page, check and return link are 404) and who may notify one (any notification is
// refused or confirmed with the bank, never a credit without it).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { callbackChecksum } from './checksum.ts';
import { sandboxFixture } from './payments.fixture.db.test.ts';

for (const dialect of await testDialects()) {
  describe(`card payments with the sandbox bank: access and notifications (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, toBank, pay, backToPortal, cardPayments, orderRow } = f;

    test("IDOR: another account's result page, check and return link are 404; so is a check of an unpaid order", async () => {
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '123');
      const { resultUrl } = await backToPortal(agent, await pay(agent, mdOrder, '4111111111111111'));
      await addAccount(f.t.db, { number: '1000000033', surname: 'Соседова', serial: '333333' });
      const other = await customer('1000000033', 'Соседова', '10.50.0.9');
      for (const url of [
        resultUrl,
        `${resultUrl}/check.png`,
        `${resultUrl}/check.png?download=1`,
        `/cabinet/payment/return?orderId=${mdOrder}`,
      ]) {
        const res = await other.get(url);
        assert.equal(res.statusCode, 404, url);
        assert.doesNotMatch(res.body, /1705057190|123,00/);
      }
      const unpaid = await toBank(agent, '124');
      const row = await orderRow(unpaid.mdOrder);
      assert.equal((await agent.get(`/cabinet/payment/${row.order_number}/check.png`)).statusCode, 404);
      assert.equal((await agent.get('/cabinet/payment/LK000000-NOSUCHXX')).statusCode, 404);
      assert.equal((await other.get(`/cabinet/payment/${row.order_number}`)).statusCode, 404);
      assert.equal(
        (
          await cardPayments(
            Number(
              (
                await f.t.db.kysely
                  .selectFrom('accounts')
                  .select('id')
                  .where('number', '=', '1000000033')
                  .executeTakeFirstOrThrow()
              ).id,
            ),
          )
        ).length,
        0,
      );
    });

    test('any notification: refused or confirmed with the bank, never a 5xx, never a credit without the bank', async () => {
      const before = (await cardPayments()).length;
      const key = f.t.app.payments.sandbox!.callbackKey;
      const { mdOrder } = await toBank(await customer(), '10');
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 80 }), { maxKeys: 8 }),
          fc.constantFrom('none', 'real', 'forged'),
          fc.constantFrom('approved', 'deposited', 'declinedByTimeout', 'reversed', 'refunded'),
          async (junk, sign, operation) => {
            const params: Record<string, string> = {
              ...junk,
              mdOrder: sign === 'none' ? (junk.mdOrder ?? '') : mdOrder,
              operation,
              status: '1',
            };
            if (sign !== 'none') {
              params.checksum = callbackChecksum(params, sign === 'real' ? key : 'forged-key-forged-key');
            }
            const res = await f.t.app.inject({
              url: `/payments/callback?${new URLSearchParams(params).toString()}`,
            });
            assert.ok(res.statusCode < 500, `${res.statusCode} for ${JSON.stringify(params)}`);
          },
        ),
        { numRuns: 80 },
      );
      // Random query strings, repeated keys and raw bytes.
      for (const q of ['mdOrder=a&mdOrder=b', '%ff%fe=1', 'checksum=' + 'A'.repeat(64), 'x='.repeat(50)]) {
        const res = await f.t.app.inject({ url: `/payments/callback?${q}` });
        assert.ok(res.statusCode < 500, `${res.statusCode} for ${q}`);
      }
      assert.equal((await cardPayments()).length, before, 'the order was never paid at the bank: no credit');
      assert.equal((await orderRow(mdOrder)).status, 'registered');
    });
  });
}
