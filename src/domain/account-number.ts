import { pluralRu } from './format.ts';

/** Settlement codes: the first two digits of an account number (the seed's table). */
export const SETTLEMENTS: ReadonlyArray<{ code: string; name: string }> = [
  { code: '10', name: 'Усть-Абаканский район и Абакан' },
  { code: '11', name: 'п.Усть-Абакан, п.Ильича, с.Курганное, п.Сахарный' },
  { code: '12', name: 'Сорск, п.Усть-Бюрь и п.Майский' },
  { code: '14', name: 'Боградский район' },
  { code: '15', name: 'Ширинский район' },
  { code: '16', name: 'Орджоникидзевский район' },
  { code: '17', name: 'Черногорск и Пригорск' },
  { code: '20', name: 'Саяногорск' },
  { code: '21', name: 'Аскизский район' },
  { code: '22', name: 'Таштыпский район' },
  { code: '23', name: 'Бейский район' },
  { code: '24', name: 'Алтайский район' },
  { code: '25', name: 'Абаза' },
];

const KNOWN_CODES = new Set(SETTLEMENTS.map((s) => s.code));

export type AccountNumberError = 'empty' | 'not_digits' | 'length' | 'unknown_settlement';

export type AccountNumberResult =
  | { ok: true; number: string; settlementCode: string }
  | { ok: false; error: AccountNumberError; message: string };

/**
 * Checks what a customer typed as an account number. Spaces and dashes that people
 * copy from paper bills ("17 0505 7190", "1705-057-190") are ignored.
 */
export function parseAccountNumber(input: string): AccountNumberResult {
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
  if (!KNOWN_CODES.has(code)) {
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

export function settlementName(code: string): string | undefined {
  return SETTLEMENTS.find((s) => s.code === code)?.name;
}

function pluralDigits(n: number): string {
  return pluralRu(n, { one: 'цифра', few: 'цифры', many: 'цифр' });
}
