import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { BenchContext } from '../index.ts';
import { ROOT, sqliteEnv } from '../lib/dataset.ts';
import { verdict } from '../lib/report.ts';
import { RssSampler } from '../lib/rss.ts';
import { productionEntry } from '../lib/build.ts';
import { cpuProfileArgs } from '../lib/server.ts';

/**
 * `close-month` over the generated database: a copy of the dataset with its last closed month
 * reopened (its charges deleted), closed again by the real CLI (compiled, as production runs it)
 * in a child process whose wall time and peak RSS are measured. Targets (1 000 000 accounts,
 * SQLite): ≤ 120 s, ≤ 300 MB. With --pg-url the same is done on that PostgreSQL database (one
 * filled by `generate`): its last closed month is reopened and closed again in place.
 */
export async function closeMonthScenario(ctx: BenchContext): Promise<void> {
  const profile = cpuProfileArgs(ctx.options.profileDir);
  if (ctx.options.pgUrl) {
    return closeOnPostgres(ctx.options.pgUrl, profile);
  }
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
  const period = (
    db.prepare("select max(period) p from billing_periods where status = 'closed'").get() as {
      p: string | null;
    }
  ).p;
  if (!period) {
    throw new Error('the dataset has no closed period');
  }
  const before = (
    db.prepare('select total_kop t from billing_periods where period = ?').get(period) as { t: number }
  ).t;
  const prepared = performance.now();
  db.prepare('delete from charges where period = ?').run(period);
  db.prepare('delete from billing_periods where period = ?').run(period);
  db.prepare('update recalculations set applied_period = null where applied_period = ?').run(period);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(
    `reopened ${period} in a copy of the dataset (${((performance.now() - prepared) / 1000).toFixed(1)} s, not measured)`,
  );

  const run = await runClose(period, { ...sqliteEnv(), DATA_DIR: dir, LOG_LEVEL: 'warn' }, profile);
  const check = new SQLite(copy, { readonly: true });
  const n = (check.prepare('select count(*) n from charges where period = ?').get(period) as { n: number }).n;
  const accounts = (check.prepare('select count(*) n from accounts').get() as { n: number }).n;
  const after = (
    check.prepare('select total_kop t from billing_periods where period = ?').get(period) as { t: number }
  ).t;
  check.close();
  report('SQLite', period, accounts, n, run, { before, after });
  fs.rmSync(dir, { recursive: true, force: true });
}

async function closeOnPostgres(url: string, profile: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ p: string | null }>(
      "select max(period) p from billing_periods where status = 'closed'",
    );
    const period = rows[0]?.p;
    if (!period) {
      throw new Error('the database has no closed period (fill it with `generate` first)');
    }
    const total = async () =>
      Number(
        (
          await client.query<{ t: string }>('select total_kop t from billing_periods where period = $1', [
            period,
          ])
        ).rows[0]?.t,
      );
    const before = await total();
    const prepared = performance.now();
    await client.query('begin');
    await client.query('delete from charges where period = $1', [period]);
    await client.query('delete from billing_periods where period = $1', [period]);
    await client.query('update recalculations set applied_period = null where applied_period = $1', [period]);
    await client.query('commit');
    await client.query('vacuum analyze charges');
    console.log(
      `reopened ${period} in ${url.replace(/\/\/[^@]*@/, '//')} (${((performance.now() - prepared) / 1000).toFixed(1)} s, not measured)`,
    );
    const run = await runClose(period, { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, profile);
    const count = async (sql: string, params: string[] = []) =>
      Number((await client.query<{ n: string }>(sql, params)).rows[0]!.n);
    const n = await count('select count(*) n from charges where period = $1', [period]);
    const accounts = await count('select count(*) n from accounts');
    report('PostgreSQL', period, accounts, n, run, { before, after: await total() });
  } finally {
    await client.end();
  }
}

interface CloseRun {
  seconds: number;
  peakMb: number;
  out: string;
}

/** The compiled CLI's `close-month period` in a child process, its wall time and peak RSS. */
async function runClose(period: string, env: NodeJS.ProcessEnv, profile: string[]): Promise<CloseRun> {
  const cli = productionEntry('cli');
  const started = performance.now();
  const child = spawn(process.execPath, [...profile, cli, 'close-month', period], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rss = new RssSampler(child.pid!);
  rss.start();
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  rss.stop();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    throw new Error(`close-month exited with ${code}: ${out}`);
  }
  return { seconds, peakMb: rss.peakMb, out };
}

function report(
  dbName: string,
  period: string,
  accounts: number,
  charges: number,
  run: CloseRun,
  totals: { before: number; after: number },
): void {
  console.log(run.out.trim());
  console.log('');
  console.log(
    `scenario close-month (${dbName}): ${accounts.toLocaleString('en-US')} accounts, period ${period}`,
  );
  console.log(
    `charges written:  ${charges.toLocaleString('en-US')} (one per account: ${verdict(charges === accounts)})`,
  );
  // The generator follows the closing's rules: closing its month again must give its total.
  console.log(
    `total charged:    ${(totals.after / 100).toFixed(2)} ₽ (the generated month's ${(totals.before / 100).toFixed(2)} ₽: ${verdict(totals.after === totals.before)})`,
  );
  console.log(
    `wall time:        ${run.seconds.toFixed(1)} s   (target ≤ 120 s at 1 000 000: ${verdict(run.seconds <= 120 * (accounts / 1_000_000))})`,
  );
  console.log(
    `peak RSS:         ${run.peakMb.toFixed(0)} MB   (target ≤ 300 MB: ${verdict(run.peakMb <= 300)})`,
  );
  console.log(`rate:             ${Math.round(accounts / run.seconds).toLocaleString('en-US')} accounts/s`);
}
