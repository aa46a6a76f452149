/**
 * The form in which surnames are compared at login: trimmed, inner spaces collapsed,
 * case-insensitive, and "ё" the same as "е" (people and old databases mix them).
 */
export function normalizeSurname(input: string): string {
  return input.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('ru-RU').replace(/ё/g, 'е');
}

export function surnamesMatch(typed: string, stored: string): boolean {
  const a = normalizeSurname(typed);
  return a !== '' && a === normalizeSurname(stored);
}
