import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balanceAtLastReading } from './balance.ts';

test('payments since the closed period lower the sum to pay; unbilled kWh raise it', () => {
  const b = { closedDebtKop: 100_000, paymentsSinceKop: 30_000, digits: 5, ratio: 1 };
  assert.equal(balanceAtLastReading({ ...b, unbilled: [] }), 70_000);
  // 10 kWh at 1.61 ₽ and, on a second register, 3 kWh × K 2 at 0.90 ₽.
  assert.equal(
    balanceAtLastReading({
      ...b,
      ratio: 2,
      unbilled: [
        { previous: 100, current: 105, priceE5: 161_000 },
        { previous: 99_999, current: 0, priceE5: 90_000 },
      ],
    }),
    70_000 + 1_610 + 180,
  );
  // Paid more than owed: a credit, negative.
  assert.equal(balanceAtLastReading({ ...b, paymentsSinceKop: 150_000, unbilled: [] }), -50_000);
});
