/**
 * A payment registry imported through the import engine, as `import-registry --apply` does it:
 * a Sberbank-style file of N payments (Windows-1251, totals line) over M accounts, checked and
 * applied, then the same file again. Prints the time of each run, the peak RSS and the changes
 * of the second run (which must be none). Issue 19's target: 100 000 lines ≤ 30 s.
 * With `--kind accounts`, an accounts file of N lines (`import-accounts --apply`) into an empty
 * database instead; the target: 1 000 000 lines ≤ 180 s with a peak RSS ≤ 300 MB on SQLite.
 *
 *   npm run bench -- import [--lines 100000] [--accounts 10000] [--dialect sqlite|postgres]
 *   npm run bench -- import --kind accounts [--lines 1000000] [--dialect sqlite|postgres]
 *
 * A fresh database each run (SQLite in a temp dir, or a throw-away PostgreSQL database on
 * TEST_PG_URL), removed at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { bulkAccounts, cliEnvFor, createTestDb } from '../test/db.ts';
import { ROOT } from './lib/dataset.ts';
import { productionEntry } from './lib/build.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ensureReferenceData } from '../src/tools/demo/reference-data.ts';
import { runImport, type ImportSummary } from '../src/features/imports/engine.ts';
import { registryFormat } from '../src/features/imports/registry.format.ts';
import { findProfile, loadProfiles } from '../src/features/imports/registry.profiles.ts';
import { changesNothing } from '../src/features/imports/summary.ts';
import { writeRegistry } from './lib/registry-file.ts';
import { writeAccountsFile } from './lib/accounts-file.ts';

export async function runImportBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      lines: { type: 'string', default: '100000' },
      accounts: { type: 'string', default: '10000' },
      dialect: { type: 'string', default: 'sqlite' },
      kind: { type: 'string', default: 'registry' },
    },
  });
  if (values.kind === 'accounts') {
    return runAccountsBench(Number(values.lines === '100000' ? '1000000' : values.lines), values.dialect);
  }
  const lines = Number(values.lines);
  const accounts = Number(values.accounts);
  const dialect = values.dialect === 'postgres' ? 'postgres' : 'sqlite';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-import-'));
  const file = path.join(dir, 'registry.txt');
  const t = await createTestDb(dialect);
  try {
    console.log(`import bench: a ${lines}-line registry over ${accounts} accounts, ${dialect}`);
    await ensureReferenceData(t.db.kysely, 2026);
    await bulkAccounts(t.db, accounts);
    const totals = await writeRegistry(file, { lines, accounts });
    console.log(
      `  file: ${(fs.statSync(file).size / 1048576).toFixed(1)} MB, ${(totals.amountKop / 100).toFixed(2)} rub.`,
    );
    const format = registryFormat(findProfile(loadProfiles(), 'sberbank'), {
      clock: systemClock,
      timeZone: 'Asia/Krasnoyarsk',
      readingsLastDay: 25,
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const once = async (label: string): Promise<ImportSummary> => {
      const started = performance.now();
      const s = await runImport(t.db.kysely, format, file, {
        apply: true,
        clock: systemClock,
        reportPath: path.join(dir, 'report.csv'),
        source: { encoding: 'auto', delimiter: 'auto' },
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `  ${label}: ${seconds.toFixed(1)} s (${Math.round(lines / seconds)} lines/s), status ${s.status}, ` +
          `credited ${s.counts.credited ?? 0}, unchanged ${s.counts.unchanged ?? 0}, rejected ${s.rejected}` +
          (label === 'first run' ? ` — target ≤ 30 s: ${seconds <= 30 ? 'met' : 'MISSED'}` : ''),
      );
      return s;
    };
    await once('first run');
    const again = await once('same file again');
    clearInterval(sampler);
    console.log(`  same file again changes ${changesNothing(again) ? 'nothing (0 changes)' : 'SOMETHING'}`);
    console.log(
      `  peak RSS ${(peak / 1048576).toFixed(0)} MB; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (!changesNothing(again) || (again.counts.unchanged ?? 0) !== lines) {
      process.exitCode = 1;
    }
  } finally {
    await t.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The accounts file applied into an empty database by the CLI itself (`import-accounts --apply`
 * in its own process, built, as an administrator of a production install runs it), then again: time and the process's peak RSS
 * as /usr/bin/time measures them.
 */
async function runAccountsBench(lines: number, dialectArg: string | undefined): Promise<void> {
  const dialect = dialectArg === 'postgres' ? 'postgres' : 'sqlite';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-bench-accounts-'));
  const file = path.join(dir, 'accounts.csv');
  const t = await createTestDb(dialect);
  try {
    console.log(`import bench: a ${lines}-line accounts file into an empty database, ${dialect}`);
    await ensureReferenceData(t.db.kysely, 2026);
    const codes = (await t.db.kysely.selectFrom('settlements').select('code').execute()).map((c) => c.code);
    await writeAccountsFile(file, lines, codes);
    console.log(`  file: ${(fs.statSync(file).size / 1048576).toFixed(1)} MB`);
    const env = { ...cliEnvFor(t.url), LOG_LEVEL: 'silent' };
    // As a production install runs it (node dist/app/cli.js), not under the TypeScript loader.
    const cli = productionEntry('cli');
    const once = (label: string) => {
      const run = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          'TIME %e %M',
          process.execPath,
          cli,
          'import-accounts',
          file,
          '--apply',
          '--region',
          'Республика Хакасия',
          '--no-progress',
          '--report',
          path.join(dir, 'report.csv'),
        ],
        { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 26 },
      );
      const m = /TIME ([\d.]+) (\d+)/.exec(run.stderr);
      if (run.status !== 0 || !m) {
        throw new Error(`import-accounts failed (${run.status}): ${run.stderr.slice(-2000)}`);
      }
      const seconds = Number(m[1]);
      const rssMb = Number(m[2]) / 1024;
      const summary = run.stdout.trim().split('\n');
      console.log(
        `  ${label}: ${seconds.toFixed(1)} s (${Math.round(lines / seconds)} lines/s), peak RSS ${rssMb.toFixed(0)} MB` +
          (label === 'first run'
            ? ` — targets ≤ 180 s: ${seconds <= 180 ? 'met' : 'MISSED'}, ≤ 300 MB: ${rssMb <= 300 ? 'met' : 'MISSED'}`
            : ''),
      );
      for (const line of summary) {
        console.log(`    ${line}`);
      }
      return summary;
    };
    once('first run');
    const again = once('same file again');
    const unchanged = again.some((l) => l.includes(`без изменений: ${lines}`));
    console.log(`  same file again changes ${unchanged ? 'nothing (0 changes)' : 'SOMETHING'}`);
    console.log(
      `  load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    if (!unchanged) {
      process.exitCode = 1;
    }
  } finally {
    await t.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
