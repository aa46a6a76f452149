import { sql } from 'kysely';
import type { Db } from '../../platform/db/connect.ts';
import type { BillingLimits } from '../../domain/billing.ts';
import { DEMO_ACCOUNT } from '../demo/demo-account.ts';
import { BRANCH_OF_SETTLEMENT, ensureReferenceData, SETTLEMENTS } from '../demo/reference-data.ts';
import { dateInZone } from '../../domain/dates.ts';
import { markPeriodsClosed } from './billing-periods.ts';
import type { ModelInput, NextIds, PlanInfo } from './model.ts';
import { PostgresSink } from './postgres-sink.ts';
import { progressBar, silentProgress } from './progress.ts';
import { InlineSource, WorkerSource, type ChunkSource } from './source.ts';
import { SqliteSink } from './sqlite-sink.ts';
import type { Chunk } from './tables.ts';

export interface GenerateOptions {
  accounts: number;
  seed: number;
  now: Date;
  timeZone: string;
  /** Draw a progress bar on stderr. */
  progress: boolean;
  /** Run the model in a worker thread (default: for 5 000 accounts or more). The rows are the same either way. */
  worker?: boolean;
  /** The closing's limits (config.billing), so that generated charges are the ones it would make; default 6, 3, ×1.0. */
  billing?: BillingLimits;
  /** The readings window (config.readingsLastDay); default the 25th. */
  readingsLastDay?: number;
  /** Accounts per chunk (one transaction, one message between threads); for tests and tuning. */
  chunkSize?: number;
}

export interface GenerateResult {
  accounts: number;
  readings: number;
  payments: number;
  charges: number;
}

/** Accounts per chunk: one transaction and one message between threads each (~140 000 rows). */
const CHUNK_ACCOUNTS = 2000;
const WORKER_FROM = 5000;

interface Sink {
  start(): void | Promise<void>;
  /** Writes a chunk; returns the buffers it no longer needs. */
  write(chunk: Chunk): Promise<ArrayBuffer[]>;
  finish(ok: boolean): Promise<void>;
  timings?: Record<string, number>;
}

/**
 * Fills the database with `accounts` generated accounts and their history (see model.ts),
 * after the reference data and any accounts already there. Deterministic: the same seed and
 * `now` on the same starting database give the same rows, byte for byte.
 */
export async function generate(db: Db, opts: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isSafeInteger(opts.accounts) || opts.accounts < 1) {
    throw new RangeError('accounts: a positive whole number');
  }
  if (!Number.isSafeInteger(opts.seed)) {
    throw new RangeError('seed: a whole number');
  }
  const started = performance.now();
  const input = await modelInput(db, opts);
  const plan = chunkPlan(opts.accounts, opts.chunkSize ?? CHUNK_ACCOUNTS);
  const useWorker = opts.worker ?? opts.accounts >= WORKER_FROM;
  const source: ChunkSource = useWorker ? new WorkerSource(input, plan) : new InlineSource(input);
  const sink: Sink =
    db.dialect === 'sqlite'
      ? new SqliteSink(db.sqlite!, { sideWriter: useWorker })
      : new PostgresSink(db.pool!);
  const written = await writeChunks(source, sink, plan, opts);
  await markPeriodsClosed(db, written.periods, input.next.charge, opts.timeZone);
  if (opts.progress) {
    reportRun(written, (performance.now() - started) / 1000, useWorker, sink.timings);
  }
  const { rows } = written;
  return { accounts: rows.accounts, readings: rows.readings, payments: rows.payments, charges: rows.charges };
}

/** The accounts of each chunk: `chunkSize` each, the rest in the last. */
function chunkPlan(accounts: number, chunkSize: number): number[] {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError('chunkSize: a positive whole number');
  }
  const plan: number[] = [];
  for (let left = accounts; left > 0; left -= chunkSize) {
    plan.push(Math.min(chunkSize, left));
  }
  return plan;
}

/** What the chunks wrote: rows by table, charges by month, and where the time went. */
interface Written {
  rows: { accounts: number; meters: number; readings: number; payments: number; charges: number };
  periods: Map<number, { charges: number; totalKop: number }>;
  total: number;
  waitMs: number;
  writeMs: number;
}

