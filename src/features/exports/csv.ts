import { PassThrough, Readable, pipeline, type Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import iconv from 'iconv-lite';
import { neutraliseCell } from '../imports/report.ts';

/**
 * The files that go out, as rows streamed through csv-stringify (and iconv-lite for
 * Windows-1251): `;` between cells, CRLF between lines (1С and Excel run on Windows), UTF-8 with
 * a BOM or Windows-1251. A cell's kind says how its value is written:
 *
 * - `text` (names, addresses, sources): neutralised against CSV injection, a leading `=`, `+`,
 *   `-`, `@` (tab, CR) getting an apostrophe, since it comes from customers and registries;
 * - `money`: integer kopecks as rubles with a decimal comma and no thousands separator,
 *   "-1092,85", "1500,00", exact (digits of the integer, never a float); a minus is a credit. It
 *   is never neutralised: the portal wrote it, and an apostrophe would make it text in 1С and Excel;
 * - `integer` (kWh, counts), `tariff` (1/100000 ₽ as "1,61000"), `date` ('YYYY-MM-DD' as
 *   "31.05.2026"), `code` (account numbers, periods, the portal's own identifiers): as they are.
 */

export type CellKind = 'text' | 'money' | 'integer' | 'tariff' | 'date' | 'code';
export type Value = string | number | null;

export interface Column {
  title: string;
  kind: CellKind;
}

export type ExportEncoding = 'utf8' | 'cp1251';

/** Integer units of 10^-scale as a plain decimal with a comma: (-109285, 2) → "-1092,85". */
export function decimalComma(units: number, scale: number): string {
  if (!Number.isSafeInteger(units)) {
    throw new RangeError(`not an integer amount: ${units}`);
  }
  const digits = String(Math.abs(units)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${units < 0 ? '-' : ''}${whole}${scale > 0 ? `,${frac}` : ''}`;
}

export function cellOf(kind: CellKind, v: Value): string {
  if (v === null) {
    return '';
  }
  switch (kind) {
    case 'text':
      return neutraliseCell(String(v));
    case 'money':
      return decimalComma(Number(v), 2);
    case 'tariff':
      return decimalComma(Number(v), 5);
    case 'integer':
      return String(Number(v));
    case 'date': {
      const [y, m, d] = String(v).split('-');
      return `${d}.${m}.${y}`;
    }
    case 'code':
      return String(v);
  }
}

export interface CsvOptions {
  encoding: ExportEncoding;
  /** Write a first line with the columns' titles. */
  header: boolean;
  /**
   * No quotes (the bank's registry, read by position): `;` in a text cell becomes `,`, and line
   * breaks and tabs become spaces, so that a cell can never split into two.
   */
  plain?: boolean;
}

/** A cell of a file read line by line and by position: no `;`, no line break. */
function plainText(s: string): string {
  return s.replace(/;/g, ',').replace(/[\r\n\t]+/g, ' ');
}

/**
 * The file's bytes, as `rows` yields them (a page of the database at a time: nothing is held
 * whole). An error of `rows` destroys the returned stream with it.
 */
export function csvStream(
  columns: readonly Column[],
  rows: AsyncIterable<Value[]>,
  opts: CsvOptions,
): Readable {
  async function* records(): AsyncGenerator<string[]> {
    if (opts.header) {
      yield columns.map((c) => c.title);
    }
    for await (const row of rows) {
      yield columns.map((c, i) => {
        const cell = cellOf(c.kind, row[i] ?? null);
        return opts.plain ? plainText(cell) : cell;
      });
    }
  }
  const csv = stringify({
    delimiter: ';',
    record_delimiter: 'windows',
    bom: opts.encoding === 'utf8',
    ...(opts.plain ? { quote: false } : {}),
  });
  // Text, not bytes, for iconv-lite's encoder (a decoder joins characters split across chunks).
  csv.setEncoding('utf8');
  const out = new PassThrough();
  const stages: Array<Readable | Transform> = [Readable.from(records()), csv];
  if (opts.encoding === 'cp1251') {
    stages.push(iconv.encodeStream('win1251') as unknown as Transform);
  }
  pipeline([...stages, out], (err) => {
    if (err) {
      out.destroy(err);
    }
  });
  return out;
}

export function contentType(kind: 'csv' | 'txt', encoding: ExportEncoding): string {
  return `${kind === 'csv' ? 'text/csv' : 'text/plain'}; charset=${encoding === 'utf8' ? 'utf-8' : 'windows-1251'}`;
}
