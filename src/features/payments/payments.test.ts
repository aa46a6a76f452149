import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PNG } from 'pngjs';
import { loadConfig } from '../../app/config.ts';
import { luhnValid, maskPan, normalizePan, parseExpiry } from './card.ts';
import { callbackChecksum, checksumValid } from './checksum.ts';
import { renderCheckPng, type CheckData } from './check-image.ts';
import { checkAmount, newOrderNumber } from './payments.service.ts';

describe('payments: pure parts', () => {
  test('the RBS checksum: sorted name;value; pairs, HMAC-SHA256, upper-case hex; checked case-insensitively', () => {
    const params = {
      status: '1',
      orderNumber: 'LK260610-ABCDEFGH',
      mdOrder: 'b2a3c4d5-0000-4000-8000-000000000001',
      operation: 'deposited',
    };
    const expected = createHmac('sha256', 'key-key-key-key-')
      .update(
        'mdOrder;b2a3c4d5-0000-4000-8000-000000000001;operation;deposited;orderNumber;LK260610-ABCDEFGH;status;1;',
      )
      .digest('hex')
      .toUpperCase();
    assert.equal(callbackChecksum(params, 'key-key-key-key-'), expected);
    assert.ok(checksumValid({ ...params, checksum: expected }, 'key-key-key-key-'));
    assert.ok(checksumValid({ ...params, checksum: expected.toLowerCase() }, 'key-key-key-key-'));
    assert.ok(!checksumValid({ ...params, checksum: expected }, 'another-key-here'));
    assert.ok(!checksumValid({ ...params, status: '0', checksum: expected }, 'key-key-key-key-'));
    assert.ok(!checksumValid({ ...params, checksum: 'zz' }, 'key-key-key-key-'));
    assert.ok(!checksumValid(params, 'key-key-key-key-'));
  });

  test('card helpers', () => {
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(luhnValid('5555555555555599'));
    assert.ok(luhnValid('4000000000000002'));
    assert.ok(!luhnValid('4111111111111112'));
    assert.equal(normalizePan('4111 1111-1111 1111'), '4111111111111111');
    assert.equal(normalizePan('4111'), null);
    assert.equal(maskPan('4111111111111111'), '411111******1111');
    assert.deepEqual(parseExpiry('12/30'), { year: 2030, month: 12 });
    assert.deepEqual(parseExpiry('01/2031'), { year: 2031, month: 1 });
    assert.equal(parseExpiry('13/30'), null);
  });

  test('sums within the limits, to kopecks', () => {
    const limits = { minKop: 100, maxKop: 30_000_000 };
    assert.deepEqual(checkAmount('980', limits), { ok: true, kop: 98000 });
    assert.deepEqual(checkAmount('980,50', limits), { ok: true, kop: 98050 });
    assert.deepEqual(checkAmount('980.5', limits), { ok: true, kop: 98050 });
    for (const bad of ['0', '-1', '1,005', '', 'abc', '0.99', '300000.01']) {
      assert.equal(checkAmount(bad, limits).ok, false, bad);
    }
  });

  test('order numbers: dated, random, no long digit runs', () => {
    const n = newOrderNumber(new Date('2026-06-10T05:00:00Z'), 'Asia/Krasnoyarsk');
    assert.match(n, /^LK260610-[A-Z2-9]{8}$/);
    assert.notEqual(n, newOrderNumber(new Date('2026-06-10T05:00:00Z'), 'Asia/Krasnoyarsk'));
  });

  test('config: the sandbox by default; rbs refuses to boot without its credentials', () => {
    const base = { DATA_DIR: '/tmp/x', LOG_LEVEL: 'silent' };
    const c = loadConfig(base);
    assert.equal(c.payments.gateway, 'sandbox');
    assert.equal(c.payments.sessionTimeoutSecs, 1200);
    assert.deepEqual(c.payments.formActionOrigins, []);
    assert.throws(
      () => loadConfig({ ...base, PAYMENT_GATEWAY: 'rbs' }),
      /PAYMENT_GATEWAY=rbs requires RBS_URL, RBS_USERNAME and RBS_PASSWORD \(or RBS_TOKEN\), RBS_CALLBACK_KEY/,
    );
    assert.throws(() => loadConfig({ ...base, PAYMENT_GATEWAY: 'bank' }));
    const rbs = loadConfig({
      ...base,
      PAYMENT_GATEWAY: 'rbs',
      RBS_URL: 'https://securepayments.example.ru/payment/rest',
      RBS_TOKEN: 'token',
      RBS_CALLBACK_KEY: '0123456789abcdef',
    });
    assert.equal(rbs.payments.rbs?.url, 'https://securepayments.example.ru/payment/rest/');
    assert.deepEqual(rbs.payments.formActionOrigins, ['https://securepayments.example.ru']);
  });

  test('the electronic check is a valid PNG with the text drawn', () => {
    const png = renderCheckPng({
      supplierName: 'ОАО «Хакасэнергосбыт»',
      site: 'lk.example.ru',
      date: '2026-06-10',
      orderNumber: 'LK260610-ABCDEFGH',
      accountNumber: '1705057190',
      reading: '28600',
      amountKop: 98000,
      authRefNum: '111222333444',
      approvalCode: '123456',
    });
    const image = PNG.sync.read(png); // checks the CRCs and the zlib stream
    assert.equal(image.width, 640);
    assert.equal(image.height, 400);
    let grey = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      if (r > 0 && r < 255 && r === g && g === b) {
        grey++;
      }
    }
    assert.ok(grey > 500, 'anti-aliased edges');
  });

  test('the check draws each line in its row, in the label and the value column, and no row more', () => {
    const full = decodeCheck(CHECK);
    for (let row = 0; row < 6; row++) {
      assert.ok(count(full, LABEL_X, rowBand(row), dark) > 100, `label ${row}`);
      assert.ok(count(full, VALUE_X, rowBand(row), dark) > 100, `value ${row}`);
    }
    assert.ok(count(full, [24, 330], [332, 352], green) > 300, 'the outcome, in green');
    const short = decodeCheck({ ...CHECK, approvalCode: null, authRefNum: null });
    for (const row of [4, 5]) {
      assert.equal(count(short, [2, 638], rowBand(row), dark), 0, `row ${row} is blank`);
    }
  });

  test('the check shows its sum: two sums differ in the sum row value and nowhere else', () => {
    const a = decodeCheck(CHECK);
    const b = decodeCheck({ ...CHECK, amountKop: 12345 });
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        const i = (y * a.width + x) * 4;
        if (a.data.readUInt32BE(i) !== b.data.readUInt32BE(i)) {
          const [top, bottom] = rowBand(3);
          if (x >= VALUE_X[0] && y >= top && y < bottom) {
            inside++;
          } else {
            outside++;
          }
        }
      }
    }
    assert.ok(inside > 100, `${inside} pixels differ in the sum`);
    assert.equal(outside, 0);
  });

  test('markup characters in a name or a code are drawn as text; a blank code leaves its place blank', () => {
    const plain = decodeCheck({ ...CHECK, supplierName: 'Свет' });
    const markup = decodeCheck({ ...CHECK, supplierName: 'Свет <b>&amp; "Ко"</b>', approvalCode: '<&">' });
    const rightmost = (img: PNG) => {
      let right = 0;
      for (let x = 2; x < 638; x++) {
        if (count(img, [x, x + 1], [8, 50], light) > 0) {
          right = x;
        }
      }
      return right;
    };
    assert.ok(rightmost(plain) > 60, 'the plain name is drawn');
    assert.ok(rightmost(markup) > rightmost(plain) + 150, `${rightmost(markup)} vs ${rightmost(plain)}`);
    assert.ok(count(markup, VALUE_X, rowBand(4), dark) > 100, 'the code is drawn');
    assert.ok(count(markup, LABEL_X, rowBand(5), dark) > 100, 'the rows after it too');
    const blank = decodeCheck({ ...CHECK, approvalCode: '  ' });
    assert.ok(count(blank, LABEL_X, rowBand(4), dark) > 100, 'the label is drawn');
    assert.equal(count(blank, VALUE_X, rowBand(4), dark), 0, 'the code is not');
  });

  test('a long name or value is cut to fit its place', () => {
    const long = 'Общество с ограниченной ответственностью «Энергосбыт Республики Хакасия»';
    const img = decodeCheck({ ...CHECK, supplierName: long, reading: '1234567890'.repeat(5) });
    assert.ok(count(img, [560, 616], [8, 50], light) > 0, 'the name reaches the right margin');
    assert.equal(count(img, [616, 638], [2, 56], light), 0, 'and stays within it');
    assert.ok(count(img, [560, 616], rowBand(2), dark) > 0, 'the value reaches the right margin');
    assert.equal(count(img, [616, 638], rowBand(2), dark), 0, 'and stays within it');
  });
});

