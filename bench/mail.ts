/**
 * The monthly mailing at full size: `npm run bench -- mail [--messages N] [--workers W]
 * [--concurrency C] [--batch B] [--postgres]`.
 *
 * Builds a database of N accounts with a closed month (test/helpers.ts bulkAccounts + the real
 * close-month), gives each a confirmed, subscribed address, queues the month's bills
 * (mail-enqueue) and runs W `mail-worker --drain` processes — the real CLI, PDF rendering
 * included — against an SMTP sink (smtp-server, in this process). Prints messages/s, each
 * worker's peak RSS (target ≤ 300 MB) and whether the sink received every bill exactly once.
 * Figures are printed, never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { openDb, type Db } from '../src/platform/db/connect.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { ensureReferenceData } from '../src/tools/demo/reference-data.ts';
import { closeMonth } from '../src/features/billing/close-month.ts';
import { enqueueBillMailing, mailingProgress, type MailingProgress } from '../src/features/mail/mailing.ts';
import { bulkAccounts, cliEnvFor, PG_ADMIN_URL } from '../test/db.ts';
import { subscribeAccounts } from '../test/mail-support.ts';

const PERIOD = '2026-05';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

interface BenchOptions {
  n: number;
  workers: number;
  concurrency: number;
  batch: number;
  usePg: boolean;
}

export async function runMailBench(args: string[]): Promise<void> {
  const o = benchOptions(args);
  console.log(
    `mail bench: ${o.n} bills, ${o.workers} worker process(es) × ${o.concurrency} in flight, batches of ${o.batch}, ${o.usePg ? 'PostgreSQL' : 'SQLite'}, ${os.cpus().length} cores, node ${process.version}`,
  );
  const store = await freshDatabase(o.usePg);
  const db = openDb(
    store.dbUrl.startsWith('postgres')
      ? { databaseUrl: store.dbUrl, poolSize: 4 }
      : { sqlitePath: store.dbUrl },
  );
  const sink = await startCountingSink();
  // The workers stop (gracefully) if this process ends before them.
  const spawned = new Set<ChildProcess>();
  const stopWorkers = () => spawned.forEach((c) => c.kill('SIGTERM'));
  process.once('exit', stopWorkers);
  try {
    await setUp(db, o.n);
    const { results, secs } = await sendAll(workerEnv(store.dbUrl, sink.url, o), o, sink, spawned);
    const progress = await mailingProgress(db.kysely, { period: PERIOD, kind: 'bill' });
    report(o.n, sink, results, secs, progress);
  } finally {
    process.off('exit', stopWorkers);
    await sink.close();
    await db.close();
    await store.drop();
  }
}

function benchOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    strict: false,
    allowPositionals: true,
    options: {
      messages: { type: 'string' },
      accounts: { type: 'string' },
      workers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      batch: { type: 'string', default: '50' },
      postgres: { type: 'boolean', default: false },
    },
  });
  const str = (v: unknown, d: string) => (typeof v === 'string' ? v : d);
  return {
    n: positiveInt(str(values.messages, str(values.accounts, '100000')), '--messages'),
    workers: positiveInt(str(values.workers, '2'), '--workers'),
    concurrency: positiveInt(str(values.concurrency, '4'), '--concurrency'),
    batch: positiveInt(str(values.batch, '50'), '--batch'),
    usePg: values.postgres === true,
  };
}

/** The accounts, the closed month, the addresses, and the month's bills queued. */
async function setUp(db: Db, n: number): Promise<void> {
  const setupStart = performance.now();
  await migrateToLatest(db);
  await buildAccounts(db, n);
  const setupSecs = (performance.now() - setupStart) / 1000;

  const enqueueStart = performance.now();
  const queued = await enqueueBillMailing(db.kysely, { period: PERIOD, now: new Date() });
  const enqueueMs = performance.now() - enqueueStart;
  console.log(
    `  setup              : ${n} accounts, charges of ${PERIOD} closed, addresses confirmed in ${setupSecs.toFixed(0)} s; ${queued.queued} bills queued in ${enqueueMs.toFixed(0)} ms`,
  );
}

