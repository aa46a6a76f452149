import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../src/platform/db/connect.ts';
import { ROOT, rowsAddedSince } from './lib/dataset.ts';
import {
  hasSearchKeys,
  KINDS,
  lastAccountId,
  line,
  percentile,
  pickSamples,
  searchPlan,
  TARGET_CARD_P99_MS,
  TARGET_SEARCH_P99_MS,
  uptime,
  WARM_CARDS,
  WARM_SEARCHES,
  type PlannedSearch,
} from './lib/office-search-plan.ts';
import { textTable, verdict } from './lib/report.ts';
import { startServer } from './lib/server.ts';
import { enrollStaff, staffLogin, type StaffAccount } from './lib/staff.ts';

// `npm run bench -- office-search --http [--clients C]` (and the in-process bench's options):
// what an operator waits for. The built server (`npm run build`) is started on the same database
// (SQLite: the bench's copy; --pg-url: that database, which then also gets the server's
// migrations and the bench operator's rows); an operator enrolled through the office's own
// service logs in through the login form (password, then a TOTP code from otplib), and C clients
// (default 4: a supplier has tens of operators, not thousands) send the in-process bench's
// searches and cards back to back as GET /office/search?… and GET /office/accounts/:id with its
// cookies, each timed to the last byte of the page. Any answer but 200 is an error and fails the
// bench.

export interface HttpRun {
  /** The SQLite copy the server runs on, or null for PostgreSQL. */
  sqlitePath: string | null;
  pgUrl: string | null;
  searches: number;
  cards: number;
  clients: number;
}

interface Job {
  kind: string;
  path: string;
  /** Text the page must hold (a card: its account's number), else it counts as an error. */
  shows?: string;
}

/** What the bench's operator adds to the database: removed from the SQLite copy when it ends (children first). */
const STAFF_TABLES = [
  'staff_sessions',
  'staff_login_attempts',
  'staff_recovery_codes',
  'audit_log',
  'staff_users',
];

interface Prepared {
  dialect: string;
  total: number;
  plan: PlannedSearch[];
  cards: Array<{ id: number; number: string }>;
  operator: StaffAccount;
  /** SQLite: the rows the run adds, to remove when it ends. */
  added: { remove(): number } | undefined;
}

/** The samples and the searches drawn as the in-process bench draws them, and the operator; `db` is closed. */
async function prepare(db: Db, run: HttpRun, random: () => number): Promise<Prepared> {
  try {
    const total = await lastAccountId(db);
    const samples = await pickSamples(db, total, Math.max(run.searches, run.cards), random);
    if (!(await hasSearchKeys(db))) {
      throw new Error(
        'this database has no search keys (migration 2026120896 not applied): `npm run cli -- migrate` on it first',
      );
    }
    const plan = searchPlan(samples, run.searches, random);
    const added = run.sqlitePath ? rowsAddedSince(run.sqlitePath, STAFF_TABLES) : undefined;
    return {
      dialect: db.dialect,
      total,
      plan,
      cards: samples.slice(0, run.cards + WARM_CARDS).map((s) => ({ id: s.id, number: s.number })),
      operator: await enrollStaff(db.kysely, `bench-op-${Date.now().toString(36)}`, ['operator']),
      added,
    };
  } finally {
    await db.close();
  }
}

