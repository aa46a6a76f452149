// A flood of bank notifications (issue 20, fault 4): 2,000 callbacks from one address write a
// bounded number of audit rows, the refusals are audited as one summary row, and a payment whose
// own notification was refused is still credited, once, by the reconciliation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { callbackChecksum } from './checksum.ts';
import { sandboxFixture } from './payments.fixture.db.test.ts';

const FLOOD = 2000;
const PER_ADDRESS = 120; // the default ANON_WRITES_PER_ADDRESS

for (const dialect of await testDialects()) {
  describe(`a flood of bank notifications (${dialect})`, () => {
    const f = sandboxFixture(dialect);
    const { customer, toBank, pay, cardPayments, orderRow } = f;

    const auditRows = async () =>
      Number(
        (
          await f.t.db.kysely
            .selectFrom('audit_log')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test(`${FLOOD} callbacks: bounded audit rows, one summary, and the refused payment still credited`, async () => {
      const { app } = f.t;
      const bank = app.payments.sandbox!;
      const agent = await customer();
      const { mdOrder } = await toBank(agent, '980');
      const rowsBefore = await auditRows();

      // The flood comes from the address the sandbox bank notifies from: the real notification of
      // the payment below is then refused too.
      const forged = (i: number) => {
        const params: Record<string, string> = {
          mdOrder: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          operation: 'deposited',
          status: '1',
        };
        params.checksum = callbackChecksum(params, 'not-the-key');
        return app.inject({
          method: 'GET',
          url: `/payments/callback?${new URLSearchParams(params).toString()}`,
          remoteAddress: '127.0.0.1',
        });
      };
      const statuses = new Map<number, number>();
      for (let i = 0; i < FLOOD; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, (_, k) => forged(i + k)));
        for (const res of batch) {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }
      assert.deepEqual(Object.fromEntries(statuses), { 400: PER_ADDRESS, 503: FLOOD - PER_ADDRESS });
      const refused = await forged(FLOOD);
      assert.equal(refused.statusCode, 503);
      assert.match(String(refused.headers['retry-after']), /^[1-9][0-9]*$/);
      assert.ok(Number(refused.headers['retry-after']) <= 60);
      const afterFlood = await auditRows();
      assert.equal(
        afterFlood - rowsBefore,
        PER_ADDRESS,
        'one row per admitted request, none per refused one',
      );

      // The customer pays; the bank's notification is refused (one try here, no waiting).
      bank.retryDelaysMs = [0];
      const answers: boolean[] = [];
      const deliver = bank.deliver;
      bank.deliver = async (url, params) => {
        const ok = await deliver(url, params);
        answers.push(ok);
        return ok;
      };
      assert.equal((await pay(agent, mdOrder, '4111 1111 1111 1111')).statusCode, 303);
      await bank.idle();
      assert.deepEqual(answers, [false], 'the notification was refused');
      assert.notEqual((await orderRow(mdOrder)).status, 'paid', 'not credited yet');
      const paidBefore = (await cardPayments()).length;

      // The reconciliation asks the bank and credits it, once.
      await app.payments.reconcile();
      await app.payments.reconcile();
      assert.equal((await orderRow(mdOrder)).status, 'paid');
      assert.equal((await cardPayments()).length, paidBefore + 1);

      // The next window: the refusals of the last one are audited as one row with their count.
      f.t.clock.advance(61_000);
      assert.equal((await forged(FLOOD + 1)).statusCode, 400);
      const summaries = await f.t.db.kysely
        .selectFrom('audit_log')
        .select(['ip', 'outcome', 'details'])
        .where('event', '=', 'anonymous_writes')
        .execute();
      assert.equal(summaries.length, 1, JSON.stringify(summaries));
      assert.equal(summaries[0]!.ip, '127.0.0.1');
      const details = JSON.parse(summaries[0]!.details ?? '{}') as Record<string, unknown>;
      assert.equal(details.scope, 'bank_callback');
      assert.equal(details.refused, FLOOD - PER_ADDRESS + 2, 'the flood, the one more, and the notification');
      assert.equal(details.limit, PER_ADDRESS);
    });
  });
}