/** Takes the chunks of `plan` from the model and writes them, one at a time. */
async function writeChunks(
  source: ChunkSource,
  sink: Sink,
  plan: number[],
  opts: GenerateOptions,
): Promise<Written> {
  const progress = opts.progress ? progressBar() : silentProgress;
  const w: Written = {
    rows: { accounts: 0, meters: 0, readings: 0, payments: 0, charges: 0 },
    periods: new Map(),
    total: 0,
    waitMs: 0,
    writeMs: 0,
  };
  let ok = false;
  // A first Ctrl-C stops after the chunk being written, so that the database gets its indexes and
  // settings back (the accounts written so far stay); a second one kills as usual.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', onInterrupt);
  try {
    await sink.start();
    progress.start(opts.accounts);
    for (const size of plan) {
      if (interrupted) {
        throw new Error(`generate: interrupted after ${w.rows.accounts} accounts (kept)`);
      }
      const t0 = performance.now();
      const chunk = await source.next(size);
      const t1 = performance.now();
      source.recycle(await sink.write(chunk));
      w.waitMs += t1 - t0;
      w.writeMs += performance.now() - t1;
      count(w, chunk);
      progress.update(w.rows.accounts, w.total);
    }
    ok = true;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    progress.stop();
    await source.close();
    await sink.finish(ok);
  }
  return w;
}

/** Adds a chunk's rows and charges to the tallies. */
function count(w: Written, chunk: Chunk): void {
  for (const [name, t] of Object.entries(chunk.tables)) {
    w.rows[name as keyof Written['rows']] += t.rows;
    w.total += t.rows;
  }
  for (const p of chunk.periods) {
    const t = w.periods.get(p.month);
    if (t) {
      t.charges += p.charges;
      t.totalKop += p.totalKop;
    } else {
      w.periods.set(p.month, { charges: p.charges, totalKop: p.totalKop });
    }
  }
}

/** The run's figures on stderr, after its progress bar. */
function reportRun(w: Written, seconds: number, useWorker: boolean, timings: Sink['timings']): void {
  const rss = process.resourceUsage().maxRSS / 1024;
  const perTable = Object.entries(w.rows)
    .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
    .join(', ');
  console.error(
    `generate: ${w.total.toLocaleString('en-US')} rows (${perTable}) in ${seconds.toFixed(1)} s, ` +
      `${Math.round(w.total / seconds).toLocaleString('en-US')} rows/s, peak RSS ${rss.toFixed(0)} MB, ` +
      `model in ${useWorker ? 'a worker thread' : 'this thread'}; waited for it ${(w.waitMs / 1000).toFixed(1)} s, wrote ${(w.writeMs / 1000).toFixed(1)} s`,
  );
  if (timings) {
    const parts = Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`);
    console.error(`generate: time by step: ${parts.join(', ')}`);
  }
}

/** Everything the model needs from the database: reference ids, prices, the next ids, numbers in use. */
async function modelInput(db: Db, opts: GenerateOptions): Promise<ModelInput> {
  const k = db.kysely;
  const currentYear = Number(dateInZone(opts.now, opts.timeZone).slice(0, 4));
  const refs = await ensureReferenceData(k, currentYear);

  const planRows = await k
    .selectFrom('tariff_plans')
    .select(['id', 'code', 'zones', 'norm_kwh_per_resident', 'social_norm_kwh', 'social_norm_extra_kwh'])
    .execute();
  const priceRows = await k
    .selectFrom('tariff_prices')
    .select(['plan_id', 'zone', 'band', 'valid_from', 'price_e5'])
    .orderBy('id')
    .execute();
  const plans: PlanInfo[] = planRows.map((p) => ({
    id: Number(p.id),
    code: p.code,
    zones: p.zones,
    normKwhPerResident: p.norm_kwh_per_resident,
    socialNormKwh: p.social_norm_kwh,
    socialNormExtraKwh: p.social_norm_extra_kwh,
    prices: priceRows
      .filter((r) => Number(r.plan_id) === Number(p.id))
      .map((r) => ({ zone: r.zone, band: r.band, validFrom: r.valid_from, priceE5: Number(r.price_e5) })),
  }));

  const branchOf: Record<string, number> = {};
  for (const { code } of SETTLEMENTS) {
    branchOf[code] = refs.branchIds[BRANCH_OF_SETTLEMENT[code]!];
  }

  const maxId = async (table: string): Promise<number> => {
    const r = await sql<{ m: number | string | null }>`select max(id) as m from ${sql.table(table)}`.execute(
      k,
    );
    return Number(r.rows[0]?.m ?? 0) + 1;
  };
  const next: NextIds = {
    account: await maxId('accounts'),
    meter: await maxId('meters'),
    reading: await maxId('readings'),
    payment: await maxId('payments'),
    charge: await maxId('charges'),
  };
  const existing = await k.selectFrom('accounts').select('number').execute();
  const taken = [DEMO_ACCOUNT.number, ...existing.map((r) => r.number)];

  return {
    seed: opts.seed,
    now: opts.now.getTime(),
    timeZone: opts.timeZone,
    plans,
    branchOf,
    taken,
    next,
    ...(opts.billing ? { limits: { ...opts.billing } } : {}),
    ...(opts.readingsLastDay ? { readingsLastDay: opts.readingsLastDay } : {}),
  };
}
