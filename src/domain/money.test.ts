import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chargeKopecks, parseRubles, rublesInput } from './money.ts';
import { formatRubles } from './format.ts';

test('parses what people type, straight to kopecks', () => {
  const ok: Array<[string, number]> = [
    ['980', 98000],
    ['980,50', 98050],
    ['980.50', 98050],
    ['980.5', 98050],
    ['980,', 98000],
    ['1 234,56', 123456],
    ['1\u00a0234,56 ₽', 123456],
    ['0,01', 1],
    ['0.07', 7],
    ['-96.05', -9605],
    ['−96,05', -9605],
  ];
  for (const [s, kop] of ok) {
    assert.deepEqual(parseRubles(s), { ok: true, kopecks: kop }, s);
  }
});

test('refuses malformed sums with a message', () => {
  for (const s of ['', '  ', 'abc', '1,234.56', '980.505', '1e3', '0x10', '98 0.5.1', '99999999999']) {
    const r = parseRubles(s);
    assert.equal(r.ok, false, s);
    if (!r.ok) {
      assert.ok(r.message.length > 0);
    }
  }
});

test('charges are rounded once, half up, from exact prices (the seed bill)', () => {
  assert.equal(chargeKopecks(316, 112700), 35613); // 316 × 1.1270 = 356.132
  assert.equal(chargeKopecks(26, 112700), 2930); // 29.302
  assert.equal(chargeKopecks(342, 112700), 38543); // 385.434
  assert.equal(chargeKopecks(309, 161000), 49749);
  assert.equal(chargeKopecks(1, 150), 0); // 0.15 kopeck
  assert.equal(chargeKopecks(1, 500), 1); // exactly half a kopeck rounds up
  assert.equal(chargeKopecks(1, 499), 0);
  assert.equal(chargeKopecks(-1, 500), -1); // a negative correction rounds away from zero
  assert.equal(chargeKopecks(98300, 161000), 15826300);
});

test('format(parse(x)) round-trips every amount', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (kop) => {
      const r = parseRubles(formatRubles(kop));
      return r.ok && r.kopecks === kop;
    }),
  );
});

test('the amount field holds a sum as parseRubles reads it back', () => {
  assert.equal(rublesInput(73865), '738,65');
  assert.equal(rublesInput(123400), '1234,00');
  assert.equal(rublesInput(5), '0,05');
  assert.throws(() => rublesInput(-1), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (kop) => {
      const parsed = parseRubles(rublesInput(kop));
      return parsed.ok && parsed.kopecks === kop;
    }),
  );
});
