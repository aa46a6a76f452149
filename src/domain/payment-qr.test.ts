import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildPaymentQrPayload,
  MAX_PAYLOAD_BYTES,
  MAX_PURPOSE_CHARS,
  MIN_SHORT_PURPOSE_CHARS,
  parsePaymentQrPayload,
  PaymentQrError,
  paymPeriodOf,
  SEPARATORS,
  type PaymentQrFields,
} from './payment-qr.ts';

const PAYEE: PaymentQrFields = {
  name: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
  personalAcc: '40702810171020110607',
  bankName: 'Отделение № 8602 Сбербанка России',
  bic: '049514608',
  correspAcc: '30101810500000000608',
};

const FULL: PaymentQrFields = {
  ...PAYEE,
  payeeInn: '1901000017',
  kpp: '190101001',
  sumKop: 38543,
  purpose: 'Оплата за электроэнергию за 05.2026, л/с 1705057190',
  persAcc: '1705057190',
  lastName: 'Орлова',
  firstName: 'Марина',
  middleName: 'Сергеевна',
  payerAddress: 'г. Черногорск, пр-кт. Космонавтов, 3, 89',
  paymPeriod: '052026',
  counterId: '368985',
  counterVal: '30148',
  techCode: '02',
};

function keys(payload: string): string[] {
  return parsePaymentQrPayload(payload).pairs.map(([k]) => k);
}

function errorOf(fn: () => unknown): PaymentQrError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaymentQrError) {
      return err;
    }
    throw err;
  }
  assert.fail('expected a PaymentQrError');
}

test('header, UTF-8 digit, "|" and the required fields first, in the standard order', () => {
  const p = buildPaymentQrPayload(PAYEE);
  assert.equal(
    p,
    'ST00012|Name=Открытое акционерное общество "Хакасэнергосбыт", ОАО|PersonalAcc=40702810171020110607' +
      '|BankName=Отделение № 8602 Сбербанка России|BIC=049514608|CorrespAcc=30101810500000000608',
  );
  assert.deepEqual(keys(p), ['Name', 'PersonalAcc', 'BankName', 'BIC', 'CorrespAcc']);
});

test('optional fields follow in a fixed order, whatever order they are given in', () => {
  const reversed = Object.fromEntries(Object.entries(FULL).reverse()) as unknown as PaymentQrFields;
  const p = buildPaymentQrPayload(reversed);
  assert.deepEqual(keys(p), [
    'Name',
    'PersonalAcc',
    'BankName',
    'BIC',
    'CorrespAcc',
    'PayeeINN',
    'KPP',
    'Sum',
    'Purpose',
    'PersAcc',
    'LastName',
    'FirstName',
    'MiddleName',
    'PayerAddress',
    'PaymPeriod',
    'CounterId',
    'CounterVal',
    'TechCode',
  ]);
  assert.ok(p.includes('|Sum=38543|'));
  assert.ok(p.endsWith('|TechCode=02'));
});

test('a slip without a sum has no Sum key at all; empty optional values are left out', () => {
  const p = buildPaymentQrPayload({ ...FULL, sumKop: undefined, counterVal: '  ', middleName: '' });
  assert.ok(!p.includes('Sum='));
  assert.ok(!p.includes('CounterVal='));
  assert.ok(!p.includes('MiddleName='));
  assert.ok(p.includes('|PersAcc=1705057190|'));
});

