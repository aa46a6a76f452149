/**
 * A payee's bank details as the Bank of Russia defines them, checked before they are printed on
 * bills and in their payment QR code: a wrong digit there sends customers' money nowhere (the
 * bank returns it days later). Pure code; each check gives a Russian message or null.
 *
 * - INN of a legal entity: 10 digits, the last a check digit (weights 2 4 10 3 5 9 4 6 8, the sum
 *   mod 11 mod 10).
 * - KPP: 9 characters, NNNNPPNNN (the reason code PP may be two Latin capitals), as the QR takes it.
 * - BIC: 9 digits.
 * - Accounts: 20 digits with a control key (the 9th digit). The key is checked over 23 digits —
 *   a settlement account in a bank: the BIC's last three digits before it; a correspondent account
 *   (held at the Bank of Russia): «0» and the BIC's 5th and 6th digits — weighted 7 1 3 repeated,
 *   the last digits of the products summed: a valid account gives a sum ending in 0.
 */

const INN_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];

/** The check digit a legal entity's INN of these first nine digits must end with. */
export function innCheckDigit(first9: string): number {
  const sum = INN_WEIGHTS.reduce((s, w, i) => s + w * Number(first9[i]), 0);
  return (sum % 11) % 10;
}

export function innProblem(inn: string): string | null {
  if (!/^[0-9]{10}$/.test(inn)) {
    return `«${inn.slice(0, 20)}» — не ИНН организации: нужно 10 цифр.`;
  }
  // Stryker disable next-line MethodExpression: innCheckDigit reads the first nine digits only, so the whole INN gives the same digit
  const check = innCheckDigit(inn.slice(0, 9));
  return check === Number(inn[9])
    ? null
    : `ИНН «${inn}» с ошибкой: его контрольная цифра не сходится (при таких первых девяти цифрах последняя — ${check}).`;
}

export function kppProblem(kpp: string): string | null {
  return /^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$/.test(kpp)
    ? null
    : `«${kpp.slice(0, 20)}» — не КПП: нужно 9 знаков (4 цифры, 2 цифры или латинские заглавные буквы, 3 цифры).`;
}

export function bicProblem(bic: string): string | null {
  return /^[0-9]{9}$/.test(bic) ? null : `«${bic.slice(0, 20)}» — не БИК: нужно 9 цифр.`;
}

const KEY_WEIGHTS = [7, 1, 3];

/** True when the 23 digits (3 of the BIC, then the account) give a sum ending in 0. */
function keyHolds(digits23: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits23.length; i++) {
    // Stryker disable next-line AssignmentOperator: a sum and its negation end in 0 together, and only that is asked
    sum += (Number(digits23[i]) * KEY_WEIGHTS[i % 3]!) % 10;
  }
  return sum % 10 === 0;
}

/** The control key (the account's 9th digit) that would make the account valid at this BIC. */
function expectedKey(prefix: string, account: string): number {
  for (let k = 0; k <= 9; k++) {
    if (keyHolds(prefix + account.slice(0, 8) + String(k) + account.slice(9))) {
      return k;
    }
  }
  // Stryker disable next-line UnaryOperator: never reached: the key's weight is 3, and 3k mod 10 takes every value for k of 0..9
  return -1;
}

function accountProblem(account: string, bic: string, prefix: string, what: string): string | null {
  if (!/^[0-9]{20}$/.test(account)) {
    return `«${account.slice(0, 30)}» — не ${what}: нужно 20 цифр.`;
  }
  if (bicProblem(bic) !== null || keyHolds(prefix + account)) {
    return null;
  }
  return `${what[0]!.toUpperCase()}${what.slice(1)} «${account}» не сходится с БИК ${bic}: контрольный ключ (9-я цифра) при этом БИК был бы ${expectedKey(prefix, account)}. Проверьте счёт и БИК.`;
}

/** A settlement account at the bank the BIC names; a BIC that is itself wrong is reported by bicProblem. */
export function settlementAccountProblem(account: string, bic: string): string | null {
  return accountProblem(account, bic, bic.slice(6, 9), 'расчётный счёт');
}

/** The bank's correspondent account at the Bank of Russia. */
export function corrAccountProblem(account: string, bic: string): string | null {
  return accountProblem(account, bic, `0${bic.slice(4, 6)}`, 'корреспондентский счёт');
}
