import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeCharge, type ChargeInput, type PreviousCharge, type ReadingInput } from './billing.ts';
import { chargeDetails } from './charge-details.ts';
import { explainCharge, type ChargeDetails } from './explain.ts';
import { billingPeriodFor } from './readings.ts';

/**
 * A meter replaced: the old meter closes with its final reading, and the first charge by a
 * reading of the new meter counts both (what the old one measured since its last billed reading,
 * and what the new one measured since its initial reading).
 */

const oldMeter = { id: 1, digits: 5, ratio: 1, zones: 1, verificationDue: '2035-01-01' };
const newMeter = { id: 2, digits: 6, ratio: 1, zones: 1, verificationDue: '2040-01-01' };
const r = (id: number, date: string, ...values: number[]): ReadingInput => ({ id, date, values });
const billed = (period: string, readingId: number, kwh = 0): PreviousCharge => ({
  period,
  method: 'readings',
  readingId,
  zoneKwh: [kwh],
});
const averaged = (period: string, ...zoneKwh: number[]): PreviousCharge => ({
  period,
  method: 'average',
  readingId: null,
  zoneKwh,
});

function input(over: Partial<ChargeInput>): ChargeInput {
  return {
    period: '2026-05',
    residents: 1,
    plan: {
      zones: 1,
      normKwhPerResident: 120,
      socialNormKwh: null,
      socialNormExtraKwh: null,
      prices: [
        { zone: 'single', band: 'base', validFrom: '2020-01-01', priceE5: 100_000 },
        { zone: 'day', band: 'base', validFrom: '2020-01-01', priceE5: 100_000 },
        { zone: 'night', band: 'base', validFrom: '2020-01-01', priceE5: 50_000 },
      ],
    },
    meter: newMeter,
    readings: [],
    readingPeriod: (x) => billingPeriodFor(x.date),
    previous: [],
    debtStartKop: 0,
    paymentsKop: 0,
    recalcKop: 0,
    odnKwh: null,
    limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
    ...over,
  };
}

// The old meter billed in April by its reading of 10 April (1 200); replaced on 14 May at 1 350.
const oldReadings = [r(10, '2026-03-10', 1_100), r(11, '2026-04-10', 1_200), r(12, '2026-05-14', 1_350)];
const newReadings = [r(20, '2026-05-14', 3), r(21, '2026-05-20', 43)];

test('the first charge after a replacement counts the old meter up to its final reading and the new one', () => {
  const c = computeCharge(
    input({
      readings: newReadings,
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-04', 11, 100)],
    }),
  );
  assert.equal(c.method, 'readings');
  assert.equal(c.reading?.id, 21);
  assert.equal(c.baseline?.id, 20, 'the new meter counts from its initial reading');
  // 1 200 → 1 350 on the old meter, 3 → 43 on the new one.
  assert.equal(c.kwh, 150 + 40);
  assert.equal(c.amountKop, 190 * 100);
  assert.deepEqual(c.replaced, { meterId: 1, from: oldReadings[1], to: oldReadings[2], zoneKwh: [150] });
});

test('with only its initial reading the new meter adds nothing, and the old meter still counts', () => {
  const c = computeCharge(
    input({
      readings: [newReadings[0]!],
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-04', 11)],
    }),
  );
  assert.equal(c.method, 'readings');
  assert.equal(c.reading?.id, 20);
  assert.equal(c.kwh, 150);
});

test('never billed by a reading, the old meter counts from its first reading', () => {
  const c = computeCharge(
    input({ readings: newReadings, replaced: { meter: oldMeter, readings: oldReadings }, previous: [] }),
  );
  assert.equal(c.replaced?.from.id, 10);
  assert.equal(c.kwh, 250 + 40);
});

test('once a reading of the new meter is billed, the old meter is not counted again', () => {
  const later = [...newReadings, r(22, '2026-06-20', 100)];
  const c = computeCharge(
    input({
      period: '2026-06',
      readings: later,
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-05', 21, 190), billed('2026-04', 11, 100)],
    }),
  );
  assert.equal(c.replaced, null);
  assert.equal(c.baseline?.id, 21);
  assert.equal(c.kwh, 57);
});

test('a final reading billed already (by the old meter, before the replacement was recorded) is not counted twice', () => {
  const c = computeCharge(
    input({
      readings: newReadings,
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-04', 12, 250)],
    }),
  );
  assert.equal(c.replaced, null);
  assert.equal(c.kwh, 40);
});

test('an old meter with a single reading measured nothing to count', () => {
  const c = computeCharge(
    input({ readings: newReadings, replaced: { meter: oldMeter, readings: [oldReadings[2]!] } }),
  );
  assert.equal(c.replaced, null);
  assert.equal(c.kwh, 40);
});

