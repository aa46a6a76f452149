import { parseArgs } from 'node:util';
import path from 'node:path';
import { ensureDataset, ensurePgDataset, ROOT, type Dataset } from './lib/dataset.ts';
import { mainScenario, mainScenarioPg } from './scenarios/main.ts';
import { readingsScenario } from './scenarios/readings.ts';
import { closeMonthScenario } from './scenarios/close-month.ts';
import { journeyScenario } from './scenarios/journey.ts';
import { pdfLatencyScenario } from './scenarios/pdf-latency.ts';
import { HELD_RULES } from './lib/arrivals.ts';
import { runPdfBench } from './pdf.ts';
import { runMailBench } from './mail.ts';
import { runPaymentsBench } from './payments.ts';
import { runImportBench } from './import.ts';
import { runOfficeSearchBench } from './office-search.tsx';
import { runExplainBench } from './explain.ts';
import { apiScenario } from './api.ts';

/** Scenarios that build their own data and take their own options (see each file). */
const STANDALONE: Record<string, { describe: string; run: (args: string[]) => Promise<void> }> = {
  pdf: { describe: 'bills rendered per second vs a Helvetica baseline (--count N)', run: runPdfBench },
  mail: { describe: 'bills queued and sent to a local SMTP sink (see bench/mail.ts)', run: runMailBench },
  payments: {
    describe: 'orders paid through the sandbox, notifications duplicated (see bench/payments.ts)',
    run: runPaymentsBench,
  },
  import: {
    describe:
      'a 100 000-line payment registry (or --kind accounts: a 1M-line accounts file) applied, then again (see bench/import.ts)',
    run: runImportBench,
  },
  'office-search': {
    describe:
      'back-office search and account card p99 on the 1M dataset, in process or (--http) through the server (see bench/office-search.tsx)',
    run: runOfficeSearchBench,
  },
  explain: {
    describe: "EXPLAIN (ANALYZE, BUFFERS) of a main page view's queries on PostgreSQL (see bench/explain.ts)",
    run: runExplainBench,
  },
};

/**
 * `npm run bench -- [scenario] [options]`: builds (or reuses) a generated SQLite database in
 * .bench/ (`main --db pg`: a PostgreSQL database), starts the real server on it and prints figures. Not a test: nothing fails on a
 * missed target, the table says so. Scenarios are registered below; add one per concern
 * (e.g. `readings`) as a function of the BenchContext.
 */
export interface BenchOptions {
  accounts: number;
  seed: number;
  rebuild: boolean;
  connections: number;
  /** Seconds per measured run. */
  seconds: number;
  /** Seconds of warm-up before each measured run. */
  warmup: number;
  sessions: number;
  /** Directory for the server's CPU profile (node --cpu-prof), or null. */
  profileDir: string | null;
  /** close-month: a PostgreSQL database filled by `generate` to measure instead of the SQLite copy. */
  pgUrl: string | null;
  /** main: the database the dataset is generated into (PostgreSQL: two server instances). */
  db: 'sqlite' | 'pg';
  /** journey: distinct customers per rate. */
  customers: number;
  /** journey: arrival rates (customers/s), one phase each, in this order. */
  rates: number[];
}

export interface BenchContext {
  options: BenchOptions;
  dataset: Dataset;
}

const SCENARIOS: Record<string, { describe: string; run: (ctx: BenchContext) => Promise<void> }> = {
  main: { describe: 'GET /ping vs the logged-in main page GET /cabinet', run: mainScenario },
  readings: {
    describe: 'POST /cabinet/readings from many customers, then every reading counted',
    run: readingsScenario,
  },
  'close-month': {
    describe: 'close-month over a copy of the dataset with its last month reopened',
    run: closeMonthScenario,
  },
  journey: {
    describe: 'distinct customers arriving at a set rate: log in, main page, reading, bill PDF, log out',
    run: journeyScenario,
  },
  'pdf-latency': {
    describe: 'GET /ping and the main page alone and while bills are downloaded, pool vs event loop',
    run: pdfLatencyScenario,
  },
  api: {
    describe: 'GET /api/v1/accounts/{number}/balance with a token per request (see bench/api.ts)',
    run: apiScenario,
  },
};

