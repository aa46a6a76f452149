import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import type ExcelJS from 'exceljs';
import {
  detectDelimiter,
  detectEncoding,
  fileKind,
  SAMPLE_BYTES,
  type Delimiter,
  type Encoding,
} from './encoding.ts';
import { lazyRequire } from '../../platform/lazy.ts';

/** exceljs (about 30 MB loaded) only for an .xlsx file. */
const excel = lazyRequire<typeof ExcelJS>('exceljs');

/**
 * The source of an import: a file read as records (the fields of one line, or of one row of the
 * first sheet of an .xlsx workbook), streamed, never held whole. Where the file came from (the
 * CLI, an upload) is not its business: it is given a path.
 */

export interface SourceOptions {
  encoding?: Encoding | 'auto';
  delimiter?: Delimiter | 'auto';
  /** Longest line read, in characters: a longer one stops the reading with an error. */
  maxLineChars?: number;
}

/** A record, or a line that could not be read; `fatal` when nothing after it can be. */
export type SourceItem =
  | { kind: 'record'; line: number; fields: string[] }
  | { kind: 'error'; line: number; message: string; fatal: boolean };

export interface OpenedSource {
  format: 'text' | 'xlsx';
  encoding: Encoding | null;
  delimiter: Delimiter | null;
  size: number;
  /** Reads the file from its start (each call anew), reporting the bytes read so far. */
  items(onBytes?: (read: number) => void): AsyncGenerator<SourceItem>;
}

/**
 * A file that cannot be read at all (empty, binary, in another encoding than given, a ZIP that is
 * no workbook): thrown by `openSource`, or by `items()` while reading a workbook.
 */
export class SourceRefused extends Error {}

export const MAX_LINE_CHARS = 10_000;

const ENCODING_NAMES: Record<Encoding, string> = {
  'utf-8': 'UTF-8',
  'windows-1251': 'Windows-1251',
  'koi8-r': 'KOI8-R',
};

export async function openSource(file: string, opts: SourceOptions = {}): Promise<OpenedSource> {
  const size = (await fs.promises.stat(file)).size;
  const sample = await readSample(file);
  const kind = fileKind(sample);
  if (kind === 'empty') {
    throw new SourceRefused('Файл пуст: в нём нет ни одной строки.');
  }
  if (kind === 'binary') {
    throw new SourceRefused(
      'Файл не текстовый (в нём двоичные данные): нужен текст (CSV) или книга Excel (.xlsx).',
    );
  }
  if (kind === 'xlsx') {
    return {
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      size,
      items: (onBytes) => xlsxItems(file, onBytes),
    };
  }
  const detected = detectEncoding(sample);
  const given = opts.encoding && opts.encoding !== 'auto' ? opts.encoding : null;
  if (given && given !== 'utf-8' && detected === 'utf-8' && sample.some((b) => b >= 0x80)) {
    throw new SourceRefused(
      `Файл записан в кодировке UTF-8, а указана ${ENCODING_NAMES[given]}: русские буквы прочитались бы неверно. Укажите кодировку utf-8 или auto.`,
    );
  }
  const encoding = given ?? detected;
  const firstLine = iconv.decode(Buffer.from(sample), encoding).split(/\r?\n/, 1)[0] ?? '';
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : detectDelimiter(firstLine);
  const maxLineChars = opts.maxLineChars ?? MAX_LINE_CHARS;
  return {
    format: 'text',
    encoding,
    delimiter,
    size,
    items: (onBytes) => textItems(file, { encoding, delimiter, maxLineChars }, onBytes),
  };
}

async function readSample(file: string): Promise<Uint8Array> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SAMPLE_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function countingStream(file: string, onBytes: ((read: number) => void) | undefined): fs.ReadStream {
  const raw = fs.createReadStream(file);
  let read = 0;
  raw.on('data', (chunk) => {
    read += chunk.length;
    onBytes?.(read);
  });
  return raw;
}

interface ParsedRow {
  record: string[];
  info: { lines: number };
}