export async function runOverHttp(db: Db, run: HttpRun, random: () => number): Promise<void> {
  console.log(`load before: ${uptime()}`);
  const p = await prepare(db, run, random);
  const dataDir = run.sqlitePath
    ? path.dirname(run.sqlitePath)
    : path.join(ROOT, '.bench', 'office-search-pg');
  fs.mkdirSync(dataDir, { recursive: true });
  const server = await startServer(dataDir, run.pgUrl ? { env: { DATABASE_URL: run.pgUrl } } : {});
  try {
    const session = await staffLogin(server.url, p.operator);
    const searches = p.plan.map((q) => ({ kind: `search: ${q.kind}`, path: searchPath(q) }));
    const cards = p.cards.map((c) => ({
      kind: 'account card',
      path: `/office/accounts/${c.id}`,
      shows: c.number,
    }));
    const warm = await drive(
      server.url,
      session.cookie,
      [...searches.slice(0, WARM_SEARCHES), ...cards.slice(0, WARM_CARDS)],
      run.clients,
    );
    const jobs = interleave(searches.slice(WARM_SEARCHES), cards.slice(WARM_CARDS));
    console.log(`load at start: ${uptime()}`);
    const measured = await drive(server.url, session.cookie, jobs, run.clients);
    const load = uptime();
    console.log(
      `\n${p.dialect}, ${p.total.toLocaleString('en-US')} accounts; over HTTP (built server, an operator logged in), ` +
        `${run.clients} clients back to back; ${jobs.length} requests in ${measured.seconds.toFixed(1)} s ` +
        `(${(jobs.length / measured.seconds).toFixed(1)} req/s), after ${WARM_SEARCHES + WARM_CARDS} not counted\n`,
    );
    const errors = [...warm.errors, ...measured.errors];
    report(measured.times);
    console.log(`requests: ${jobs.length + WARM_SEARCHES + WARM_CARDS}, errors (not 200): ${errors.length}`);
    console.log(`load after: ${load}`);
    if (errors.length > 0) {
      throw new Error(
        `${errors.length} requests not answered 200, e.g.:\n  ${errors.slice(0, 5).join('\n  ')}`,
      );
    }
  } finally {
    await server.stop();
    if (p.added) {
      console.log(`removed the bench operator's ${p.added.remove()} rows from the copy`);
    }
  }
}

/** The table per kind, and the targets met or missed. */
function report(times: Map<string, number[]>): void {
  const rows: string[][] = [];
  const all: number[] = [];
  for (const kind of KINDS) {
    const t = times.get(`search: ${kind}`) ?? [];
    all.push(...t);
    rows.push(line(`search: ${kind}`, t));
  }
  rows.push(line('search: all', all));
  const cardTimes = times.get('account card') ?? [];
  rows.push(line('account card', cardTimes));
  console.log(textTable(['what', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows));
  console.log('');
  const searchP99 = percentile(all, 0.99);
  console.log(
    `search p99 ${searchP99.toFixed(1)} ms (target ≤ ${TARGET_SEARCH_P99_MS}): ${verdict(searchP99 <= TARGET_SEARCH_P99_MS)}`,
  );
  if (cardTimes.length > 0) {
    const cardP99 = percentile(cardTimes, 0.99);
    console.log(
      `card p99 ${cardP99.toFixed(1)} ms (target ≤ ${TARGET_CARD_P99_MS}): ${verdict(cardP99 <= TARGET_CARD_P99_MS)}`,
    );
  }
}

/** The query string the search form sends (every field, empty ones too), and the page when paged. */
function searchPath(q: PlannedSearch): string {
  const params = new URLSearchParams({ ...q.values });
  if (q.page > 1) {
    params.set('page', String(q.page));
  }
  return `/office/search?${params.toString()}`;
}

/** The cards spread evenly among the searches, as an operator opens one after some searches. */
function interleave(searches: Job[], cards: Job[]): Job[] {
  const out: Job[] = [];
  let c = 0;
  for (const [i, s] of searches.entries()) {
    out.push(s);
    while (c < cards.length && (c + 1) * searches.length <= (i + 1) * cards.length) {
      out.push(cards[c++]!);
    }
  }
  out.push(...cards.slice(c));
  return out;
}

/** The jobs sent by `clients` clients, each sending its next as soon as the last page is read. */
async function drive(
  url: string,
  cookieHeader: string,
  jobs: Job[],
  clients: number,
): Promise<{ times: Map<string, number[]>; errors: string[]; seconds: number }> {
  const times = new Map<string, number[]>();
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const started = performance.now();
      try {
        const res = await fetch(`${url}${job.path}`, {
          headers: { cookie: cookieHeader },
          redirect: 'manual',
        });
        const page = await res.text();
        const ms = performance.now() - started;
        if (res.status === 200 && job.shows !== undefined && !page.includes(job.shows)) {
          errors.push(`200 without ${job.shows}: GET ${job.path}`);
        } else if (res.status === 200) {
          const list = times.get(job.kind) ?? [];
          list.push(ms);
          times.set(job.kind, list);
        } else {
          errors.push(`${res.status} GET ${job.path}`);
        }
      } catch (err) {
        errors.push(`GET ${job.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, lane));
  return { times, errors, seconds: (performance.now() - started) / 1000 };
}
