import type { FormatReader, ReadResult } from './engine.ts';

/**
 * Files whose first line names their columns (tariffs, meters, …): the header read once, in any
 * order, by Russian or English names; each data line then read by column. A header without a
 * required column refuses the file; a line with fewer fields than the columns it needs is
 * rejected with its count.
 */

export interface ColumnSpec<C extends string> {
  /** Each column's name for people, as messages and the report name it. */
  titles: Record<C, string>;
  /** Header names, lower case, «ё» as «е», before a comma or a bracket («Цена, руб.» is «цена»). */
  names: Record<string, C>;
  required: C[];
  /** The header line to show in the message when it is wrong. */
  example: string;
  /** Said when the file has the header and no data line. */
  empty: string;
}

/** A data line: the trimmed field of a column ('' when the file has no such column). */
export type LineGet<C extends string> = (c: C) => string;

function headerName<C extends string>(spec: ColumnSpec<C>, field: string): C | null {
  const name = field
    .replace(/^\ufeff/, '')
    .split(/[,(]/, 1)[0]!
    .trim()
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/\s+/g, ' ');
  return spec.names[name] ?? null;
}

/** A reader that takes the first non-empty line as the header and gives every later line to `readLine`. */
export function headerReader<R, C extends string>(
  spec: ColumnSpec<C>,
  readLine: (get: LineGet<C>, line: number) => ReadResult<R>,
): FormatReader<R> {
  let columns: Array<C | null> | null = null;
  let headerError: string | null = null;
  let lines = 0;
  return {
    read(line, fields) {
      if (fields.every((f) => f.trim() === '')) {
        return { kind: 'skip' };
      }
      if (columns === null) {
        columns = fields.map((f) => headerName(spec, f));
        const missing = spec.required.filter((c) => !columns!.includes(c));
        if (missing.length > 0) {
          headerError = `Строка ${line}: в заголовке нет столбцов ${missing.map((c) => `«${spec.titles[c]}»`).join(', ')}. Первая строка должна называть столбцы: ${spec.example}.`;
          return { kind: 'rejected', problems: [{ message: headerError }] };
        }
        return { kind: 'skip' };
      }
      if (headerError !== null) {
        return { kind: 'skip' };
      }
      lines++;
      const cols = columns;
      const needed = Math.max(...spec.required.map((c) => cols.indexOf(c))) + 1;
      if (fields.length < needed) {
        return {
          kind: 'rejected',
          problems: [
            {
              message: `В строке ${fields.length} ${fieldsWord(fields.length)}, а нужно не меньше ${needed}: строка неполная или разделитель не тот.`,
            },
          ],
        };
      }
      return readLine((c) => {
        const i = cols.indexOf(c);
        return i < 0 ? '' : (fields[i] ?? '').trim();
      }, line);
    },
    end() {
      if (headerError !== null) {
        return [headerError];
      }
      return lines === 0 ? [spec.empty] : [];
    },
  };
}

function fieldsWord(n: number): string {
  const d = n % 10;
  const t = n % 100;
  return d === 1 && t !== 11 ? 'поле' : d >= 2 && d <= 4 && (t < 12 || t > 14) ? 'поля' : 'полей';
}
