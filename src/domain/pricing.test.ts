import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chargeKopecks } from './money.ts';
import { priceOf, priceZones, socialNorm, sumOf, type Tariff } from './pricing.ts';
import type { Zone } from './tariff.ts';

/** What the kWh cost: the social norm of the household, its share per zone, the bands and the price fallback. */

const tariff = (base: Array<[string, number]>, above: Array<[string, number]> = []): Tariff => ({
  date: '2026-05-01',
  base: new Map(base),
  above: new Map(above),
});
const band = (b: 'base' | 'above_norm', kwh: number, priceE5: number) => ({
  band: b,
  kwh,
  priceE5,
  amountKop: chargeKopecks(kwh, priceE5),
});

test('the social norm: none without one, else the first resident’s plus the extra for each other', () => {
  assert.equal(socialNorm({ socialNormKwh: null, socialNormExtraKwh: 50 }, 3), null);
  assert.equal(socialNorm({ socialNormKwh: 100, socialNormExtraKwh: 50 }, 1), 100);
  assert.equal(socialNorm({ socialNormKwh: 100, socialNormExtraKwh: 50 }, 3), 200);
  assert.equal(socialNorm({ socialNormKwh: 100, socialNormExtraKwh: null }, 3), 100);
  // No one registered: the household's norm is still the first resident's.
  assert.equal(socialNorm({ socialNormKwh: 100, socialNormExtraKwh: 50 }, 0), 100);
});

test('without a social norm every kWh is in one band at the base price, whatever the price above', () => {
  const t = tariff([['single', 161_000]], [['single', 250_000]]);
  assert.deepEqual(priceZones(['single'], [300], 300, t, null), [
    { zone: 'single', kwh: 300, bands: [band('base', 300, 161_000)], amountKop: 48_300 },
  ]);
});

test('within the norm: one band; above it: the rest at the higher price', () => {
  const t = tariff([['single', 100_000]], [['single', 150_000]]);
  assert.deepEqual(priceZones(['single'], [80], 80, t, 100)[0]?.bands, [band('base', 80, 100_000)]);
  assert.deepEqual(priceZones(['single'], [100], 100, t, 100)[0]?.bands, [band('base', 100, 100_000)]);
  assert.deepEqual(priceZones(['single'], [101], 101, t, 100)[0]?.bands, [
    band('base', 100, 100_000),
    band('above_norm', 1, 150_000),
  ]);
  // No price above the norm in force: the rest at the base price, still in its own band.
  assert.deepEqual(priceZones(['single'], [101], 101, tariff([['single', 100_000]]), 100)[0]?.bands, [
    band('base', 100, 100_000),
    band('above_norm', 1, 100_000),
  ]);
});

test('each zone gets its share of the norm, in proportion to its kWh, rounded to whole kWh', () => {
  const t = tariff(
    [
      ['day', 300_000],
      ['night', 200_000],
    ],
    [
      ['day', 400_000],
      ['night', 250_000],
    ],
  );
  // A norm of 100 over 200 + 100 kWh: 67 by day, 33 at night.
  const [day, night] = priceZones(['day', 'night'], [200, 100], 300, t, 100);
  assert.deepEqual(day?.bands, [band('base', 67, 300_000), band('above_norm', 133, 400_000)]);
  assert.deepEqual(night?.bands, [band('base', 33, 200_000), band('above_norm', 67, 250_000)]);
});

test('a negative or zero zone (a settlement) is all in the base band; with no total, nothing is within the norm', () => {
  const t = tariff(
    [
      ['day', 300_000],
      ['night', 200_000],
    ],
    [
      ['day', 400_000],
      ['night', 250_000],
    ],
  );
  assert.deepEqual(
    priceZones(['day', 'night'], [50, -20], 30, t, 100).map((z) => z.bands),
    [[band('base', 50, 300_000)], [band('base', -20, 200_000)]],
  );
  assert.deepEqual(
    priceZones(['day', 'night'], [10, -10], 0, t, 100).map((z) => z.bands),
    [[band('base', 0, 300_000), band('above_norm', 10, 400_000)], [band('base', -10, 200_000)]],
  );
  assert.deepEqual(
    priceZones(['day', 'night'], [10, -20], -10, t, 100).map((z) => z.bands),
    [[band('base', 0, 300_000), band('above_norm', 10, 400_000)], [band('base', -20, 200_000)]],
  );
  assert.deepEqual(priceZones(['day'], [0], 0, t, 100)[0]?.bands, [band('base', 0, 300_000)]);
});

test('property: a zone’s amount is the sum of its bands, its bands hold its kWh, none above the norm is empty', () => {
  const zones: Zone[] = ['peak', 'half_peak', 'night'];
  const t = tariff(
    zones.map((z, i) => [z, 100_000 + i * 12_345]),
    zones.map((z, i) => [z, 200_000 + i * 54_321]),
  );
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -500, max: 5_000 }), { minLength: 3, maxLength: 3 }),
      fc.option(fc.integer({ min: 0, max: 1_000 })),
      (kwh, norm) => {
        const total = kwh.reduce((a, b) => a + b, 0);
        for (const z of priceZones(zones, kwh, total, t, norm)) {
          assert.equal(z.amountKop, sumOf(z.bands));
          assert.equal(
            sumOf(z.bands),
            z.bands.reduce((a, b) => a + chargeKopecks(b.kwh, b.priceE5), 0),
          );
          assert.equal(
            z.bands.reduce((a, b) => a + b.kwh, 0),
            z.kwh,
          );
          assert.ok(z.bands.slice(1).every((b) => b.band === 'above_norm' && b.kwh > 0));
        }
      },
    ),
  );
});

test('a zone without its own price: the single rate, else the first price in force, else an error', () => {
  assert.equal(
    priceOf(
      tariff([
        ['peak', 500_000],
        ['single', 161_000],
      ]),
      'day',
    ),
    161_000,
  );
  assert.equal(priceOf(tariff([['peak', 500_000]]), 'night'), 500_000);
  assert.equal(
    priceOf(
      tariff([
        ['single', 161_000],
        ['night', 90_000],
      ]),
      'night',
    ),
    90_000,
  );
  assert.throws(() => priceOf(tariff([]), 'single'), { message: 'no price in force on 2026-05-01' });
});
