import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPaymentQrPayload,
  parsePaymentQrPayload,
  PaymentQrError,
  paymPeriodOf,
  SEPARATORS,
  type PaymentQrFields,
} from './payment-qr.ts';

/**
 * The QR payload's refusals: each names its field and code and says what is wrong in a sentence an
 * operator can act on, for every field; the formats hold from end to end; parsing a scan refuses
 * what is not a payload.
 */

const PAYEE: PaymentQrFields = {
  name: 'ОАО "Хакасэнергосбыт"',
  personalAcc: '40702810171020110607',
  bankName: 'Отделение № 8602 Сбербанка России',
  bic: '049514608',
  correspAcc: '30101810500000000608',
};

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

const refusal = (fields: Partial<PaymentQrFields>) => {
  const e = errorOf(() => buildPaymentQrPayload({ ...PAYEE, ...fields }));
  return { name: e.name, code: e.code, field: e.field, message: e.message };
};

test('a line break in any field is refused, naming that field', () => {
  const fields: Array<[keyof PaymentQrFields, string]> = [
    ['name', 'Name'],
    ['personalAcc', 'PersonalAcc'],
    ['bankName', 'BankName'],
    ['bic', 'BIC'],
    ['correspAcc', 'CorrespAcc'],
    ['payeeInn', 'PayeeINN'],
    ['kpp', 'KPP'],
    ['purpose', 'Purpose'],
    ['persAcc', 'PersAcc'],
    ['lastName', 'LastName'],
    ['firstName', 'FirstName'],
    ['middleName', 'MiddleName'],
    ['payerAddress', 'PayerAddress'],
    ['paymPeriod', 'PaymPeriod'],
    ['counterId', 'CounterId'],
    ['counterVal', 'CounterVal'],
    ['techCode', 'TechCode'],
  ];
  for (const [prop, key] of fields) {
    assert.deepEqual(refusal({ [prop]: 'a\nb' }), {
      name: 'PaymentQrError',
      code: 'format',
      field: key,
      message: `${key}: управляющие символы (перевод строки, табуляция) недопустимы.`,
    });
  }
});

test('a missing requisite, a too long name and a wrong account say which and why', () => {
  assert.deepEqual(refusal({ bankName: ' ' }), {
    name: 'PaymentQrError',
    code: 'required',
    field: 'BankName',
    message: 'BankName: обязательный реквизит не заполнен.',
  });
  assert.deepEqual(refusal({ correspAcc: '' }), {
    name: 'PaymentQrError',
    code: 'required',
    field: 'CorrespAcc',
    message: 'CorrespAcc: обязательный реквизит не заполнен.',
  });
  assert.equal(refusal({ name: 'N'.repeat(161) }).message, 'Name: 161 символов, допустимо не больше 160.');
  const accounts: Array<[Partial<PaymentQrFields>, string, string]> = [
    [
      { personalAcc: '123' },
      'PersonalAcc',
      'PersonalAcc: счёт получателя — это ровно 20 цифр, получено "123".',
    ],
    [{ bic: '12345678' }, 'BIC', 'BIC: БИК — это ровно 9 цифр, получено "12345678".'],
    [
      { correspAcc: 'x' },
      'CorrespAcc',
      'CorrespAcc: корреспондентский счёт — это ровно 20 цифр, получено "x".',
    ],
  ];
  for (const [fields, field, message] of accounts) {
    assert.deepEqual(refusal(fields), { name: 'PaymentQrError', code: 'format', field, message });
  }
});

test('INN, KPP, period and TechCode match as a whole, not a part of the value', () => {
  const wrong: Array<[Partial<PaymentQrFields>, string, string]> = [
    [{ payeeInn: '19010000171' }, 'PayeeINN', 'PayeeINN: ИНН — это 10 или 12 цифр, получено "19010000171".'],
    [{ payeeInn: 'x1901000017' }, 'PayeeINN', 'PayeeINN: ИНН — это 10 или 12 цифр, получено "x1901000017".'],
    [{ kpp: '1190101001' }, 'KPP', 'KPP: КПП — это 9 знаков (NNNNPPNNN), получено "1190101001".'],
    [
      { paymPeriod: '1052026' },
      'PaymPeriod',
      'PaymPeriod: период записывается как ММГГГГ, получено "1052026".',
    ],
    [{ techCode: '021' }, 'TechCode', 'TechCode: код из двух цифр, получено "021".'],
  ];
  for (const [fields, field, message] of wrong) {
    assert.deepEqual(refusal(fields), { name: 'PaymentQrError', code: 'format', field, message });
  }
  assert.equal(
    refusal({ sumKop: -5 }).message,
    'Sum: сумма в копейках — целое неотрицательное число, получено -5.',
  );
});

test('whole-payload refusals name no field', () => {
  assert.deepEqual(refusal({ purpose: SEPARATORS.join('') }), {
    name: 'PaymentQrError',
    code: 'no_separator',
    field: '',
    message: 'Каждый допустимый разделитель встречается в значениях реквизитов.',
  });
  const e = refusal({ name: 'Ж'.repeat(100) });
  assert.equal(e.code, 'required_block_too_long');
  assert.equal(e.field, '');
});

test('a bill period becomes MMYYYY; anything around YYYY-MM is refused', () => {
  assert.equal(paymPeriodOf('2026-05'), '052026');
  for (const period of ['2026-051', '12026-05', '2026-5']) {
    const e = errorOf(() => paymPeriodOf(period));
    assert.deepEqual(
      { code: e.code, field: e.field, message: e.message },
      {
        code: 'format',
        field: 'PaymPeriod',
        message: `Период должен быть вида ГГГГ-ММ, получено "${period}".`,
      },
    );
  }
});

test('a scan is read back into its encoding, separator and pairs', () => {
  const p = buildPaymentQrPayload({ ...PAYEE, persAcc: 'a=b' });
  const parsed = parsePaymentQrPayload(p);
  assert.equal(parsed.encoding, '2');
  assert.equal(parsed.separator, '|');
  assert.deepEqual(parsed.pairs.at(-1), ['PersAcc', 'a=b']);
});

test('a scan shorter than the header with its encoding and separator, or with a nameless pair, is refused', () => {
  const notGost = { code: 'format', field: '', message: 'Это не платёжный QR-код ГОСТ Р 56042-2014.' };
  for (const scan of ['ST0001', 'ST00012', 'ST0002|Name=x', 'https://example.org']) {
    const e = errorOf(() => parsePaymentQrPayload(scan));
    assert.deepEqual({ code: e.code, field: e.field, message: e.message }, notGost, scan);
  }
  for (const [scan, item] of [
    ['ST00012|Name=x|=y', '=y'],
    ['ST00012|Name=x|BIC', 'BIC'],
    ['ST00012|', ''],
  ]) {
    const e = errorOf(() => parsePaymentQrPayload(scan!));
    assert.deepEqual(
      { code: e.code, field: e.field, message: e.message },
      { code: 'format', field: '', message: `Реквизит без имени или значения: "${item}".` },
    );
  }
});
