/**
 * The payment QR payload of GOST R 56042-2014 ("ST0001…"), which banking apps read from a bill.
 * Pure: values in, a string out, or a PaymentQrError that names the field and what is wrong.
 *
 * Decisions (the standard leaves them to the issuer):
 * - Always UTF-8 (encoding digit '2'): Cyrillic costs 2 bytes a letter, so the 300-byte limit of
 *   the required block is checked in UTF-8 bytes, while the per-field limits count characters.
 *   The 300 bytes are counted from the start of the payload (the 8-byte service header
 *   included): the stricter reading, so no app can call our codes too long.
 * - Only Purpose is shortened when too long (to 210 characters, the last one an ellipsis): it is
 *   free text for the payee's records. Every other value is a requisite or an identifier, and
 *   a shortened one would send money to the wrong place, so it is an error instead.
 * - The whole payload fits in MAX_PAYLOAD_BYTES of UTF-8, so that the code stays one a phone
 *   reads from paper (an imported address of thousands of characters made a code too big to
 *   build at all). Past it, the payer's descriptive fields give way, as the standard lets optional
 *   fields be left out: PayerAddress is shortened with an ellipsis, then left out; then Purpose
 *   is shortened to MIN_SHORT_PURPOSE_CHARS; then the payer's names are left out. What the payee
 *   needs to credit the money (its requisites, PersAcc, Sum, PaymPeriod, the meter) never is.
 * - Values are trimmed; an optional value that is empty after trimming is left out. Control
 *   characters (line breaks, tabs) are refused: scanners split on them.
 * - The separator is '|' unless some value contains it; then the first of SEPARATORS that no
 *   value contains.
 */

export type PaymentQrErrorCode =
  'required' | 'too_long' | 'format' | 'required_block_too_long' | 'no_separator';

