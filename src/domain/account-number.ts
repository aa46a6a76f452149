import { pluralRu } from './format.ts';

/**
 * The settlement codes a supplier uses: the first two digits of its account numbers. They are
 * reference data (the `settlements` table, loaded by `settlements-load`), so the code that checks
 * a number is given them; anything with `has` will do (a Set of the codes).
 */
export interface SettlementCodes {
  has(code: string): boolean;
}

export type AccountNumberError = 'empty' | 'not_digits' | 'length' | 'unknown_settlement';

export type AccountNumberResult =
  | { ok: true; number: string; settlementCode: string }
  | { ok: false; error: AccountNumberError; message: string };

/**
 * Checks what a customer typed as an account number. Spaces and dashes that people
 * copy from paper bills ("17 0505 7190", "1705-057-190") are ignored. The first two digits
 * must be one of `settlements`; without them (a check of the shape only, where the codes are
 * not at hand) any two digits pass, and whoever has the codes says the rest.
 */
export function parseAccountNumber(input: string, settlements?: SettlementCodes): AccountNumberResult {
  // \s covers the no-break space of copied text; one character at a time, as runs change nothing.
  const compact = input.replace(/[\s-]/g, '');
  if (compact === '') {
    return fail('empty', 'Введите номер лицевого счёта.');
  }
  if (!/^[0-9]+$/.test(compact)) {
    return fail('not_digits', 'Номер лицевого счёта состоит только из цифр.');
  }
  if (compact.length !== 10) {
    return fail(
      'length',
      `Номер лицевого счёта состоит из 10 цифр, а введено ${compact.length} ${pluralDigits(compact.length)}.`,
    );
  }
  const code = compact.slice(0, 2);
  if (settlements && !settlements.has(code)) {
    return fail(
      'unknown_settlement',
      `Номер лицевого счёта начинается с кода населённого пункта; кода «${code}» нет. Проверьте номер по квитанции (поле «Код абонента»).`,
    );
  }
  return { ok: true, number: compact, settlementCode: code };
}

function fail(error: AccountNumberError, message: string): AccountNumberResult {
  return { ok: false, error, message };
}

function pluralDigits(n: number): string {
  return pluralRu(n, { one: 'цифра', few: 'цифры', many: 'цифр' });
}