const CHECK: CheckData = {
  supplierName: 'ОАО «Хакасэнергосбыт»',
  site: 'lk.example.ru',
  date: '2026-06-10',
  orderNumber: 'LK260610-ABCDEFGH',
  accountNumber: '1705057190',
  reading: '28600',
  amountKop: 98000,
  authRefNum: '111222333444',
  approvalCode: '123456',
};

/** The columns of the check's lines, [left, right) in pixels, as check-svg.tsx lays them out. */
const LABEL_X: [number, number] = [24, 250];
const VALUE_X: [number, number] = [262, 616];

/** Rows [top, bottom) of the nth line's letters: 16 px DejaVu Sans on a baseline at 160 + 30n. */
function rowBand(n: number): [number, number] {
  return [160 + 30 * n - 14, 160 + 30 * n + 5];
}

function decodeCheck(c: CheckData): PNG {
  return PNG.sync.read(renderCheckPng(c));
}

type Pixel = (r: number, g: number, b: number) => boolean;
const dark: Pixel = (r, g, b) => Math.max(r, g, b) < 160;
const light: Pixel = (r) => r > 160; // on the header's blue (red 0)
const green: Pixel = (r, g, b) => g > r + 40 && g > b + 40;

/** Pixels in [x0, x1) × [y0, y1) that match. */
function count(img: PNG, [x0, x1]: [number, number], [y0, y1]: [number, number], match: Pixel): number {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (match(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!)) {
        n++;
      }
    }
  }
  return n;
}
