// Runs the test suites with node's test runner (TypeScript through tsx).
// Usage: npm test [-- unit|db|browser ...]   (default: all suites)
//   unit     src/**/*.test.ts(x) but the database tests (pure code, no I/O), and scripts/**/*.test.ts
//   db       src/**/*.db.test.ts: HTTP and database tests, once per database (DIALECTS)
//   browser  test/browser/*.test.ts: the real pages in Chromium
//   deploy   test/deploy/*.test.ts: the deployment kit (deploy/) under nginx and systemd-analyze
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SUITES = {
  unit: () => [...sources().filter((f) => !/\.db\.test\.tsx?$/.test(f)), ...list('scripts', true)],
  db: () => sources().filter((f) => /\.db\.test\.tsx?$/.test(f)),
  browser: () => list('test/browser'),
  deploy: () => list('test/deploy'),
};

function list(dir, recursive = false) {
  return readdirSync(dir, { recursive, encoding: 'utf8' })
    .filter((f) => /\.test\.tsx?$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

function sources() {
  return list('src', true);
}

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SUITES);
const unknown = wanted.filter((s) => !(s in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite: ${unknown.join(', ')} (suites: ${Object.keys(SUITES).join(', ')})`);
  process.exit(2);
}
const files = wanted.flatMap((s) => SUITES[s]());
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// What the build makes and the code under test needs: the bills' fonts (PDF tests) and the
// browser files named by dist/assets-manifest.json (every page), from the sources under test.
for (const script of ['scripts/build-fonts.mjs', 'scripts/build-assets.mjs']) {
  const built = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.exit(built.status ?? 1);
  }
}
// The compiled tree (dist/, as `npm run build` makes it) that the tests start the CLI and the
// server from in child processes (test/portal-process.ts): compiled again here when a source is
// newer, so that the children always run the sources under test.
if (!distIsFresh()) {
  console.log('dist/ is older than src/: compiling it (tsc -p tsconfig.build.json)');
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    process.exit(tsc.status ?? 1);
  }
}

/** Whether dist/ was compiled after the last change of what it is compiled from. */
function distIsFresh() {
  let built;
  try {
    built = statSync('dist/app/cli.js').mtimeMs;
  } catch {
    return false;
  }
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
  for (const f of readdirSync('src', { recursive: true, encoding: 'utf8' })) {
    if (!/\.test\.tsx?$/.test(f)) {
      inputs.push(path.join('src', f));
    }
  }
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

// Test files run in parallel, four at a time by default (TEST_CONCURRENCY=1 runs them one by one).
// Most of a file's time is spent waiting: on PostgreSQL, on Chromium, on the CLI and servers it
// starts as child processes. On the 2-core CI machine the whole run took 1,616 s one file at a
// time (node's default there: cores − 1) and 508 s four at a time, with the same results.
const concurrency = process.env.TEST_CONCURRENCY ?? '4';
if (!/^[1-9][0-9]*$/.test(concurrency)) {
  console.error(`TEST_CONCURRENCY must be a whole number from 1, not "${concurrency}"`);
  process.exit(2);
}
// The leak scan (LEAK_SCAN=0 turns it off): the test apps log at debug level into a directory of
// the run and list the secrets they were issued (test/helpers.ts); scripts/leak-scan.mjs then
// searches every log line for them, for the surnames typed at login and for card numbers.
const leakDir = process.env.LEAK_SCAN === '0' ? null : mkdtempSync(path.join(os.tmpdir(), 'lk-test-logs-'));
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, LK_TEST_DIST: 'dist', ...(leakDir ? { LK_TEST_LOG_DIR: leakDir } : {}) },
  },
);
if (leakDir) {
  const scan = spawnSync(process.execPath, ['scripts/leak-scan.mjs', leakDir], { stdio: 'inherit' });
  if (scan.status !== 0) {
    console.error(`leak scan: the logs are kept in ${leakDir}`);
    process.exit(res.status || 1);
  }
  rmSync(leakDir, { recursive: true, force: true });
}
process.exit(res.status ?? 1);