/** The CLI workers' environment: the bench's database and the sink as the SMTP server. */
function workerEnv(dbUrl: string, smtpUrl: string, o: BenchOptions): NodeJS.ProcessEnv {
  return cliEnvFor(dbUrl, {
    LOG_LEVEL: 'warn',
    PUBLIC_URL: 'https://lk.example.ru',
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'ОАО «Хакасэнергосбыт» <noreply@khakensb.example>',
    MAIL_CONCURRENCY: String(o.concurrency),
    MAIL_BATCH_SIZE: String(o.batch),
    MAIL_POLL_SECONDS: '1',
  });
}

/** Runs the workers until the outbox is drained, showing the sink's count as it goes. */
async function sendAll(
  env: NodeJS.ProcessEnv,
  o: BenchOptions,
  sink: CountingSink,
  spawned: Set<ChildProcess>,
): Promise<{ results: WorkerRun[]; secs: number }> {
  const started = performance.now();
  const children = Array.from({ length: o.workers }, (_, i) => runWorker(env, `bench${i + 1}`, spawned));
  const ticker = setInterval(
    () => {
      const secs = (performance.now() - started) / 1000;
      const line = `  sending            : ${sink.total}/${o.n} received, ${(sink.total / secs).toFixed(1)} messages/s`;
      process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}\n`);
    },
    process.stderr.isTTY ? 2000 : 30_000,
  );
  const results = await Promise.all(children);
  clearInterval(ticker);
  if (process.stderr.isTTY) {
    process.stderr.write('\n');
  }
  return { results, secs: (performance.now() - started) / 1000 };
}

function report(
  n: number,
  sink: CountingSink,
  results: WorkerRun[],
  secs: number,
  progress: MailingProgress | undefined,
): void {
  const perWorker = results.map((r) => {
    const sent = Number(/sent (\d+),/.exec(r.out)?.[1] ?? 0);
    const rss = Number(/peak RSS (\d+) MB/.exec(r.out)?.[1] ?? 0);
    const cpu = Number(/CPU ([\d.]+) ms\/message/.exec(r.out)?.[1] ?? NaN);
    return { ...r, sent, rss, cpu };
  });
  const peakRss = Math.max(...perWorker.map((w) => Math.max(w.rss, w.hwmMb)));

  console.log(
    `  sent               : ${sink.total} messages in ${secs.toFixed(1)} s → ${(sink.total / secs).toFixed(1)} messages/s (PDF rendering, MIME, SMTP and the outbox included; ${(sink.bytes / sink.total / 1024).toFixed(1)} KB/message)`,
  );
  for (const w of perWorker) {
    console.log(
      `    ${w.name.padEnd(8)}         : exit ${w.code}, sent ${w.sent}, CPU ${w.cpu} ms/message, peak RSS ${Math.max(w.rss, w.hwmMb).toFixed(0)} MB`,
    );
  }
  console.log(
    `  load               : ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min; other work on the machine slows the wall-clock rate)`,
  );
  console.log(
    `  peak RSS           : ${peakRss.toFixed(0)} MB per worker (target ≤ 300 MB: ${peakRss <= 300 ? 'ok' : 'MISSED'}); bench process with the sink ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  reportDelivery(n, sink, progress);
}

