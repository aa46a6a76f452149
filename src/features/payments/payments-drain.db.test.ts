// A card paid on the sandbox bank's page of a portal that is draining (SIGTERM behind nginx,
// platform/http/closing.ts), on SQLite and PostgreSQL. The bank notifies the portal through the
// app itself: that GET was answered 503 like a page view, so the payment waited for the customer's
// return or the reconciliation (the retry a second later met a closed server), and that 503, which
// nginx never saw, ended the drain early, before nginx had taken the instance out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { sandboxFixture } from './payments.fixture.db.test.ts';

for (const dialect of await testDialects()) {
  describe(`a card paid on a draining portal (${dialect})`, () => {
    const f = sandboxFixture(dialect);

    test("the bank's notification is served and credits at once, and does not end the drain", async () => {
      const app = f.t.app;
      const agent = await f.customer();
      const { mdOrder } = await f.toBank(agent, '432,10');
      const bank = app.payments.sandbox!;
      const deliver = bank.deliver;
      const delivered: boolean[] = [];
      bank.retryDelaysMs = [0];
      bank.deliver = async (url, params) => {
        const ok = await deliver(url, params);
        delivered.push(ok);
        return ok;
      };

      let over = false;
      const drained = app.drain(20_000).then(() => (over = true));
      const paid = await f.pay(agent, mdOrder, '4111 1111 1111 1111');
      assert.equal(paid.statusCode, 303, 'the card post is served while draining');
      await bank.idle();
      assert.deepEqual(delivered, [true], 'the notification was accepted');
      assert.equal((await f.orderRow(mdOrder)).status, 'paid', 'credited before the customer returns');
      assert.equal((await f.cardPayments()).filter((p) => p.external_id === `card:${mdOrder}`).length, 1);

      await new Promise((r) => setTimeout(r, 500));
      assert.equal(over, false, 'the drain still waits for a GET that nginx passes on');
      const page = await app.inject({ url: '/', headers: { accept: 'text/html', host: 'localhost:3000' } });
      assert.equal(page.statusCode, 503);
      await drained;
    });
  });
}