test('Sum is whole kopecks, digits only', () => {
  assert.ok(buildPaymentQrPayload({ ...PAYEE, sumKop: 0 }).endsWith('|Sum=0'));
  assert.ok(buildPaymentQrPayload({ ...PAYEE, sumKop: 100000000 }).endsWith('|Sum=100000000'));
  for (const bad of [-1, 385.43, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    const e = errorOf(() => buildPaymentQrPayload({ ...PAYEE, sumKop: bad }));
    assert.equal(e.field, 'Sum');
    assert.equal(e.code, 'format');
  }
  const sum = parsePaymentQrPayload(buildPaymentQrPayload(FULL)).pairs.find(([k]) => k === 'Sum')?.[1];
  assert.match(sum ?? '', /^\d+$/);
});

test('a value containing "|" moves the separator to the first character no value contains', () => {
  const p = buildPaymentQrPayload({ ...FULL, payerAddress: 'ул. Ленина | корпус 2' });
  assert.equal(p.slice(0, 8), 'ST00012#');
  const parsed = parsePaymentQrPayload(p);
  assert.equal(parsed.separator, '#');
  assert.equal(parsed.pairs.find(([k]) => k === 'PayerAddress')?.[1], 'ул. Ленина | корпус 2');

  const both = buildPaymentQrPayload({ ...FULL, payerAddress: 'дом #5 | кв. 1' });
  assert.equal(both.charAt(7), ';');
  assert.equal(parsePaymentQrPayload(both).pairs.length, keys(buildPaymentQrPayload(FULL)).length);
});

test('no separator left: a typed error', () => {
  const e = errorOf(() => buildPaymentQrPayload({ ...FULL, purpose: SEPARATORS.join('') }));
  assert.equal(e.code, 'no_separator');
});

test('field formats: accounts 20 digits, BIC 9, INN 10 or 12, KPP 9, period MMYYYY', () => {
  const cases: Array<[Partial<PaymentQrFields>, string]> = [
    [{ personalAcc: '4070281017102011060' }, 'PersonalAcc'],
    [{ personalAcc: '4070281017102011060A' }, 'PersonalAcc'],
    [{ correspAcc: '301018105000000006080' }, 'CorrespAcc'],
    [{ bic: '04951460' }, 'BIC'],
    [{ bic: '04951460x' }, 'BIC'],
    [{ payeeInn: '19010000' }, 'PayeeINN'],
    [{ kpp: '19010100' }, 'KPP'],
    [{ paymPeriod: '2026-05' }, 'PaymPeriod'],
    [{ paymPeriod: '132026' }, 'PaymPeriod'],
    [{ techCode: '2' }, 'TechCode'],
  ];
  for (const [patch, field] of cases) {
    const e = errorOf(() => buildPaymentQrPayload({ ...FULL, ...patch }));
    assert.equal(e.field, field, JSON.stringify(patch));
    assert.ok(e.message.startsWith(`${field}:`), e.message);
  }
  assert.ok(buildPaymentQrPayload({ ...FULL, payeeInn: '190100001712' }).includes('PayeeINN=190100001712'));
  assert.ok(buildPaymentQrPayload({ ...FULL, kpp: '7730AB001' }).includes('KPP=7730AB001'));
});

test('required fields must be there; control characters are refused', () => {
  assert.equal(errorOf(() => buildPaymentQrPayload({ ...PAYEE, name: '  ' })).code, 'required');
  assert.equal(errorOf(() => buildPaymentQrPayload({ ...PAYEE, bic: '' })).code, 'required');
  const e = errorOf(() => buildPaymentQrPayload({ ...FULL, payerAddress: 'г. Абакан,\nул. Ленина' }));
  assert.equal(e.field, 'PayerAddress');
});

test('Name ≤ 160 and BankName ≤ 45 count characters, not bytes', () => {
  // 45 Cyrillic letters are 90 bytes in UTF-8 and still fit.
  assert.ok(
    buildPaymentQrPayload({ ...PAYEE, bankName: 'Б'.repeat(45) }).includes('BankName=' + 'Б'.repeat(45)),
  );
  assert.equal(errorOf(() => buildPaymentQrPayload({ ...PAYEE, bankName: 'Б'.repeat(46) })).code, 'too_long');
  assert.equal(errorOf(() => buildPaymentQrPayload({ ...PAYEE, name: 'N'.repeat(161) })).field, 'Name');
});

test('the required block is limited to 300 bytes of UTF-8, so Cyrillic reaches it before the character limits', () => {
  // Header and keys, "=", separators and the 49 digits take 102 bytes, leaving 198 for Name and BankName.
  const fixed = buildPaymentQrPayload({ ...PAYEE, name: 'x', bankName: 'y' });
  assert.equal(Buffer.byteLength(fixed), 104);
  const latin = buildPaymentQrPayload({ ...PAYEE, name: 'N'.repeat(153), bankName: 'B'.repeat(45) });
  assert.equal(Buffer.byteLength(latin), 300); // at the limit
  assert.equal(
    errorOf(() => buildPaymentQrPayload({ ...PAYEE, name: 'N'.repeat(154), bankName: 'B'.repeat(45) })).code,
    'required_block_too_long',
  );
  // 100 Cyrillic letters are well within Name's 160 characters, but 200 bytes: over the block limit.
  const e = errorOf(() =>
    buildPaymentQrPayload({ ...PAYEE, name: 'Ж'.repeat(100), bankName: 'Б'.repeat(45) }),
  );
  assert.equal(e.code, 'required_block_too_long');
  assert.match(e.message, /392 байт/);
  // Optional fields do not count towards the 300 bytes.
  const long = buildPaymentQrPayload({ ...FULL, payerAddress: 'Ш'.repeat(200) });
  assert.ok(Buffer.byteLength(long) > 500);
});

test('the payload fits the QR budget: the address gives way first, then Purpose, then the names', () => {
  const value = (p: string, key: string) => parsePaymentQrPayload(p).pairs.find(([k]) => k === key)?.[1];
  // A long address is cut with an ellipsis to what fits, to the byte.
  const cut = buildPaymentQrPayload({
    ...FULL,
    payerAddress: `г. Черногорск, ${'ул. Длинная, '.repeat(60)}`,
  });
  assert.ok(Buffer.byteLength(cut) <= MAX_PAYLOAD_BYTES);
  assert.ok(
    Buffer.byteLength(cut) > MAX_PAYLOAD_BYTES - 3,
    `${Buffer.byteLength(cut)}: the address keeps all that fits`,
  );
  assert.match(value(cut, 'PayerAddress') ?? '', /^г\. Черногорск, ул\. Длинная, .*…$/);
  assert.equal(value(cut, 'Purpose'), FULL.purpose);
  // Names and a purpose so long that even a 20-character address does not fit: the address goes,
  // Purpose is cut, and then the names go, middle name first.
  const crowded = buildPaymentQrPayload({
    ...FULL,
    payerAddress: 'А'.repeat(1000),
    purpose: 'П'.repeat(200),
    lastName: 'Ф'.repeat(60),
    firstName: 'И'.repeat(60),
    middleName: 'О'.repeat(60),
  });
  assert.ok(Buffer.byteLength(crowded) <= MAX_PAYLOAD_BYTES);
  assert.equal(value(crowded, 'PayerAddress'), undefined);
  assert.equal([...(value(crowded, 'Purpose') ?? '')].length, MIN_SHORT_PURPOSE_CHARS);
  assert.equal(value(crowded, 'MiddleName'), undefined);
  // What the payee credits the money by always stays, unchanged.
  for (const p of [cut, crowded]) {
    for (const [key, expected] of [
      ['PersAcc', '1705057190'],
      ['Sum', '38543'],
      ['PaymPeriod', '052026'],
      ['CounterId', '368985'],
      ['CounterVal', '30148'],
    ] as const) {
      assert.equal(value(p, key), expected, key);
    }
  }
  // A payload within the budget is left as it is.
  const usual = buildPaymentQrPayload(FULL);
  assert.equal(value(usual, 'PayerAddress'), FULL.payerAddress);
});

test('any payer text, however long: the payload fits the budget and keeps the identifiers', () => {
  const text = fc.string({ unit: fc.constantFrom('а', 'Ж', 'z', ' ', '7', '€', '😀'), maxLength: 3000 });
  fc.assert(
    fc.property(text, text, text, text, (address, purpose, last, first) => {
      const p = buildPaymentQrPayload({
        ...FULL,
        payerAddress: address,
        purpose,
        lastName: last,
        firstName: first,
      });
      assert.ok(Buffer.byteLength(p) <= MAX_PAYLOAD_BYTES, String(Buffer.byteLength(p)));
      const pairs = new Map(parsePaymentQrPayload(p).pairs);
      assert.equal(pairs.get('PersAcc'), '1705057190');
      assert.equal(pairs.get('Sum'), '38543');
    }),
    { numRuns: 200 },
  );
});

test('Purpose is shortened to 210 characters, the last an ellipsis', () => {
  const p = buildPaymentQrPayload({ ...PAYEE, purpose: 'Ё'.repeat(300) });
  const purpose = parsePaymentQrPayload(p).pairs.find(([k]) => k === 'Purpose')?.[1] ?? '';
  assert.equal([...purpose].length, MAX_PURPOSE_CHARS);
  assert.ok(purpose.endsWith('…'));
  const exact = 'Ё'.repeat(MAX_PURPOSE_CHARS);
  assert.ok(buildPaymentQrPayload({ ...PAYEE, purpose: exact }).endsWith(`|Purpose=${exact}`));
});

test('period of a bill in the MMYYYY form', () => {
  assert.equal(paymPeriodOf('2026-05'), '052026');
  assert.equal(paymPeriodOf('2014-12'), '122014');
  assert.throws(() => paymPeriodOf('05.2026'), PaymentQrError);
});

test('parsing refuses what is not a GOST payload', () => {
  assert.throws(() => parsePaymentQrPayload('https://example.org'), PaymentQrError);
  assert.throws(() => parsePaymentQrPayload('ST00012|Name'), PaymentQrError);
});
