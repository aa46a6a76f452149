/**
 * What kind of file came in, from its first bytes: text in one of the encodings suppliers and
 * banks use, an .xlsx workbook, or something else. Detection only; decoding is iconv-lite's.
 */

export const ENCODINGS = ['utf-8', 'windows-1251', 'koi8-r'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export const DELIMITERS = [';', ',', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** Bytes read to decide the encoding, the delimiter and whether the file is text at all. */
export const SAMPLE_BYTES = 64 * 1024;

export type FileKind = 'empty' | 'xlsx' | 'binary' | 'text';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Reads the kind of a file from its first bytes. */
export function fileKind(sample: Uint8Array): FileKind {
  if (sample.length === 0) {
    return 'empty';
  }
  if (ZIP_MAGIC.every((b, i) => sample[i] === b)) {
    return 'xlsx';
  }
  let control = 0;
  for (const b of sample) {
    if (b === 0) {
      return 'binary';
    }
    // Tab, LF, CR, and the DOS end-of-file mark some old systems still append.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1a) {
      control++;
    }
  }
  return control * 100 > sample.length ? 'binary' : 'text';
}

export function hasUtf8Bom(sample: Uint8Array): boolean {
  return sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
}

/**
 * The encoding of a text sample. UTF-8 when it has a BOM or decodes as UTF-8 (a sample cut in
 * the middle of a character is forgiven); otherwise Windows-1251 or KOI8-R, whichever reads the
 * Cyrillic letters as mostly lower case: the two encodings put the cases the other way round, and
 * names, addresses and words are mostly lower case in either.
 */
export function detectEncoding(sample: Uint8Array): Encoding {
  if (hasUtf8Bom(sample) || isUtf8(sample)) {
    return 'utf-8';
  }
  return lowerCaseShare(new TextDecoder('windows-1251').decode(sample)) >=
    lowerCaseShare(new TextDecoder('koi8-r').decode(sample))
    ? 'windows-1251'
    : 'koi8-r';
}

function isUtf8(sample: Uint8Array): boolean {
  // A cut character at the end of the sample is at most 3 bytes.
  for (let cut = 0; cut <= 3 && cut < sample.length; cut++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, sample.length - cut));
      return true;
    } catch {
      if (sample.length < SAMPLE_BYTES) {
        return false;
      }
    }
  }
  return false;
}

function lowerCaseShare(text: string): number {
  let lower = 0;
  let upper = 0;
  for (const ch of text) {
    if (ch >= 'а' && ch <= 'я') {
      lower++;
    } else if (ch >= 'А' && ch <= 'Я') {
      upper++;
    }
  }
  return lower + upper === 0 ? 1 : lower / (lower + upper);
}

/**
 * The delimiter of the first line: whichever of `;`, tab and `,` occurs most often outside
 * quotes; `;` when none does (a file of one column) or on a tie, as Russian CSV files use it and
 * a decimal comma must not be taken for a delimiter.
 */
export function detectDelimiter(firstLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && counts.has(ch as Delimiter)) {
      counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
    }
  }
  let best: Delimiter = ';';
  for (const d of DELIMITERS) {
    if (counts.get(d)! > counts.get(best)!) {
      best = d;
    }
  }
  return best;
}

/** An encoding as a person may write it on the command line or in a profile. */
export function parseEncoding(name: string): Encoding | 'auto' | undefined {
  const n = name.trim().toLowerCase().replace(/_/g, '-');
  if (n === 'auto') {
    return 'auto';
  }
  if (n === 'utf8' || n === 'utf-8') {
    return 'utf-8';
  }
  if (n === 'cp1251' || n === 'windows-1251' || n === 'win1251' || n === 'win-1251') {
    return 'windows-1251';
  }
  if (n === 'koi8-r' || n === 'koi8r' || n === 'koi8') {
    return 'koi8-r';
  }
  return undefined;
}