async function* textItems(
  file: string,
  o: { encoding: Encoding; delimiter: Delimiter; maxLineChars: number },
  onBytes: ((read: number) => void) | undefined,
): AsyncGenerator<SourceItem> {
  const parser = parse({
    delimiter: o.delimiter,
    relax_column_count: true,
    // A quote inside a field (ООО "Ромашка") is text; only a field that opens with one is quoted.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: o.maxLineChars,
    info: true,
  });
  const skipped: CsvError[] = [];
  parser.on('skip', (err: CsvError) => skipped.push(err));
  const raw = countingStream(file, onBytes);
  // iconv-lite drops the BOM of UTF-8.
  pipeline(raw, iconv.decodeStream(o.encoding), parser, () => {
    // Errors of the file stream end the parser's iteration below with the error.
  });
  let lastLine = 0;
  const flush = function* (): Generator<SourceItem> {
    for (let err = skipped.shift(); err; err = skipped.shift()) {
      yield csvProblem(err, lastLine, o.maxLineChars);
    }
  };
  try {
    for await (const row of parser as AsyncIterable<ParsedRow>) {
      yield* flush();
      lastLine = row.info.lines;
      if (row.record.some((f) => f.includes('\ufffd'))) {
        yield {
          kind: 'error',
          line: lastLine,
          message: `Строка не читается в кодировке ${ENCODING_NAMES[o.encoding]}: похоже, файл в другой кодировке. Укажите её (windows-1251, koi8-r, utf-8) или auto.`,
          fatal: false,
        };
        continue;
      }
      yield { kind: 'record', line: lastLine, fields: row.record };
    }
    yield* flush();
  } finally {
    raw.destroy();
  }
}

function csvProblem(err: CsvError, lastLine: number, maxLineChars: number): SourceItem {
  const line = typeof err.lines === 'number' ? err.lines : lastLine + 1;
  if (err.code === 'CSV_MAX_RECORD_SIZE') {
    return {
      kind: 'error',
      line,
      message: `Строка длиннее ${maxLineChars} знаков: в файлах загрузки таких не бывает, файл дальше не читается.`,
      fatal: true,
    };
  }
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    return {
      kind: 'error',
      line: lastLine + 1,
      message: 'Кавычка открыта и не закрыта до конца файла: эта строка и все следующие не читаются.',
      fatal: true,
    };
  }
  return {
    kind: 'error',
    line,
    message: 'Строка не читается: неправильно расставлены кавычки.',
    fatal: false,
  };
}

/**
 * Any ZIP file starts as an .xlsx does, so what the first bytes call a workbook may be none: a
 * .docx, a plain archive (no sheet at all), or a workbook cut short (exceljs' `FILE_ENDED`), or
 * one whose parts do not parse. Whatever exceljs throws refuses the file whole.
 */
export const NOT_A_WORKBOOK =
  'Файл не читается как книга Excel (.xlsx): он повреждён или обрезан, или это другой архив ZIP (например, документ Word). Сохраните таблицу в Excel как .xlsx или как CSV и загрузите снова.';
export const NO_SHEET =
  'В файле нет ни одного листа Excel: это не книга .xlsx с таблицей (возможно, другой архив ZIP, например документ Word). Нужен текст (CSV) или книга Excel с таблицей на первом листе.';

async function* xlsxItems(
  file: string,
  onBytes: ((read: number) => void) | undefined,
): AsyncGenerator<SourceItem> {
  const raw = countingStream(file, onBytes);
  const reader = new (excel().stream.xlsx.WorkbookReader)(raw, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    // The styles tell a date cell from a number.
    styles: 'cache',
  });
  let sheets = 0;
  try {
    // The first sheet only: a registry is one table.
    for await (const sheet of reader) {
      sheets++;
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (values.some((v) => v !== '')) {
          yield { kind: 'record', line: row.number, fields: values };
        }
      }
      break;
    }
  } catch (err) {
    // Only the reader's errors land here: one thrown by the consumer of a record is not thrown
    // into this generator (it is closed instead).
    throw new SourceRefused(NOT_A_WORKBOOK, { cause: err });
  } finally {
    raw.destroy();
  }
  if (sheets === 0) {
    throw new SourceRefused(NO_SHEET);
  }
}

/** A cell as text: numbers as JavaScript writes them, dates as YYYY-MM-DD, a formula by its result. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  if (v instanceof Date) {
    return v.toISOString().slice(0, 10);
  }
  if (typeof v === 'object') {
    const o = v as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown };
    if (o.richText) {
      return o.richText.map((r) => r.text).join('');
    }
    if ('result' in o) {
      return cellText(o.result);
    }
    if (o.text !== undefined) {
      return cellText(o.text);
    }
    return '';
  }
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? String(v) : '';
}