test('an old meter with no readings, or no replaced meter, adds nothing', () => {
  for (const replaced of [{ meter: oldMeter, readings: [] }, null, undefined]) {
    const c = computeCharge(input({ readings: newReadings, replaced }));
    assert.equal(c.replaced, null);
    assert.equal(c.kwh, 40);
  }
});

test('the old meter rolls over by its own digits and multiplies by its own ratio', () => {
  const small = { id: 1, digits: 4, ratio: 10, zones: 1, verificationDue: '2035-01-01' };
  const c = computeCharge(
    input({
      readings: newReadings,
      replaced: { meter: small, readings: [r(10, '2026-04-10', 9_990), r(12, '2026-05-14', 20)] },
      previous: [billed('2026-04', 10)],
    }),
  );
  // (10 000 + 20 − 9 990) × 10 on the old meter.
  assert.deepEqual(c.replaced?.zoneKwh, [300]);
  assert.equal(c.kwh, 300 + 40);
});

test('two zones are counted zone by zone on both meters', () => {
  const two = { ...newMeter, zones: 2 };
  const c = computeCharge(
    input({
      plan: { ...input({}).plan, zones: 2 },
      meter: two,
      readings: [r(20, '2026-05-14', 1, 2), r(21, '2026-05-20', 31, 12)],
      replaced: {
        meter: { ...oldMeter, zones: 2 },
        readings: [r(11, '2026-04-10', 500, 200), r(12, '2026-05-14', 600, 250)],
      },
      previous: [billed('2026-04', 11)],
    }),
  );
  assert.deepEqual(c.replaced?.zoneKwh, [100, 50]);
  assert.deepEqual(
    c.zones.map((z) => z.kwh),
    [130, 60],
  );
  assert.equal(c.amountKop, 130 * 100 + 60 * 50);
});

test('estimates since the last billed reading are settled once against both meters', () => {
  const c = computeCharge(
    input({
      period: '2026-06',
      readings: [r(20, '2026-06-05', 3), r(21, '2026-06-20', 43)],
      replaced: { meter: oldMeter, readings: [r(11, '2026-04-10', 1_200), r(12, '2026-06-05', 1_350)] },
      previous: [averaged('2026-05', 70), billed('2026-04', 11)],
    }),
  );
  assert.deepEqual(c.settledKwh, [70]);
  assert.equal(c.kwh, 150 + 40 - 70);
});

test('a month charged by an estimate leaves the old meter for the first charge by readings', () => {
  const c = computeCharge(
    input({
      // The initial reading on the 27th counts for June: May has no reading of the new meter.
      readings: [r(20, '2026-05-27', 3)],
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-04', 11)],
    }),
  );
  assert.equal(c.method, 'norm');
  assert.equal(c.replaced, null);
  assert.equal(c.kwh, 120);
});

test('the details name the replaced meter and "Как рассчитано" shows its readings', () => {
  const c = computeCharge(
    input({
      readings: newReadings,
      replaced: { meter: oldMeter, readings: oldReadings },
      previous: [billed('2026-04', 11)],
    }),
  );
  const details = chargeDetails(c, { serial: 'N-2', digits: 6, ratio: 1 }, [], {
    serial: 'O-1',
    digits: 5,
    ratio: 1,
  });
  assert.deepEqual(details.replaced, {
    serial: 'O-1',
    from: { date: '2026-04-10', values: [1_200] },
    to: { date: '2026-05-14', values: [1_350] },
    zoneKwh: [150],
  });
  const lines = explainCharge({
    method: c.method,
    kwh: c.kwh,
    amountKop: c.amountKop,
    tariffE5: c.priceE5,
    readingValue: 43,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details: JSON.parse(JSON.stringify(details)) as ChargeDetails,
  });
  // Thousands are grouped by a no-break space.
  assert.equal(
    lines[0]!.replace(/\u00a0/g, ' '),
    '190 кВт·ч × 1,0000 ₽ = 190,00 ₽, по показаниям 3 → 43, и по снятому счётчику № O-1 1 200 → 1 350 (150 кВт·ч, снят 14.05.2026)',
  );
  const unnamed = chargeDetails(c, null, []);
  assert.equal(unnamed.replaced?.serial, null);
  const [line] = explainCharge({
    method: c.method,
    kwh: c.kwh,
    amountKop: c.amountKop,
    tariffE5: c.priceE5,
    readingValue: 43,
    odnKwh: 0,
    odnKop: 0,
    recalcKop: 0,
    details: JSON.parse(JSON.stringify(unnamed)) as ChargeDetails,
  });
  assert.match(line!.replace(/\u00a0/g, ' '), /, и по снятому счётчику 1 200 → 1 350 \(150 кВт·ч/);
  const plain = chargeDetails(
    computeCharge(input({ readings: newReadings })),
    { serial: 'N-2', digits: 6, ratio: 1 },
    [],
  );
  assert.equal(plain.replaced, undefined);
});
