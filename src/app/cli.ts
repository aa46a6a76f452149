import { heapGuard } from '../platform/memory.ts';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config.ts';
import { openDb, type Db } from '../platform/db/connect.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';
import { ensureDemoData } from '../tools/demo/seed-demo.ts';
import { generate } from '../tools/generate/generate.ts';
import fs from 'node:fs';
import os from 'node:os';
import cliProgress from 'cli-progress';
import { closeMonth, ClosingRefused } from '../features/billing/close-month.ts';
import { recalculate, RecalculationRefused } from '../features/billing/recalculate.ts';
import { addMonths, dateInZone, periodOf } from '../domain/dates.ts';
import {
  exportReadings,
  parseDecisionsCsv,
  reviewReadings,
  type ReviewDecision,
} from '../features/readings/readings.backoffice.ts';
import { MAIL_USAGE, runMailCommand } from './cli/mail.ts';
import { reconcileFromCli } from './cli/payments-reconcile.ts';
import { CHANNEL_TITLES } from '../features/readings/reading-titles.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                         apply the database migrations
  seed-demo                       create the demo data (reference data and account 1705057190)
  generate --accounts N --seed S  fill the database with N generated accounts (deterministic for S)
  quickstart                      migrate, create demo data if needed, and start the portal in demo mode
  close-month [YYYY-MM] [--batch-size N] [--workers W]
                                  compute every account's charge for the period (default: the month that
                                  just ended) and close it; a closed month never changes. W worker threads
                                  (default 1; 0 = none) read and compute batches while this one writes
  recalculate --account N --period YYYY-MM --reason TEXT
                                  recalculate a closed month's charge; the difference goes on the next bill
  readings-export --from D --to D [--format csv|json] [--channel internet,...] [--out FILE]
                                  readings dated D..D (YYYY-MM-DD) for the specialists; stdout by default
  readings-review [--accept ID,ID] [--reject ID,ID] [--file decisions.csv] [--note TEXT]
                                  decide readings under review; the CSV has a header id,decision[,note]
  payments-reconcile [--limit N]  ask the bank about card payment orders still waiting, credit the paid ones,
                                  expire abandoned ones (a listening server does this every PAYMENT_RECONCILE_SECONDS)
${MAIL_USAGE}

