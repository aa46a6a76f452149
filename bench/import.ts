/**
 * A payment registry imported through the import engine, as `import-registry --apply` does it:
 * a Sberbank-style file of N payments (Windows-1251, totals line) over M accounts, checked and
 * applied, then the same file again. Prints the time of each run, the peak RSS and the changes
 * of the second run (which must be none). Issue 19's target: 100 000 lines ≤ 30 s.
 *
 *   npm run bench -- import [--lines 100000] [--accounts 10000] [--dialect sqlite|postgres]
 *
 * A fresh database each run (SQLite in a temp dir, or a throw-away PostgreSQL database on
 * TEST_PG_URL), removed at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bulkAccounts, createTestDb } from '../test/db.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ensureReferenceData } from '../src/tools/demo/reference-data.ts';
import { runImport, type ImportSummary } from '../src/features/imports/engine.ts';
import { registryFormat } from '../src/features/imports/registry.format.ts';
import { findProfile, loadProfiles } from '../src/features/imports/registry.profiles.ts';
import { changesNothing } from '../src/features/imports/summary.ts';
import { writeRegistry } from './lib/registry-file.ts';

export async function runImportBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      lines: { type: 'string', default: '100000' },
      accounts: { type: 'string', default: '10000' },
      dialect: { type: 'string', default: 'sqlite' },
    },
  });
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
