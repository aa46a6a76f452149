import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliCommand } from './cli/common.ts';
import { COMMANDS, loadCommand } from './cli/commands.ts';
import { portalArgs } from '../../test/portal-process.ts';

// The CLI as a user runs it, in a child process: help, and the usage errors (exit 2) that refuse a
// command before it does anything. No database: DATA_DIR points at a directory that must never
// appear, which it would as soon as a command opened the database.

const ROOT = path.resolve(import.meta.dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dataDir: string;

function cli(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(process.execPath, portalArgs('cli', args), { cwd: ROOT, env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Help text with its line wrapping undone, for phrases that may wrap. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

/** Exit 2, the message, then the usage of `usage` on stderr; nothing on stdout, no database. */
function assertRefused(run: Run, message: RegExp, usage: string): void {
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, message);
  assert.ok(run.stderr.indexOf(`Usage: npm run cli -- ${usage}`) > run.stderr.search(message), run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(fs.existsSync(dataDir), false, 'the command opened the database');
}

describe('the command-line tool', { concurrency: 2 }, () => {
  before(() => {
    dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-cli-help-')), 'data');
  });
  after(() => {
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  test('each file under cli/ that adds a command is named as it and listed (a run loads only its file)', async () => {
    const dir = path.join(ROOT, 'src', 'app', 'cli');
    const found: string[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const name = file.slice(0, -'.ts'.length);
      const mod = (await import(path.join(dir, file))) as { register?: unknown };
      if (typeof mod.register !== 'function') {
        continue;
      }
      const program = new CliCommand('cli');
      (await loadCommand(name)).register(program);
      assert.deepEqual(
        program.commands.map((c) => c.name()),
        [name],
        `${file} must add the command ${name}`,
      );
      found.push(name);
    }
    assert.deepEqual([...found].sort(), [...COMMANDS].sort());
  });

  test('--help lists every command and exits 0', async () => {
    const run = await cli('--help');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run cli -- <command> \[options\]/);
    for (const command of COMMANDS) {
      assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'), command);
    }
    assert.match(flat(run.stdout), /npm run cli -- <command> --help/);
  });

  test("a command's --help describes its argument and options, with their defaults", async () => {
    const run = await cli('close-month', '--help');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run cli -- close-month \[options\] \[period\]/);
    const text = flat(run.stdout);
    assert.match(text, /period the period to close, YYYY-MM \(default: the month that just ended\)/);
    assert.match(text, /--batch-size <N> accounts per batch .* 1 to 100000 \(default: 2000\)/);
    assert.match(text, /--workers <W> worker threads .* 0 to 16 .* \(default: 1\)/);
  });

  test('help <command> is the same as <command> --help', async () => {
    const run = await cli('help', 'readings-export');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run cli -- readings-export \[options\]/);
    for (const option of [
      '--from <D>',
      '--to <D>',
      '--format <format>',
      '--channel <c1,c2>',
      '--out <FILE>',
    ]) {
      assert.ok(run.stdout.includes(option), option);
    }
  });

  test('import-accounts without --region is refused before it opens the database', async () => {
    assertRefused(
      await cli('import-accounts', 'samples/accounts.csv'),
      /^Required option '--region <TEXT>' not specified\n/,
      'import-accounts [options] <FILE>',
    );
  });

  test('no command: the usage on stderr, exit 2', async () => {
    const run = await cli();
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Usage: npm run cli -- <command> \[options\]/);
    assert.equal(run.stdout, '');
  });

  test('an unknown option is refused with a suggestion', async () => {
    assertRefused(
      await cli('generate', '--acounts', '5'),
      /^Unknown option '--acounts'\n\(Did you mean --accounts\?\)/,
      'generate [options]',
    );
  });

  test('an unknown option given with =value is named without the value', async () => {
    assertRefused(await cli('quickstart', '--port=4000'), /^Unknown option '--port'\n/, 'quickstart');
  });

  test('an unknown command is refused with a suggestion and the list of commands', async () => {
    const run = await cli('close-mont', '2026-01');
    assertRefused(
      run,
      /^Unknown command 'close-mont'\n\(Did you mean close-month\?\)/,
      '<command> [options]',
    );
    assert.match(run.stderr, /^ {2}close-month \[options\] \[period\]/m);
  });

  test('a stray argument is refused, naming what the command takes', async () => {
    assertRefused(
      await cli('migrate', 'now'),
      /^Unexpected argument 'now': migrate takes no arguments\n/,
      'migrate',
    );
  });

  test('a bad number is refused, naming the option and its range', async () => {
    assertRefused(
      await cli('close-month', '--batch-size', 'abc'),
      /^Option '--batch-size <N>' argument 'abc' is invalid\. It must be a whole number from 1 to 100000\.\n/,
      'close-month [options] [period]',
    );
  });

  test('a malformed period is refused, naming the argument or option', async () => {
    assertRefused(
      await cli('close-month', '2026-13'),
      /^Command-argument value '2026-13' is invalid for argument 'period'\. It must be a period, YYYY-MM\.\n/,
      'close-month [options] [period]',
    );
    assertRefused(
      await cli('recalculate', '--account', '1705057190', '--period', '2026-1', '--reason', 'meter replaced'),
      /^Option '--period <YYYY-MM>' argument '2026-1' is invalid\. It must be a period, YYYY-MM\.\n/,
      'recalculate [options]',
    );
  });

  test("tariff-set refuses a date that is not the 1st, or a price's form, before opening the database", async () => {
    const args = ['tariff-set', '--plan', 'single', '--zone', 'single'];
    assertRefused(
      await cli(...args, '--from', '2026-07-15', '--price', '5,47'),
      /^Option '--from <YYYY-MM-DD>' argument '2026-07-15' is invalid\. «2026-07-15»: цены меняются только с 1-го числа месяца/,
      'tariff-set [options]',
    );
    assertRefused(
      await cli(...args, '--from', '2026-07-01', '--price', '5,470001'),
      /^Option '--price <RUB>' argument '5,470001' is invalid\. «5,470001»: в цене не больше пяти знаков после запятой/,
      'tariff-set [options]',
    );
    assertRefused(
      await cli(...args.slice(0, 3), '--zone', 'evening', '--from', '2026-07-01', '--price', '5'),
      /^Option '--zone <ZONE>' argument 'evening' is invalid\. «evening» — не зона/,
      'tariff-set [options]',
    );
  });

  test('a missing required option is refused', async () => {
    assertRefused(
      await cli('recalculate', '--account', '1705057190', '--reason', 'meter replaced'),
      /^Required option '--period <YYYY-MM>' not specified\n/,
      'recalculate [options]',
    );
  });
});