const USAGE = `Usage: npm run bench -- [scenario] [options]

Scenarios:
${[...Object.entries(SCENARIOS), ...Object.entries(STANDALONE)]
  .map(([name, s]) => `  ${name.padEnd(11)} ${s.describe}`)
  .join('\n')}

Options:
  --accounts N      accounts in the generated database (default 100000)
  --full            1 000 000 accounts (the size the targets are stated for)
  --seed S          generator seed (default 1)
  --rebuild         generate the database again even if .bench/ has one of this size and seed
  --connections C   concurrent connections (default 50)
  --duration S      seconds of each measured run (default 20)
  --warmup S        seconds of warm-up before each run (default 3)
  --sessions N      customers logged in for the run (default 2000)
  --profile         write the server's CPU profile (node --cpu-prof) to .bench/profiles/
  --db sqlite|pg    main: the dataset in SQLite and one server (default), or in a PostgreSQL database
                    (lk_bench_1m for --full; on BENCH_PG_URL's server, default
                    postgres://postgres@127.0.0.1:5432/postgres) and two server instances
  --pg-url URL      close-month: measure on this PostgreSQL database (filled by \`generate\`) instead
  --customers N     journey: distinct customers per rate, each making the journey once (default 20000)
  --rate R          journey: customers arriving per second, open-loop (default 100)
  --rates R1,R2,…   journey: one phase per rate, in this order, with fresh customers each, stopping
                    after the first rate not held; the highest rate held is printed. The warm-up
                    (--warmup S seconds at the first rate, its own customers) is not counted.
                    A rate is held when:
${HELD_RULES.map((r) => `                    - ${r}`).join('\n')}`;

function parse(argv: string[]): { scenario: string; options: BenchOptions } | null {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      accounts: { type: 'string', default: '100000' },
      full: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      rebuild: { type: 'boolean', default: false },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      sessions: { type: 'string', default: '2000' },
      profile: { type: 'boolean', default: false },
      'pg-url': { type: 'string' },
      db: { type: 'string', default: 'sqlite' },
      customers: { type: 'string', default: '20000' },
      rate: { type: 'string' },
      rates: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    return null;
  }
  const whole = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new Error(`--${name} must be a whole number ≥ ${min}`);
    }
    return n;
  };
  if (values.db !== 'sqlite' && values.db !== 'pg') {
    throw new Error('--db takes sqlite or pg');
  }
  return {
    scenario: positionals[0] ?? 'main',
    options: {
      accounts: values.full ? 1_000_000 : whole('accounts', values.accounts, 1),
      seed: whole('seed', values.seed, 0),
      rebuild: values.rebuild,
      connections: whole('connections', values.connections, 1),
      seconds: whole('duration', values.duration, 1),
      warmup: whole('warmup', values.warmup, 0),
      sessions: whole('sessions', values.sessions, 1),
      profileDir: values.profile ? path.join(ROOT, '.bench', 'profiles') : null,
      pgUrl: values['pg-url'] ?? null,
      db: values.db,
      customers: whole('customers', values.customers, 1),
      rates: rates(values.rate, values.rates),
    },
  };
}

function rates(rate: string | undefined, list: string | undefined): number[] {
  if (rate !== undefined && list !== undefined) {
    throw new Error('--rate and --rates: give one of them');
  }
  const out = (list ?? rate ?? '100').split(',').map((v) => Number(v.trim()));
  if (out.some((r) => !Number.isFinite(r) || r <= 0)) {
    throw new Error('--rate and --rates take customers per second above 0 (e.g. --rates 100,150,200)');
  }
  return out;
}

async function main(): Promise<number> {
  const [first, ...rest] = process.argv.slice(2);
  const standalone = first ? STANDALONE[first] : undefined;
  if (standalone) {
    await standalone.run(rest);
    return 0;
  }
  const parsed = parse(process.argv.slice(2));
  if (!parsed) {
    console.log(USAGE);
    return 0;
  }
  const scenario = SCENARIOS[parsed.scenario];
  if (!scenario) {
    console.error(`unknown scenario: ${parsed.scenario}\n\n${USAGE}`);
    return 2;
  }
  const o = parsed.options;
  if (o.db === 'pg') {
    if (parsed.scenario !== 'main') {
      console.error(`--db pg: only the main scenario runs on PostgreSQL (close-month has --pg-url)`);
      return 2;
    }
    await mainScenarioPg(o, await ensurePgDataset(o.accounts, o.seed, o.rebuild));
    return 0;
  }
  const dataset = await ensureDataset(o.accounts, o.seed, o.rebuild);
  await scenario.run({ options: o, dataset });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
