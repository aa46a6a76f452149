import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOf, csvStream, decimalComma } from './csv.ts';
import {
  parseDate,
  parseEncoding,
  parseInn,
  parseMinRubles,
  parseMonths,
  parsePeriod,
} from './exports.input.ts';
import type { Readable } from 'node:stream';

// The cells of the exported files, and what an accountant may type for an export.

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

test('money: exact rubles with a decimal comma, a minus for a credit, no grouping', () => {
  assert.equal(decimalComma(0, 2), '0,00');
  assert.equal(decimalComma(5, 2), '0,05');
  assert.equal(decimalComma(-5, 2), '-0,05');
  assert.equal(decimalComma(-109_285, 2), '-1092,85');
  assert.equal(decimalComma(123_456_789_01, 2), '123456789,01');
  // The largest safe integer: every digit kept, no float in between.
  assert.equal(decimalComma(Number.MAX_SAFE_INTEGER, 2), '90071992547409,91');
  assert.equal(decimalComma(161_000, 5), '1,61000');
  assert.equal(decimalComma(42, 0), '42');
  assert.throws(() => decimalComma(1.5, 2), RangeError);
});

test('a text cell that starts like a formula gets an apostrophe; money and the portal`s codes do not', () => {
  for (const s of ['=1+2', '+7 999', '-2', '@SUM(A1)', '\t=x']) {
    assert.equal(cellOf('text', s), `'${s}`);
  }
  assert.equal(cellOf('text', 'Иванов =1'), 'Иванов =1');
  assert.equal(cellOf('money', -30_000), '-300,00');
  assert.equal(cellOf('integer', -7), '-7');
  assert.equal(cellOf('date', '2026-05-31'), '31.05.2026');
  assert.equal(cellOf('text', null), '');
});

test('a plain file (the bank registry) never splits a cell: no quotes, `;` and line breaks replaced', async () => {
  const rows = (async function* () {
    await Promise.resolve();
    yield ['a;b', 'line\r\nbreak', 'say "hi"'];
  })();
  const out = await bytesOf(
    csvStream(
      [
        { title: 'x', kind: 'text' },
        { title: 'y', kind: 'text' },
        { title: 'z', kind: 'text' },
      ],
      rows,
      { encoding: 'utf8', header: false, plain: true },
    ),
  );
  assert.equal(out.toString('utf8'), '\ufeffa,b;line break;say "hi"\r\n');
});

test('an error while reading the rows ends the stream with it', async () => {
  const rows = (async function* () {
    await Promise.resolve();
    yield [1];
    throw new Error('database gone');
  })();
  await assert.rejects(
    bytesOf(csvStream([{ title: 'n', kind: 'integer' }], rows, { encoding: 'cp1251', header: true })),
    /database gone/,
  );
});

test('what an accountant types: periods, dates, sums, months, INN, encodings', () => {
  assert.deepEqual(parsePeriod('2026-05'), { ok: true, value: '2026-05' });
  assert.deepEqual(parsePeriod('05.2026'), { ok: true, value: '2026-05' });
  assert.equal(parsePeriod('2026-13').ok, false);
  assert.deepEqual(parseDate('31.05.2026'), { ok: true, value: '2026-05-31' });
  assert.deepEqual(parseDate('2026-02-31'), { ok: false, message: 'Даты 2026-02-31 нет в календаре.' });
  assert.deepEqual(parseDate('31.02.2026'), { ok: false, message: 'Даты 31.02.2026 нет в календаре.' });
  assert.deepEqual(parseMinRubles('1000,50'), { ok: true, value: 100_050 });
  assert.deepEqual(parseMinRubles('-1'), { ok: false, message: 'Сумма долга не может быть отрицательной.' });
  assert.equal(parseMinRubles('10,005').ok, false);
  assert.deepEqual(parseMonths('3'), { ok: true, value: 3 });
  for (const bad of ['0', '-1', '1.5', '121', '']) {
    assert.equal(parseMonths(bad).ok, false, bad);
  }
  assert.equal(parseInn('190100001').ok, false);
  assert.equal(parseInn('123456789012').ok, true);
  assert.deepEqual(parseEncoding('Windows-1251'), { ok: true, value: 'cp1251' });
  assert.equal(parseEncoding('koi8-r').ok, false);
});
