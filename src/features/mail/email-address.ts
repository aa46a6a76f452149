import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * E-mail addresses as customers type them: checked, normalised, and masked for logs. Pure code.
 *
 * Accepted: a dot-atom local part of the RFC 5322 atext signs and, as RFC 6531 allows, letters and
 * digits of any script (`иванов@почта.рф`; such a mailbox needs an SMTP server that offers
 * SMTPUTF8, which mail.service.ts asks the transport before saving it), `@`, and a domain name of
 * at least two labels that IDNA accepts (node:url's domainToASCII: `пример.рф` is sent as
 * `xn--e1afmkfd.xn--p1ai`), with an alphabetic top-level label. The domain is kept in its Unicode
 * form, so that both spellings of one address are one address. No quoted strings, no IP literals,
 * no display names, no spaces or control characters (so nothing can be smuggled into a header).
 */

export type ParseEmailResult = { ok: true; email: string } | { ok: false; message: string };

export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_LENGTH = 64;

const EXAMPLE = 'Пример: ivanov@mail.ru';
/** RFC 5322 atext, and RFC 6531's UTF-8 letters, marks and digits. */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\p{L}\\p{M}\\p{N}-]";
const LOCAL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`, 'u');
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TLD = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/** True when the address has letters beyond ASCII before the `@`: only SMTPUTF8 servers take it. */
export function needsSmtpUtf8(email: string): boolean {
  return /[^ -~]/.test(email.slice(0, email.lastIndexOf('@')));
}

/** The address with its domain in ASCII (punycode), as it goes into the SMTP envelope. */
export function asciiDomain(email: string): string {
  const at = email.lastIndexOf('@');
  const ascii = domainToASCII(email.slice(at + 1));
  return ascii === '' ? email : `${email.slice(0, at + 1)}${ascii}`;
}

export function parseEmail(input: string): ParseEmailResult {
  const s = input.trim();
  if (s === '') {
    return { ok: false, message: 'Введите адрес электронной почты.' };
  }
  if (/[\s\p{Cc}\p{Cf}]/u.test(s)) {
    return { ok: false, message: 'Адрес электронной почты не должен содержать пробелов.' };
  }
  if (s.length > EMAIL_MAX_LENGTH) {
    return {
      ok: false,
      message: `Адрес электронной почты слишком длинный: не более ${EMAIL_MAX_LENGTH} знаков.`,
    };
  }
  const at = s.split('@');
  if (at.length === 1) {
    return { ok: false, message: `В адресе электронной почты нет знака «@». ${EXAMPLE}` };
  }
  if (at.length > 2) {
    return { ok: false, message: `В адресе электронной почты должен быть один знак «@». ${EXAMPLE}` };
  }
  const [local = '', domain = ''] = at;
  if (local === '' || domain === '') {
    return { ok: false, message: `Адрес электронной почты указан не полностью. ${EXAMPLE}` };
  }
  if (local.length > LOCAL_MAX_LENGTH || !LOCAL.test(local)) {
    return {
      ok: false,
      message:
        'До знака «@» допускаются буквы, цифры и знаки . _ - +; точка не может стоять первой, последней или дважды подряд.',
    };
  }
  const typed = domain.toLowerCase().replace(/\.$/, '');
  const ascii = domainToASCII(typed);
  const host = ascii === '' ? '' : domainToUnicode(ascii);
  const labels = host.split('.');
  const asciiLabels = ascii.split('.');
  if (
    labels.length < 2 ||
    !labels.every((l) => LABEL.test(l)) ||
    !asciiLabels.every((l) => l.length <= 63) ||
    ascii.length > 253 ||
    !TLD.test(labels[labels.length - 1]!)
  ) {
    return {
      ok: false,
      message: `После знака «@» должно быть имя почтового сервера, например mail.ru или yandex.ru.`,
    };
  }
  // Mailbox names are case-insensitive in practice everywhere a household customer has one.
  return { ok: true, email: `${local.normalize('NFC').toLowerCase()}@${host}` };
}

/** "ivanov@mail.ru" → "i***@mail.ru": enough for support and logs, never the full address (security.md row 13). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) {
    return '***';
  }
  const local = email.slice(0, at);
  return `${local.length > 1 ? local[0] : ''}***@${email.slice(at + 1)}`;
}

/** Masks every address in a text (an SMTP server's reply often quotes the recipient). */
export function scrubEmails(text: string): string {
  return text.replace(/[^\s<>"'(),;:@[\]]+@[\p{L}\p{N}.-]+/gu, (m) => maskEmail(m));
}

/** A configured sender: `name@domain` or `Display Name <name@domain>`. */
export function parseMailbox(input: string): { name: string | null; address: string } | null {
  const s = input.trim();
  const angle = /^(.*)<([^<>\s]+)>$/.exec(s);
  const address = angle ? angle[2]! : s;
  if (!/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(address)) {
    return null;
  }
  const name = angle ? angle[1]!.trim().replace(/^"(.*)"$/, '$1') : '';
  if (/[\r\n]/.test(name)) {
    return null;
  }
  return { name: name === '' ? null : name, address };
}
