import type { LineProblem } from './engine.ts';
import { fieldsWord } from './registry.parse.ts';

/**
 * What the reference-data imports (settlement codes, accounts) check the same way in every line:
 * an optional header line, the number of fields, text that a spreadsheet would run as a formula.
 */

/** The first line is a header when its first field has no digit (a code or a number always has). */
export function isHeader(line: number, fields: string[]): boolean {
  return line === 1 && !/[0-9]/.test(fields[0] ?? '');
}

/** Too few fields for the required columns, or more non-empty fields than columns. */
export function shapeProblem(fields: string[], required: number, columns: number): string | null {
  const used = fields.length - [...fields].reverse().findIndex((f) => f.trim() !== '');
  if (fields.length < required) {
    return `В строке ${fields.length} ${fieldsWord(fields.length)}, а нужно не меньше ${required}: строка неполная или разделитель не тот.`;
  }
  if (used > columns) {
    return `В строке ${used} ${fieldsWord(used)}, а столбцов ${columns}: лишние поля.`;
  }
  return null;
}

/**
 * A text field that must not start as a formula (`=HYPERLINK(…)`): names and addresses are printed
 * on bills and exported, so such a line is refused rather than stored.
 */
export function formulaProblem(field: string, value: string): LineProblem | null {
  return /^[=+\-@]/.test(value)
    ? {
        field,
        message: `«${value.slice(0, 60)}» начинается со знака «${value[0]}», как формула таблицы: такого не бывает в этом поле, строка не загружена.`,
      }
    : null;
}

/** A required text field: trimmed, not empty, at most `max` characters, not a formula. */
export function requiredText(
  field: string,
  value: string,
  max: number,
  problems: LineProblem[],
  optional = false,
): string {
  const v = value.trim();
  if (v === '') {
    if (!optional) {
      problems.push({ field, message: 'Поле не заполнено.' });
    }
    return v;
  }
  if (v.length > max) {
    problems.push({ field, message: `Длиннее ${max} знаков.` });
    return v;
  }
  if (/\p{Cc}/u.test(v)) {
    problems.push({ field, message: 'В поле непечатаемые знаки.' });
    return v;
  }
  const formula = formulaProblem(field, v);
  if (formula) {
    problems.push(formula);
  }
  return v;
}
