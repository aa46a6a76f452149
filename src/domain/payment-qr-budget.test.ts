import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPaymentQrPayload,
  MAX_PAYLOAD_BYTES,
  MIN_SHORT_PURPOSE_CHARS,
  parsePaymentQrPayload,
  PaymentQrError,
  type PaymentQrFields,
} from './payment-qr.ts';

/** The 800-byte budget at its edge: what gives way, in which order, and when nothing more can. */

const FIELDS: PaymentQrFields = {
  name: 'ОАО "Хакасэнергосбыт"',
  personalAcc: '40702810171020110607',
  bankName: 'Отделение № 8602 Сбербанка России',
  bic: '049514608',
  correspAcc: '30101810500000000608',
  sumKop: 38543,
  purpose: 'Оплата за электроэнергию за 05.2026, л/с 1705057190',
  persAcc: '1705057190',
  lastName: 'Орлова',
  firstName: 'Марина',
  middleName: 'Сергеевна',
  paymPeriod: '052026',
  counterId: '368985',
};

const bytes = (s: string) => Buffer.byteLength(s);
const pairs = (p: string) => new Map(parsePaymentQrPayload(p).pairs);
const keys = (p: string) => parsePaymentQrPayload(p).pairs.map(([k]) => k);

/** `fields` with `key` padded by ASCII letters so that the payload, unshortened, is `size` bytes. */
function sized(fields: PaymentQrFields, key: 'payerAddress' | 'purpose' | 'counterVal', size: number) {
  const base = bytes(buildPaymentQrPayload({ ...fields, [key]: 'a' }));
  return { ...fields, [key]: 'a'.repeat(1 + size - base) };
}

test('a payload of exactly 800 bytes is left as it is; one byte more and the address is cut to fit', () => {
  const exact = sized(FIELDS, 'payerAddress', MAX_PAYLOAD_BYTES);
  const p = buildPaymentQrPayload(exact);
  assert.equal(bytes(p), MAX_PAYLOAD_BYTES);
  assert.equal(pairs(p).get('PayerAddress'), exact.payerAddress);

  const over = sized(FIELDS, 'payerAddress', MAX_PAYLOAD_BYTES + 1);
  const cut = buildPaymentQrPayload(over);
  // ASCII shortens byte by byte: the cut address fills the budget exactly, "…" taking 3 bytes.
  assert.equal(bytes(cut), MAX_PAYLOAD_BYTES);
  const address = pairs(cut).get('PayerAddress') ?? '';
  assert.equal(address, `${over.payerAddress!.slice(0, address.length - 1)}…`);
  assert.deepEqual(keys(cut), keys(p));
});

test('a shortened address is always shorter than it was, even when its last character is 4 bytes', () => {
  // Over by one byte, the last character an emoji: replacing it by "…" would fit, but the address
  // is cut by a character at least, so that a reader sees it was shortened.
  const plain = sized(FIELDS, 'payerAddress', MAX_PAYLOAD_BYTES - 3);
  const over = { ...plain, payerAddress: `${plain.payerAddress!}😀` };
  assert.equal(bytes(buildPaymentQrPayload(plain)) + bytes('😀'), MAX_PAYLOAD_BYTES + 1);
  const address = pairs(buildPaymentQrPayload(over)).get('PayerAddress') ?? '';
  assert.ok([...address].length < [...over.payerAddress].length);
  assert.ok(address.endsWith('…'));
});

test('an address of 20 characters or fewer is left out rather than cut, and so is a missing one', () => {
  const crowded = sized(FIELDS, 'counterVal', MAX_PAYLOAD_BYTES - 5);
  const withShort = buildPaymentQrPayload({ ...crowded, payerAddress: 'г. Абакан, ул. Мира' });
  assert.equal(pairs(withShort).get('PayerAddress'), undefined);
  const without = buildPaymentQrPayload(crowded);
  assert.deepEqual(keys(withShort), keys(without));
  assert.ok(bytes(without) <= MAX_PAYLOAD_BYTES);
});

test('Purpose of at most 60 characters is never cut; the names then go, middle name first', () => {
  const purpose = 'П'.repeat(MIN_SHORT_PURPOSE_CHARS);
  for (const text of [purpose, 'Оплата']) {
    // The names take 6 + 6 + 9 Cyrillic letters: make the payload need the middle name's bytes only.
    const needMiddle = sized({ ...FIELDS, purpose: text }, 'counterVal', MAX_PAYLOAD_BYTES + 10);
    const p = buildPaymentQrPayload(needMiddle);
    assert.equal(pairs(p).get('Purpose'), text);
    assert.equal(pairs(p).get('MiddleName'), undefined);
    assert.equal(pairs(p).get('FirstName'), 'Марина');
    assert.equal(pairs(p).get('LastName'), 'Орлова');
    assert.deepEqual(keys(p), keys(buildPaymentQrPayload({ ...needMiddle, middleName: undefined })));
    const needFirst = sized({ ...FIELDS, purpose: text }, 'counterVal', MAX_PAYLOAD_BYTES + 40);
    const q = pairs(buildPaymentQrPayload(needFirst));
    assert.equal(q.get('MiddleName'), undefined);
    assert.equal(q.get('FirstName'), undefined);
    assert.equal(q.get('LastName'), 'Орлова');
  }
});

test('a payload exactly at the budget with a long Purpose keeps Purpose and the names whole', () => {
  const fields = sized({ ...FIELDS, purpose: 'П'.repeat(150) }, 'counterVal', MAX_PAYLOAD_BYTES);
  const p = buildPaymentQrPayload(fields);
  assert.equal(bytes(p), MAX_PAYLOAD_BYTES);
  assert.equal(pairs(p).get('Purpose'), fields.purpose);
  assert.equal(pairs(p).get('MiddleName'), 'Сергеевна');
});

test('when what the payee needs does not fit, a typed error says by how much', () => {
  const fields = { ...FIELDS, counterVal: 'v'.repeat(900) };
  let error: unknown;
  try {
    buildPaymentQrPayload(fields);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof PaymentQrError);
  // Purpose (51 characters) is not cut; the names are left out, and the rest is still too much.
  assert.ok([...FIELDS.purpose!].length <= MIN_SHORT_PURPOSE_CHARS);
  const size =
    bytes(
      buildPaymentQrPayload({
        ...fields,
        counterVal: 'v',
        lastName: undefined,
        firstName: undefined,
        middleName: undefined,
      }),
    ) + 899;
  assert.deepEqual(
    { code: error.code, field: error.field, message: error.message },
    {
      code: 'too_long',
      field: '',
      message: `Реквизиты платежа занимают ${size} байт, в QR-код помещается не больше 800.`,
    },
  );
});
