// Searches the logs of a test run for what must never be logged: every secret the tests were
// issued (session and CSRF tokens, confirmation links' tokens, bank order ids, keys; written to
// `issued-*.txt` by test/helpers.ts), the surnames typed at login (the login's second factor),
// and card numbers (16 to 19 digits that pass the Luhn check; shorter runs are left out, since a
// 13-digit millisecond timestamp passes it one time in ten).
//
// Usage: node scripts/leak-scan.mjs DIR   (exits 1 listing what leaked, with file and line)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** True when the digits pass the Luhn check. */
export function luhnValid(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const CARD_LIKE = /(?<![\d])\d(?:[ -]?\d){15,18}(?![\d])/g;
/**
 * UUIDs (request ids, order ids): their last groups can be all digits, "8651-675941724480", and
 * one in ten of those passes the Luhn check. Digits inside a UUID are not a card number.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** A line's words: secrets and surnames are looked up whole (a Set, not one search per secret). */
const WORD = /[\p{L}\p{N}_-]+/gu;

/**
 * The leaks in `logs` ({ name, text }): each secret found, each surname, each Luhn-valid number,
 * as { file, line, what } (the secret itself is not repeated, only its kind and first characters).
 */
export function scanLogs(logs, issued) {
  const secrets = new Map(
    issued.filter((s) => s.value.length >= 6).map((s) => [s.value.toLowerCase(), s.kind]),
  );
  const findings = [];
  for (const { name, text } of logs) {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') {
        continue;
      }
      for (const [word] of line.toLowerCase().matchAll(WORD)) {
        const kind = secrets.get(word);
        if (kind !== undefined) {
          findings.push({ file: name, line: i + 1, what: `${kind} ${word.slice(0, 4)}…` });
        }
      }
      const uuids = [...line.matchAll(UUID)].map((u) => [u.index, u.index + u[0].length]);
      for (const m of line.matchAll(CARD_LIKE)) {
        if (uuids.some(([from, to]) => m.index >= from && m.index + m[0].length <= to)) {
          continue;
        }
        const digits = m[0].replace(/[ -]/g, '');
        if (luhnValid(digits)) {
          findings.push({ file: name, line: i + 1, what: `card-like number ${digits.slice(0, 4)}…` });
        }
      }
    }
  }
  return findings;
}

/** The issued secrets of `dir`'s `issued-*.txt` files: one `kind<TAB>value` a line. */
export function readIssued(dir) {
  const out = new Map();
  for (const f of readdirSync(dir).filter((n) => /^issued-.*\.txt$/.test(n))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) {
        out.set(line.slice(tab + 1), line.slice(0, tab));
      }
    }
  }
  return [...out].map(([value, kind]) => ({ kind, value }));
}

/** Scans `dir` (logs `*.log`, secrets `issued-*.txt`); returns the findings and what was scanned. */
export function scanDir(dir) {
  const logs = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .map((n) => ({ name: n, text: readFileSync(path.join(dir, n), 'utf8') }));
  const issued = readIssued(dir);
  const lines = logs.reduce((n, l) => n + l.text.split('\n').length - 1, 0);
  return { findings: scanLogs(logs, issued), files: logs.length, lines, secrets: issued.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/leak-scan.mjs DIR');
    process.exit(2);
  }
  const { findings, files, lines, secrets } = scanDir(dir);
  if (findings.length > 0) {
    console.error(`leak scan: ${findings.length} leak(s) in the test run's logs (${dir}):`);
    for (const f of findings.slice(0, 50)) {
      console.error(`  ${f.file}:${f.line}: ${f.what}`);
    }
    process.exit(1);
  }
  console.log(`leak scan: ${lines} log lines in ${files} files, ${secrets} secrets searched: none leaked`);
}