The database is PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR (./data).`;

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    poolSize: config.dbPoolSize,
  });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      parseArgs({ args: rest, options: {} }); // no options: anything given is refused
      const config = loadConfig();
      await withDb(config, async (db) => {
        const res = await migrateToLatest(db);
        const applied = res.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
      });
      return 0;
    }
    case 'seed-demo': {
      parseArgs({ args: rest, options: {} });
      const config = loadConfig();
      await withDb(config, async (db) => {
        await migrateToLatest(db);
        const created = await ensureDemoData(db, new Date(), config.timeZone);
        console.log(created ? 'demo data created' : 'demo data already present');
      });
      return 0;
    }
    case 'generate': {
      const { values } = parseArgs({
        args: rest,
        options: { accounts: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
      });
      const accounts = Number(values.accounts);
      const seed = Number(values.seed);
      if (!Number.isSafeInteger(accounts) || accounts < 1 || accounts > 10_000_000) {
        console.error('--accounts must be a whole number from 1 to 10000000');
        return 2;
      }
      if (!Number.isSafeInteger(seed)) {
        console.error('--seed must be a whole number');
        return 2;
      }
      const config = loadConfig();
      await withDb(config, async (db) => {
        await migrateToLatest(db);
        const started = Date.now();
        const res = await generate(db, {
          accounts,
          seed,
          now: new Date(),
          timeZone: config.timeZone,
          progress: true,
          // The generated history follows the same rules the closing applies.
          billing: config.billing,
          readingsLastDay: config.readingsLastDay,
        });
        console.log(
          `generated ${res.accounts} accounts (${res.readings} readings, ${res.payments} payments, ${res.charges} charges) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      });
      return 0;
    }
    case 'close-month': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          'batch-size': { type: 'string', default: '2000' },
          workers: { type: 'string', default: '1' },
        },
      });
      if (positionals.length > 1) {
        console.error(`close-month takes one period (YYYY-MM), got: ${positionals.join(' ')}\n\n${USAGE}`);
        return 2;
      }
      const batchSize = Number(values['batch-size']);
      const workers = Number(values.workers);
      if (!Number.isSafeInteger(workers) || workers < 0 || workers > 16) {
        console.error('--workers must be a whole number from 0 to 16');
        return 2;
      }
      if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
        console.error('--batch-size must be a whole number from 1 to 100000');
        return 2;
      }
      const config = loadConfig();
      const now = new Date();
      const currentPeriod = periodOf(dateInZone(now, config.timeZone));
      const period = positionals[0] ?? addMonths(currentPeriod, -1);
      const bar = new cliProgress.SingleBar(
        {
          format: `close ${period} [{bar}] {percentage}% {value}/{total} accounts, {eta_formatted} left`,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      const guard = heapGuard(64);
      try {
        const started_at = Date.now();
        const res = await withDb(config, async (db) => {
          await migrateToLatest(db);
          return closeMonth(db, {
            period,
            currentPeriod,
            limits: config.billing,
            readingsLastDay: config.readingsLastDay,
            now: () => new Date(),
            batchSize,
            workers: {
              count: workers,
              db: { databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, poolSize: 2 },
            },
            onProgress: (done, total) => {
              if (!started) {
                bar.start(total, 0);
              }
              started = true;
              bar.update(done);
              guard();
            },
          });
        });
        if (started) {
          bar.stop();
        }
        const secs = ((Date.now() - started_at) / 1000).toFixed(1);
        if (res.status === 'already_closed') {
          console.log(`${period} is already closed: ${res.accounts} charges, nothing changed`);
        } else {
          console.log(
            `${period} closed: ${res.accounts} charges (${res.computed} computed now), ${(res.totalKop / 100).toFixed(2)} ₽ charged, ${secs} s`,
          );
        }
        return 0;
      } catch (err) {
        if (started) {
          bar.stop();
        }
        if (err instanceof ClosingRefused) {
          console.error(err.message);
          return 2;
        }
        throw err;
      }
    }
    case 'recalculate': {
      const { values } = parseArgs({
        args: rest,
        options: { account: { type: 'string' }, period: { type: 'string' }, reason: { type: 'string' } },
      });
      if (!values.account || !values.period || !values.reason) {
        console.error('--account, --period and --reason are required');
        return 2;
      }
      const config = loadConfig();
      try {
        const res = await withDb(config, (db) =>
          recalculate(
            db.kysely,
            { account: values.account!, period: values.period!, reason: values.reason! },
            { limits: config.billing, readingsLastDay: config.readingsLastDay, now: () => new Date() },
          ),
        );
        console.log(
          res.status === 'no_change'
            ? 'the charge is unchanged: nothing recorded'
            : `recorded: ${(res.amountKop / 100).toFixed(2)} ₽, ${res.kwh} kWh (${res.method}); it goes on the next bill`,
        );
        return 0;
      } catch (err) {
        if (err instanceof RecalculationRefused) {
          console.error(err.message);
          return 2;
        }
        throw err;
      }
    }
    case 'readings-export': {
      const { values } = parseArgs({
        args: rest,
        options: {
          from: { type: 'string' },
          to: { type: 'string' },
          format: { type: 'string', default: 'csv' },
          channel: { type: 'string' },
          out: { type: 'string' },
        },
      });
      if (!values.from || !values.to) {
        console.error('--from and --to (YYYY-MM-DD) are required');
        return 2;
      }
      if (values.format !== 'csv' && values.format !== 'json') {
        console.error('--format is csv or json');
        return 2;
      }
      const format = values.format;
      const channels = values.channel
        ?.split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      const unknown = channels?.filter((c) => !Object.hasOwn(CHANNEL_TITLES, c)) ?? [];
      if (unknown.length > 0) {
        console.error(
          `unknown --channel ${unknown.join(',')}: the channels are ${Object.keys(CHANNEL_TITLES).join(', ')}`,
        );
        return 2;
      }
      const config = loadConfig();
      const out = values.out ? fs.openSync(values.out, 'w') : 1;
      try {
        const n = await withDb(config, (db) =>
          exportReadings(
            db.kysely,
            {
              from: values.from!,
              to: values.to!,
              format,
              ...(channels ? { channels } : {}),
            },
            (chunk) => {
              fs.writeSync(out, chunk);
            },
          ),
        );
        console.error(`exported ${n} readings`);
      } finally {
        if (out !== 1) {
          fs.closeSync(out);
        }
      }
      return 0;
    }
    case 'readings-review': {
      const { values } = parseArgs({
        args: rest,
        options: {
          accept: { type: 'string' },
          reject: { type: 'string' },
          file: { type: 'string' },
          note: { type: 'string' },
        },
      });
      const ids = (list: string | undefined) =>
        (list ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => {
            if (!/^[0-9]+$/.test(x)) {
              throw new Error(`"${x}" is not a reading id`);
            }
            return Number(x);
          });
      const note = values.note ? { note: values.note } : {};
      const decisions: ReviewDecision[] = [
        ...ids(values.accept).map((id) => ({ id, decision: 'accepted' as const, ...note })),
        ...ids(values.reject).map((id) => ({ id, decision: 'rejected' as const, ...note })),
        ...(values.file ? parseDecisionsCsv(fs.readFileSync(values.file, 'utf8')) : []),
      ];
      if (decisions.length === 0) {
        console.error('nothing to decide: give --accept, --reject or --file');
        return 2;
      }
      const config = loadConfig();
      const results = await withDb(config, (db) =>
        reviewReadings(db.kysely, decisions, { now: () => new Date(), operator: os.userInfo().username }),
      );
      for (const r of results) {
        console.log(`${r.id}\t${r.decision}\t${r.result}`);
      }
      const done = results.filter((r) => r.result === 'done').length;
      console.error(`${done} of ${results.length} decisions applied`);
      return done === results.length ? 0 : 1;
    }
    case 'payments-reconcile': {
      const { values } = parseArgs({ args: rest, options: { limit: { type: 'string', default: '500' } } });
      const limit = Number(values.limit);
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
        console.error('--limit must be a whole number from 1 to 100000');
        return 2;
      }
      const config = loadConfig();
      const summary = await withDb(config, async (db) => {
        await migrateToLatest(db);
        return reconcileFromCli(config, db, limit);
      });
      console.log(JSON.stringify(summary));
      return 0;
    }
    case 'mail-enqueue':
    case 'mail-worker':
    case 'mail-status':
    case 'mail-reminders':
      return runMailCommand(command, rest);
    case 'quickstart': {
      parseArgs({ args: rest, options: {} });
      process.env.DEMO_MODE ??= 'true';
      await import('./server.ts');
      return -1; // the server keeps running
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) {
      process.exitCode = code;
    }
  },
  (err: unknown) => {
    // node:util parseArgs refuses unknown options and stray arguments: a usage error (exit 2).
    const code = (err as { code?: unknown } | null)?.code;
    const usage = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
    console.error(err instanceof Error ? err.message : err);
    if (usage) {
      console.error(`\n${USAGE}`);
    }
    process.exitCode = usage ? 2 : 1;
  },
);