export class PaymentQrError extends Error {
  override readonly name = 'PaymentQrError';
  constructor(
    readonly code: PaymentQrErrorCode,
    /** The GOST key of the offending field, or '' for the payload as a whole. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentQrFields {
  /** Payee's name (Name), ≤ 160 characters. */
  name: string;
  /** Payee's settlement account (PersonalAcc), 20 digits. */
  personalAcc: string;
  /** Payee's bank (BankName), ≤ 45 characters. */
  bankName: string;
  /** Bank's BIC, 9 digits. */
  bic: string;
  /** Bank's correspondent account (CorrespAcc), 20 digits. */
  correspAcc: string;
  /** PayeeINN: 10 digits (an organisation) or 12 (a person). */
  payeeInn?: string;
  /** KPP: 9 characters, NNNNPPNNN, where PP may be digits or capital Latin letters. */
  kpp?: string;
  /** Sum in kopecks; left out (undefined) on a slip where the payer writes the sum by hand. */
  sumKop?: number;
  /** Purpose, ≤ 210 characters; longer text is shortened. */
  purpose?: string;
  /** The customer's account with the payee (PersAcc). */
  persAcc?: string;
  lastName?: string;
  firstName?: string;
  middleName?: string;
  payerAddress?: string;
  /** PaymPeriod, MMYYYY. */
  paymPeriod?: string;
  counterId?: string;
  counterVal?: string;
  /** TechCode: '02' is housing and utilities (ЖКХ). */
  techCode?: string;
}

export const PAYMENT_QR_HEADER = 'ST0001';
/** '2' = UTF-8 in the standard's table (1 = windows-1251, 3 = KOI8-R). */
export const PAYMENT_QR_ENCODING_UTF8 = '2';
/** Tried in order; none of them is '=' or could begin a key. */
export const SEPARATORS = ['|', '#', ';', '^', '~', '`', '@', '$', '%', '*', '+', '&', '!'] as const;

export const MAX_REQUIRED_BLOCK_BYTES = 300;
export const MAX_PURPOSE_CHARS = 210;
/** A QR code of version 23 at error correction M: about 109 modules across, still read from a bill. */
export const MAX_PAYLOAD_BYTES = 800;
/** Purpose is not shortened below this for the budget: the payee's records still say what it was. */
export const MIN_SHORT_PURPOSE_CHARS = 60;
/** PayerAddress is shortened no further than this; below, it is left out. */
const MIN_SHORT_ADDRESS_CHARS = 20;

const LIMITS = { Name: 160, BankName: 45 } as const;

/** Builds the payload string that goes into the QR code. Throws PaymentQrError. */
export function buildPaymentQrPayload(fields: PaymentQrFields): string {
  const required: Array<[string, string]> = [
    ['Name', requiredText('Name', fields.name, LIMITS.Name)],
    ['PersonalAcc', digits('PersonalAcc', fields.personalAcc, 20, 'счёт получателя')],
    ['BankName', requiredText('BankName', fields.bankName, LIMITS.BankName)],
    ['BIC', digits('BIC', fields.bic, 9, 'БИК')],
    ['CorrespAcc', digits('CorrespAcc', fields.correspAcc, 20, 'корреспондентский счёт')],
  ];
  const optional: Array<[string, string | undefined]> = [
    ['PayeeINN', inn(fields.payeeInn)],
    ['KPP', kpp(fields.kpp)],
    ['Sum', sum(fields.sumKop)],
    ['Purpose', purpose(fields.purpose)],
    ['PersAcc', optionalText('PersAcc', fields.persAcc)],
    ['LastName', optionalText('LastName', fields.lastName)],
    ['FirstName', optionalText('FirstName', fields.firstName)],
    ['MiddleName', optionalText('MiddleName', fields.middleName)],
    ['PayerAddress', optionalText('PayerAddress', fields.payerAddress)],
    ['PaymPeriod', paymPeriod(fields.paymPeriod)],
    ['CounterId', optionalText('CounterId', fields.counterId)],
    ['CounterVal', optionalText('CounterVal', fields.counterVal)],
    ['TechCode', techCode(fields.techCode)],
  ];
  const pairs = [...required, ...optional.filter((p): p is [string, string] => p[1] !== undefined)];

  const sep = SEPARATORS.find((s) => pairs.every(([, v]) => !v.includes(s)));
  if (sep === undefined) {
    throw new PaymentQrError(
      'no_separator',
      '',
      'Каждый допустимый разделитель встречается в значениях реквизитов.',
    );
  }

  const head = PAYMENT_QR_HEADER + PAYMENT_QR_ENCODING_UTF8 + sep;
  const requiredBlock = head + required.map(([k, v]) => `${k}=${v}`).join(sep);
  const bytes = utf8.encode(requiredBlock).length;
  if (bytes > MAX_REQUIRED_BLOCK_BYTES) {
    throw new PaymentQrError(
      'required_block_too_long',
      '',
      `Обязательные реквизиты занимают ${bytes} байт в UTF-8, допустимо не больше ${MAX_REQUIRED_BLOCK_BYTES}.`,
    );
  }
  return (
    head +
    withinBudget(pairs, sep)
      .map(([k, v]) => `${k}=${v}`)
      .join(sep)
  );
}

/** The pairs, the payer's descriptive fields shortened or left out until the payload fits. */
function withinBudget(pairs: Array<[string, string]>, sep: string): Array<[string, string]> {
  let out = pairs;
  const size = () => payloadBytes(out, sep);
  const set = (key: string, value: string | undefined) => {
    out = out.flatMap(([k, v]): Array<[string, string]> =>
      k !== key ? [[k, v]] : value === undefined ? [] : [[k, value]],
    );
  };
  const valueOf = (key: string) => out.find(([k]) => k === key)?.[1];
  /** Cuts a value with an ellipsis to the longest length that fits, but not below `min` characters. */
  const shorten = (key: string, min: number) => {
    // Stryker disable next-line StringLiteral: a field left out; any text as short as the minimum is not cut either
    const chars = [...(valueOf(key) ?? '')];
    if (chars.length <= min) {
      return;
    }
    const cut = (n: number) => chars.slice(0, n - 1).join('') + '…';
    const fits = (n: number) => payloadBytesWith(out, sep, key, cut(n)) <= MAX_PAYLOAD_BYTES;
    let lo = min;
    let hi = chars.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    set(key, cut(lo));
  };
  if (size() > MAX_PAYLOAD_BYTES) {
    shorten('PayerAddress', MIN_SHORT_ADDRESS_CHARS);
  }
  if (size() > MAX_PAYLOAD_BYTES) {
    set('PayerAddress', undefined);
  }
  if (size() > MAX_PAYLOAD_BYTES) {
    shorten('Purpose', MIN_SHORT_PURPOSE_CHARS);
  }
  for (const name of ['MiddleName', 'FirstName', 'LastName']) {
    if (size() > MAX_PAYLOAD_BYTES) {
      set(name, undefined);
    }
  }
  if (size() > MAX_PAYLOAD_BYTES) {
    throw new PaymentQrError(
      'too_long',
      '',
      `Реквизиты платежа занимают ${size()} байт, в QR-код помещается не больше ${MAX_PAYLOAD_BYTES}.`,
    );
  }
  return out;
}

function payloadBytes(pairs: Array<[string, string]>, sep: string): number {
  return utf8.encode(
    PAYMENT_QR_HEADER + PAYMENT_QR_ENCODING_UTF8 + sep + pairs.map(([k, v]) => `${k}=${v}`).join(sep),
  ).length;
}

function payloadBytesWith(pairs: Array<[string, string]>, sep: string, key: string, value: string): number {
  return payloadBytes(
    pairs.map(([k, v]) => [k, k === key ? value : v]),
    sep,
  );
}

/** Splits a payload back into its keys and values, in order (for tests and for reading a scan). */
export function parsePaymentQrPayload(payload: string): {
  encoding: string;
  separator: string;
  pairs: Array<[string, string]>;
} {
  if (!payload.startsWith(PAYMENT_QR_HEADER) || payload.length < 8) {
    throw new PaymentQrError('format', '', 'Это не платёжный QR-код ГОСТ Р 56042-2014.');
  }
  const encoding = payload.charAt(6);
  const separator = payload.charAt(7);
  const pairs = payload
    .slice(8)
    .split(separator)
    .map((item): [string, string] => {
      const eq = item.indexOf('=');
      if (eq <= 0) {
        throw new PaymentQrError('format', '', `Реквизит без имени или значения: "${item}".`);
      }
      return [item.slice(0, eq), item.slice(eq + 1)];
    });
  return { encoding, separator, pairs };
}

// TextEncoder rather than Buffer: this module may run in the browser too.
const utf8 = new TextEncoder();

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function clean(field: string, value: string): string {
  const v = value.trim();
  if (CONTROL.test(v)) {
    throw new PaymentQrError(
      'format',
      field,
      `${field}: управляющие символы (перевод строки, табуляция) недопустимы.`,
    );
  }
  return v;
}

function requiredText(field: string, value: string, max: number): string {
  const v = clean(field, value);
  if (v === '') {
    throw new PaymentQrError('required', field, `${field}: обязательный реквизит не заполнен.`);
  }
  const chars = [...v].length;
  if (chars > max) {
    throw new PaymentQrError('too_long', field, `${field}: ${chars} символов, допустимо не больше ${max}.`);
  }
  return v;
}

function digits(field: string, value: string, length: number, what: string): string {
  const v = clean(field, value);
  if (v === '') {
    throw new PaymentQrError('required', field, `${field}: обязательный реквизит не заполнен.`);
  }
  if (!new RegExp(`^\\d{${length}}$`).test(v)) {
    throw new PaymentQrError(
      'format',
      field,
      `${field}: ${what} — это ровно ${length} цифр, получено "${v}".`,
    );
  }
  return v;
}

function optionalText(field: string, value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const v = clean(field, value);
  return v === '' ? undefined : v;
}

function inn(value: string | undefined): string | undefined {
  const v = optionalText('PayeeINN', value);
  if (v !== undefined && !/^(\d{10}|\d{12})$/.test(v)) {
    throw new PaymentQrError('format', 'PayeeINN', `PayeeINN: ИНН — это 10 или 12 цифр, получено "${v}".`);
  }
  return v;
}

function kpp(value: string | undefined): string | undefined {
  const v = optionalText('KPP', value);
  if (v !== undefined && !/^\d{4}[\dA-Z]{2}\d{3}$/.test(v)) {
    throw new PaymentQrError('format', 'KPP', `KPP: КПП — это 9 знаков (NNNNPPNNN), получено "${v}".`);
  }
  return v;
}

function sum(kop: number | undefined): string | undefined {
  if (kop === undefined) {
    return undefined;
  }
  if (!Number.isSafeInteger(kop) || kop < 0) {
    throw new PaymentQrError(
      'format',
      'Sum',
      `Sum: сумма в копейках — целое неотрицательное число, получено ${kop}.`,
    );
  }
  return String(kop);
}

function purpose(value: string | undefined): string | undefined {
  const v = optionalText('Purpose', value);
  if (v === undefined) {
    return undefined;
  }
  const chars = [...v];
  return chars.length <= MAX_PURPOSE_CHARS ? v : chars.slice(0, MAX_PURPOSE_CHARS - 1).join('') + '…';
}

function paymPeriod(value: string | undefined): string | undefined {
  const v = optionalText('PaymPeriod', value);
  if (v !== undefined && !/^(0[1-9]|1[0-2])\d{4}$/.test(v)) {
    throw new PaymentQrError(
      'format',
      'PaymPeriod',
      `PaymPeriod: период записывается как ММГГГГ, получено "${v}".`,
    );
  }
  return v;
}

function techCode(value: string | undefined): string | undefined {
  const v = optionalText('TechCode', value);
  if (v !== undefined && !/^\d{2}$/.test(v)) {
    throw new PaymentQrError('format', 'TechCode', `TechCode: код из двух цифр, получено "${v}".`);
  }
  return v;
}

/** 'YYYY-MM' → 'MMYYYY', the PaymPeriod form. */
export function paymPeriodOf(period: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) {
    throw new PaymentQrError(
      'format',
      'PaymPeriod',
      `Период должен быть вида ГГГГ-ММ, получено "${period}".`,
    );
  }
  return `${m[2]}${m[1]}`;
}
