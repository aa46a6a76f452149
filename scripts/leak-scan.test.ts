import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error a plain .mjs script without types
import { luhnValid as untypedLuhn, scanDir, scanLogs } from './leak-scan.mjs';

interface Finding {
  file: string;
  line: number;
  what: string;
}
const luhnValid = untypedLuhn as (digits: string) => boolean;
const scan = scanLogs as (
  logs: Array<{ name: string; text: string }>,
  issued: Array<{ kind: string; value: string }>,
) => Finding[];

const TOKEN = 'dGhpcy1pcy1hLXNlc3Npb24tdG9rZW4tMzI';
const issued = [
  { kind: 'session', value: TOKEN },
  { kind: 'surname', value: 'Иванова' },
];
const clean = [
  '{"level":30,"time":"2026-06-10T05:00:00.000Z","reqId":"1f0c","req":{"method":"GET","url":"/mail/confirm/…"},"msg":"request completed"}',
  '{"level":30,"time":1781000000000,"nextAt":1781000000000,"msg":"job"}',
].join('\n');

test('Luhn: known card numbers pass, a changed digit fails', () => {
  assert.equal(luhnValid('4111111111111111'), true);
  assert.equal(luhnValid('5555555555554444'), true);
  assert.equal(luhnValid('4111111111111112'), false);
});

test('clean logs have no findings', () => {
  assert.deepEqual(scan([{ name: 'a.log', text: clean }], issued), []);
});

test('a token, a surname in any case, and a card number are found with file and line', () => {
  const text = [
    clean,
    `{"msg":"incoming request","req":{"url":"/mail/confirm/${TOKEN}"}}`,
    '{"msg":"login","surname":"ИВАНОВА"}',
    '{"msg":"paid","pan":"4111 1111 1111 1111"}',
  ].join('\n');
  const found = scan([{ name: 'b.log', text }], issued);
  assert.deepEqual(
    found.map((f) => [f.file, f.line, f.what.split(' ')[0]]),
    [
      ['b.log', 3, 'session'],
      ['b.log', 4, 'surname'],
      ['b.log', 5, 'card-like'],
    ],
  );
  assert.ok(
    found.every((f) => !f.what.includes(TOKEN)),
    'the report does not repeat the secret',
  );
});

test('a UUID whose last groups are digits is not a card number; the same digits alone are', () => {
  // A request id of a real test run: "8651-675941724480" passes the Luhn check.
  const id = 'b29abe35-60bc-412b-8651-675941724480';
  assert.equal(luhnValid('8651675941724480'), true);
  assert.deepEqual(
    scan([{ name: 'c.log', text: `{"reqId":"${id}","msg":"request completed"}` }], issued),
    [],
  );
  const found = scan([{ name: 'c.log', text: '{"msg":"paid","pan":"8651-675941724480"}' }], issued);
  assert.deepEqual(
    found.map((f) => f.what),
    ['card-like number 8651…'],
  );
});

test('a directory of logs and issued secrets, as scripts/test.mjs scans it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-scan-'));
  try {
    fs.writeFileSync(path.join(dir, '101.log'), `${clean}\n`);
    fs.writeFileSync(path.join(dir, 'issued-101.txt'), `session\t${TOKEN}\n`);
    const scanDirTyped = scanDir as (dir: string) => { findings: Finding[]; lines: number; secrets: number };
    assert.equal(scanDirTyped(dir).findings.length, 0);
    fs.appendFileSync(path.join(dir, '102.log'), `{"msg":"oops","sid":"${TOKEN}"}\n`);
    const r = scanDirTyped(dir);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]?.file, '102.log');
    assert.equal(r.secrets, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