/** Whether the sink got every bill exactly once, and what the outbox says. */
function reportDelivery(n: number, sink: CountingSink, progress: MailingProgress | undefined): void {
  const uniqueIds = sink.byMessageId.size;
  const repeatedIds = [...sink.byMessageId.values()].filter((c) => c > 1).length;
  const recipientsOnce = [...sink.byRecipient.values()].every((c) => c === 1);
  console.log(
    `  exactly once       : ${sink.total === n && uniqueIds === n && repeatedIds === 0 && recipientsOnce && sink.byRecipient.size === n && sink.multiRecipient === 0 ? 'ok' : 'MISSED'} — ${sink.total} received, ${uniqueIds} distinct Message-IDs, ${repeatedIds} repeated, ${sink.byRecipient.size} recipients, ${sink.multiRecipient} messages with more than one recipient`,
  );
  console.log(
    `  outbox             : sent ${progress?.counts.sent ?? 0}, failed ${progress?.counts.failed ?? 0}, queued ${(progress?.counts.queued ?? 0) + (progress?.counts.sending ?? 0)}`,
  );
}

function positiveInt(s: string, name: string): number {
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new Error(`${name} must be a positive integer, got "${s}"`);
  }
  return v;
}

async function freshDatabase(usePg: boolean): Promise<{ dbUrl: string; drop(): Promise<void> }> {
  if (!usePg) {
    const dir = path.join(ROOT, '.bench', 'mail');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    return {
      dbUrl: path.join(dir, 'portal.db'),
      drop: () => fs.promises.rm(dir, { recursive: true, force: true }),
    };
  }
  const name = 'lk_bench_mail';
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dbUrl: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

async function buildAccounts(db: Db, n: number): Promise<void> {
  await ensureReferenceData(db.kysely, 2026);
  await bulkAccounts(db, n, '2026-04');
  await closeMonth(db, {
    period: PERIOD,
    currentPeriod: '2026-06',
    limits: { averageMaxPeriods: 6, averageMaxPeriodsFault: 3, normCoefficientE3: 1000 },
    readingsLastDay: 25,
    now: () => new Date(),
    batchSize: 2000,
  });
  await subscribeAccounts(db, undefined, 'bench.example');
}

interface WorkerRun {
  name: string;
  code: number | null;
  out: string;
  /** The kernel's high-water mark of the worker's RSS, last seen while it ran. */
  hwmMb: number;
}

function runWorker(env: NodeJS.ProcessEnv, name: string, spawned: Set<ChildProcess>): Promise<WorkerRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/app/cli.ts', 'mail-worker', '--drain', '--id', name],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  spawned.add(child);
  let out = '';
  let hwmKb = 0;
  const sample = setInterval(() => {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) {
        hwmKb = Math.max(hwmKb, Number(m[1]));
      }
    } catch {
      /* gone */
    }
  }, 500);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      spawned.delete(child);
      clearInterval(sample);
      resolve({ name, code, out, hwmMb: hwmKb / 1024 });
    }),
  );
}

interface CountingSink {
  url: string;
  total: number;
  bytes: number;
  multiRecipient: number;
  byMessageId: Map<string, number>;
  byRecipient: Map<string, number>;
  close(): Promise<void>;
}

/** An SMTP peer that keeps no message: it counts them by Message-ID and by recipient. */
async function startCountingSink(): Promise<CountingSink> {
  const sink: Omit<CountingSink, 'url' | 'close'> = {
    total: 0,
    bytes: 0,
    multiRecipient: 0,
    byMessageId: new Map(),
    byRecipient: new Map(),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 256,
    onData(stream, session, callback) {
      let head = '';
      let bytes = 0;
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        if (head.length < 8192) {
          head += c.toString('latin1');
        }
      });
      stream.on('end', () => {
        // A copy: a regex match is a slice that would keep the whole head (tens of KB) alive in the map.
        const id = Buffer.from(/^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '(none)', 'latin1').toString(
          'latin1',
        );
        sink.total++;
        sink.bytes += bytes;
        sink.byMessageId.set(id, (sink.byMessageId.get(id) ?? 0) + 1);
        const rcpt = session.envelope.rcptTo.map((a) => a.address);
        if (rcpt.length !== 1) {
          sink.multiRecipient++;
        }
        for (const r of rcpt) {
          sink.byRecipient.set(r, (sink.byRecipient.get(r) ?? 0) + 1);
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
