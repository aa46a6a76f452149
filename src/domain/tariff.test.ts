import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pricesOn, ZONE_TITLES, zonesFor, type PriceRow } from './tariff.ts';

const row = (zone: string, validFrom: string, priceE5: number, band = 'base'): PriceRow => ({
  zone,
  band,
  validFrom,
  priceE5,
});

test('a meter has its zones in the order of its registers', () => {
  assert.deepEqual(zonesFor(1), ['single']);
  assert.deepEqual(zonesFor(2), ['day', 'night']);
  assert.deepEqual(zonesFor(3), ['peak', 'half_peak', 'night']);
  for (const n of [0, 4]) {
    assert.throws(() => zonesFor(n), {
      name: 'RangeError',
      message: `a meter has 1, 2 or 3 zones, not ${n}`,
    });
  }
});

test('each zone has a title of its own to show', () => {
  const titles = Object.values(ZONE_TITLES);
  assert.equal(titles.length, 5);
  assert.ok(titles.every((t) => t.trim() !== ''));
  assert.equal(new Set(titles).size, titles.length);
});

// A change of price on 1 July 2026: 5.00 until 30 June, 5.50 from 1 July.
const change = [row('single', '2025-07-01', 500_000), row('single', '2026-07-01', 550_000)];

test('the old price is in force the day before a change, the new one on its day and after', () => {
  assert.equal(pricesOn(change, '2026-06-30').get('single'), 500_000);
  assert.equal(pricesOn(change, '2026-07-01').get('single'), 550_000);
  assert.equal(pricesOn(change, '2026-07-02').get('single'), 550_000);
  assert.equal(pricesOn(change, '2027-01-01').get('single'), 550_000);
});

test('the latest price not after the date wins whatever the order the rows come in', () => {
  const reversed = [...change].reverse();
  assert.equal(pricesOn(reversed, '2026-06-30').get('single'), 500_000);
  assert.equal(pricesOn(reversed, '2026-07-01').get('single'), 550_000);
  const three = [...change, row('single', '2024-07-01', 450_000)];
  assert.equal(pricesOn(three, '2025-12-01').get('single'), 500_000);
  assert.equal(pricesOn([three[2]!, ...change], '2025-12-01').get('single'), 500_000);
});

test('before a zone has any price it has none in force', () => {
  assert.equal(pricesOn(change, '2025-06-30').has('single'), false);
  assert.equal(pricesOn(change, '2025-06-30').size, 0);
  assert.equal(pricesOn([], '2026-01-01').size, 0);
});

test('two zones changing on different dates: each zone keeps its own latest price', () => {
  const rows = [
    row('day', '2025-01-01', 600_000),
    row('night', '2025-01-01', 300_000),
    row('night', '2026-03-01', 320_000),
    row('day', '2026-07-01', 650_000),
  ];
  const at = (date: string) => Object.fromEntries(pricesOn(rows, date));
  assert.deepEqual(at('2026-02-28'), { day: 600_000, night: 300_000 });
  assert.deepEqual(at('2026-03-01'), { day: 600_000, night: 320_000 });
  assert.deepEqual(at('2026-06-30'), { day: 600_000, night: 320_000 });
  assert.deepEqual(at('2026-07-01'), { day: 650_000, night: 320_000 });
});

test('prices above the social norm never stand for the base price', () => {
  const rows = [row('single', '2025-07-01', 500_000), row('single', '2026-01-01', 900_000, 'above_norm')];
  assert.deepEqual(Object.fromEntries(pricesOn(rows, '2026-02-01')), { single: 500_000 });
});

const dateArb = fc
  .record({ y: fc.integer({ min: 2020, max: 2028 }), m: fc.integer({ min: 1, max: 12 }) })
  .map(({ y, m }) => `${y}-${String(m).padStart(2, '0')}-01`);

test('property: the price in force is that of the latest row not after the date, in any order', () => {
  // One row per zone, band and date, as the table's unique key has it.
  const rowsArb = fc.uniqueArray(
    fc.record({
      zone: fc.constantFrom('single', 'day', 'night'),
      band: fc.constantFrom('base', 'above_norm'),
      validFrom: dateArb,
      priceE5: fc.integer({ min: 1, max: 2_000_000 }),
    }),
    { selector: (r) => `${r.zone}/${r.band}/${r.validFrom}`, maxLength: 12 },
  );
  fc.assert(
    fc.property(rowsArb, dateArb, (rows, date) => {
      const expected = new Map<string, number>();
      for (const zone of ['single', 'day', 'night']) {
        const inForce = rows
          .filter((r) => r.zone === zone && r.band === 'base' && r.validFrom <= date)
          .sort((a, b) => (a.validFrom < b.validFrom ? 1 : -1))[0];
        if (inForce) {
          expected.set(zone, inForce.priceE5);
        }
      }
      const byDateAsc = [...rows].sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1));
      for (const order of [rows, byDateAsc, [...byDateAsc].reverse()]) {
        assert.deepEqual(Object.fromEntries(pricesOn(order, date)), Object.fromEntries(expected));
      }
    }),
  );
});
