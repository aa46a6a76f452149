import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { BenchContext } from '../index.ts';
import { ROOT, sqliteEnv } from '../lib/dataset.ts';
import { verdict } from '../lib/report.ts';
import { RssSampler } from '../lib/rss.ts';
import { productionEntry } from '../lib/build.ts';

/**
 * `close-month` over the generated database: a copy of the dataset with its last closed month
 * reopened (its charges deleted), closed again by the real CLI (compiled, as production runs it) in a child process whose wall
 * time and peak RSS are measured. Targets (1 000 000 accounts, SQLite): ≤ 120 s, ≤ 300 MB.
 * With --pg-url the same is done on PostgreSQL (a database generated there with `generate`).
 */
export async function closeMonthScenario(ctx: BenchContext): Promise<void> {
  const { dataset } = ctx;
  const dir = path.join(path.dirname(dataset.dir), `${path.basename(dataset.dir)}-close`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const copy = path.join(dir, 'portal.db');
  const src = new SQLite(dataset.dbPath);
  src.pragma('wal_checkpoint(TRUNCATE)');
  src.close();
  fs.copyFileSync(dataset.dbPath, copy);
  const db = new SQLite(copy);
  const period = (db.prepare("select max(period) p from billing_periods where status = 'closed'").get() as { p: string | null }).p;
  if (!period) throw new Error('the dataset has no closed period');
  const prepared = performance.now();
  db.prepare('delete from charges where period = ?').run(period);
  db.prepare('delete from billing_periods where period = ?').run(period);
  db.prepare('update recalculations set applied_period = null where applied_period = ?').run(period);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(`reopened ${period} in a copy of the dataset (${((performance.now() - prepared) / 1000).toFixed(1)} s, not measured)`);

  const cli = productionEntry('cli');
  const started = performance.now();
  const profile = ctx.options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.options.profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, cli, 'close-month', period], {
    cwd: ROOT,
    env: { ...sqliteEnv(), DATA_DIR: dir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rss = new RssSampler(child.pid!);
  rss.start();
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  rss.stop();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`close-month exited with ${code}: ${out}`);
  const check = new SQLite(copy, { readonly: true });
  const n = (check.prepare('select count(*) n from charges where period = ?').get(period) as { n: number }).n;
  const accounts = (check.prepare('select count(*) n from accounts').get() as { n: number }).n;
  check.close();
  console.log(out.trim());
  console.log('');
  console.log(`scenario close-month (SQLite): ${accounts.toLocaleString('en-US')} accounts, period ${period}`);
  console.log(`charges written:  ${n.toLocaleString('en-US')} (one per account: ${verdict(n === accounts)})`);
  console.log(`wall time:        ${seconds.toFixed(1)} s   (target ≤ 120 s at 1 000 000: ${verdict(seconds <= 120 * (accounts / 1_000_000))})`);
  console.log(`peak RSS:         ${rss.peakMb.toFixed(0)} MB   (target ≤ 300 MB: ${verdict(rss.peakMb <= 300)})`);
  console.log(`rate:             ${Math.round(accounts / seconds).toLocaleString('en-US')} accounts/s`);
  fs.rmSync(dir, { recursive: true, force: true });
}
