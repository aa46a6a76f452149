import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { PNG } from 'pngjs';
import { loadConfig } from '../../app/config.ts';
import { ManualClock } from '../../platform/clock.ts';
import { luhnValid, maskPan, normalizePan, parseExpiry } from './card.ts';
import { callbackChecksum, checksumValid } from './checksum.ts';
import { renderCheckPng } from './check-image.ts';
import { checkAmount, newOrderNumber } from './payments.service.ts';
import { SandboxBank } from './sandbox/sandbox-bank.ts';

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

  test('the sandbox bank: 3 attempts and 20 minutes by its clock; notifications carry a valid checksum', async () => {
    const clock = new ManualClock('2026-06-10T05:00:00Z');
    const sent: Array<Record<string, string>> = [];
    const bank = new SandboxBank({
      clock,
      callbackKey: 'sandbox-key-0123456789',
      pageUrl: 'http://bank.test/pay',
      merchant: 'Поставщик',
      deliver: (_url, p) => {
        sent.push(p);
        return Promise.resolve(true);
      },
      retryDelaysMs: [0],
    });
    const req = (orderNumber: string) => ({
      orderNumber,
      amountKop: 100,
      currency: 643,
      returnUrl: 'http://portal.test/back',
      failUrl: 'http://portal.test/back',
      callbackUrl: 'http://portal.test/cb',
      description: 'x',
      sessionTimeoutSecs: 1200,
      taxSystem: 0,
      orderBundle: { cartItems: { items: [] } },
      jsonParams: {},
    });
    const a = bank.register(req('A'));
    assert.throws(() => bank.register(req('A')), /Заказ с таким номером уже обработан/);
    for (let i = 0; i < 2; i++) {
      assert.equal(
        bank.payWithCard(a.orderId, { pan: '4000000000000002', expiry: '12/30', cvc: '123' }).kind,
        'page',
      );
    }
    const third = bank.payWithCard(a.orderId, { pan: '4000000000000002', expiry: '12/30', cvc: '123' });
    assert.deepEqual(third, {
      kind: 'redirect',
      url: `http://portal.test/back?orderId=${a.orderId}&lang=ru`,
    });
    const st = bank.status(a.orderId);
    assert.ok(st.found && st.orderStatus === 6);

    const b = bank.register(req('B'));
    clock.advance(20 * 60_000 - 1);
    assert.equal(bank.open(b.orderId).kind, 'page');
    clock.advance(1);
    const late = bank.status(b.orderId);
    assert.ok(late.found && late.orderStatus === 6 && late.actionCode === -2007);
    await bank.idle();
    assert.deepEqual(
      sent.map((p) => [p.operation, p.status]),
      [
        ['deposited', '0'],
        ['declinedByTimeout', '1'],
      ],
    );
    for (const p of sent) {
      assert.ok(checksumValid(p, 'sandbox-key-0123456789'));
    }
    assert.deepEqual(bank.status('nope'), { found: false });
  });
});
