import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { openDb, type Db } from '../src/platform/db/connect.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { renderPage } from '../src/platform/views/render.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../src/domain/schedule.ts';
import { parseSearch, runSearch } from '../src/features/search/search.service.ts';
import { SearchPageView } from '../src/features/search/search.view.tsx';
import { loadAccountCard } from '../src/pages/office/card.service.ts';
import { AccountCardPage } from '../src/pages/office/card.view.tsx';
import { cardPagers } from '../src/pages/office/card-pager.ts';
import { ROOT } from './lib/dataset.ts';
import {
  hasSearchKeys,
  KINDS,
  lastAccountId,
  line,
  percentile,
  pickSamples,
  searchPlan,
  seededRandom,
  TARGET_CARD_P99_MS,
  TARGET_SEARCH_P99_MS,
  uptime,
  WARM_CARDS,
  WARM_SEARCHES,
  type Sample,
} from './lib/office-search-plan.ts';
import { textTable, verdict } from './lib/report.ts';
import { runOverHttp } from './office-search-http.ts';

// `npm run bench -- office-search [--source PATH] [--searches N] [--cards N] [--pg-url URL]`:
// the back office's search and account card on a generated database, measured in this process
// (the service's queries and the page's rendering; one request at a time, no HTTP), p50/p95/p99.
// `--http [--clients C]`: the same through the built server and its login, see
// bench/office-search-http.ts.
//
// SQLite: the database `generate` built (default .bench/sqlite-1000000-seed1/portal.db, or
// --source) is copied once through SQLite's backup API into .bench/office-search/ and migrated
// there, so that the source is only read. PostgreSQL (--pg-url): read only; without migration
// 2026120896 the search cannot run there, and the bench says so and measures the card alone.

const TODAY = '2026-06-20';
const USER = { fullName: 'Оператор', roles: ['operator' as const] };

export async function runOfficeSearchBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string' },
      searches: { type: 'string', default: '2000' },
      cards: { type: 'string', default: '500' },
      'pg-url': { type: 'string' },
      seed: { type: 'string', default: '7' },
      http: { type: 'boolean', default: false },
      clients: { type: 'string', default: '4' },
    },
  });
  const searches = Number(values.searches);
  const cards = Number(values.cards);
  const clients = Number(values.clients);
  if (!Number.isSafeInteger(clients) || clients < 1) {
    throw new Error('--clients must be a whole number ≥ 1');
  }
  const random = seededRandom(Number(values.seed) >>> 0 || 7);
  const pgUrl = values['pg-url'];
  const sqlitePath = pgUrl
    ? null
    : await sqliteCopy(values.source ?? path.join(ROOT, '.bench', 'sqlite-1000000-seed1', 'portal.db'));
  const db = sqlitePath ? openDb({ sqlitePath }) : openDb({ databaseUrl: pgUrl!, poolSize: 4 });
  if (values.http) {
    await runOverHttp(db, { sqlitePath, pgUrl: pgUrl ?? null, searches, cards, clients }, random);
    return;
  }
  try {
    console.log(`load before: ${uptime()}`);
    const total = await lastAccountId(db);
    const samples = await pickSamples(db, total, Math.max(searches, cards), random);
    const canSearch = await hasSearchKeys(db);
    const rows: string[][] = [];
    let searchP99: number | null = null;
    if (canSearch) {
      const byKind = await measureSearches(db, samples, searches, random);
      const all = [...byKind.values()].flat();
      for (const [kind, times] of byKind) {
        rows.push(line(`search: ${kind}`, times));
      }
      rows.push(line('search: all', all));
      searchP99 = percentile(all, 0.99);
    } else {
      console.log(
        'search: this database has no search keys (migration 2026120896 not applied); not measured. ' +
          'Run `npm run cli -- migrate` on it to add them.',
      );
    }
    const cardTimes = cards > 0 ? await measureCards(db, samples.slice(0, cards)) : [];
    if (cards > 0) {
      rows.push(line('account card', cardTimes));
    }
    console.log(
      `\n${db.dialect}, ${total.toLocaleString('en-US')} accounts; ${searches} searches, ${cards} cards, one at a time\n`,
    );
    console.log(textTable(['what', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows));
    console.log('');
    if (searchP99 !== null) {
      console.log(
        `search p99 ${searchP99.toFixed(1)} ms (target ≤ ${TARGET_SEARCH_P99_MS}): ${verdict(searchP99 <= TARGET_SEARCH_P99_MS)}`,
      );
    }
    if (cards > 0) {
      const cardP99 = percentile(cardTimes, 0.99);
      console.log(
        `card p99 ${cardP99.toFixed(1)} ms (target ≤ ${TARGET_CARD_P99_MS}): ${verdict(cardP99 <= TARGET_CARD_P99_MS)}`,
      );
    }
    console.log(`load after: ${uptime()}`);
  } finally {
    await db.close();
  }
}

/** The source copied (once) by SQLite's online backup, then migrated: the source is only read. Returns the copy's path. */
async function sqliteCopy(source: string): Promise<string> {
  if (!fs.existsSync(source)) {
    throw new Error(
      `${source} does not exist: build it with \`npm run bench -- main --full\` or give --source`,
    );
  }
  const dir = path.join(ROOT, '.bench', 'office-search');
  const target = path.join(dir, 'portal.db');
  const done = path.join(dir, 'source.json');
  const stat = fs.statSync(source);
  // The dataset's own meta.json says when it was built; the file's mtime moves whenever a bench
  // opens it, so it does not tell a new database from the same one.
  const meta = path.join(path.dirname(source), 'meta.json');
  const built = fs.existsSync(meta)
    ? (JSON.parse(fs.readFileSync(meta, 'utf8')) as { builtAt?: string }).builtAt
    : null;
  const mark = JSON.stringify({ source: path.resolve(source), built: built ?? stat.mtimeMs });
  if (!fs.existsSync(done) || fs.readFileSync(done, 'utf8') !== mark) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    console.log(
      `copying ${source} (${(stat.size / 2 ** 30).toFixed(1)} GiB) into ${path.relative(ROOT, target)}`,
    );
    const started = performance.now();
    const src = new SQLite(source, { readonly: true, fileMustExist: true });
    try {
      await src.backup(target);
    } finally {
      src.close();
    }
    console.log(`copied in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    fs.writeFileSync(done, mark);
  }
  const db = openDb({ sqlitePath: target });
  try {
    const started = performance.now();
    const result = await migrateToLatest(db);
    const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (applied.length > 0) {
      console.log(
        `migrated (${applied.join(', ')}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    await db.close();
  }
  return target;
}

async function measureSearches(
  db: Db,
  samples: Sample[],
  n: number,
  random: () => number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  let empty = 0;
  for (const [i, { kind, values, page }] of searchPlan(samples, n, random).entries()) {
    const started = performance.now();
    const parsed = parseSearch(values);
    if (parsed.kind !== 'ok') {
      throw new Error(`${JSON.stringify(values)} was refused: ${JSON.stringify(parsed)}`);
    }
    const result = await runSearch(db.kysely, parsed.criteria, page);
    renderPage(
      <SearchPageView
        supplierName="Bench"
        csrfToken="x"
        user={USER}
        values={values}
        errors={{}}
        result={result}
      />,
    );
    const ms = performance.now() - started;
    if (result.rows.length === 0 && page === 1) {
      empty++;
    }
    // The first rounds warm the statement cache, not the measurement.
    if (i >= WARM_SEARCHES) {
      out.get(kind)!.push(ms);
    }
  }
  if (empty > 0) {
    console.log(`note: ${empty} first pages found nothing (an address the search's layout does not read)`);
  }
  return out;
}

async function measureCards(db: Db, samples: Sample[]): Promise<number[]> {
  const times: number[] = [];
  for (const [i, s] of samples.entries()) {
    const started = performance.now();
    const card = await loadAccountCard(db.kysely, s.id, TODAY, DEFAULT_MONTH_SCHEDULE);
    if (!card) {
      throw new Error(`account ${s.id} has no card`);
    }
    renderPage(
      <AccountCardPage
        supplierName="Bench"
        csrfToken="x"
        user={USER}
        timeZone="Asia/Krasnoyarsk"
        card={card}
        {...cardPagers(card, {})}
      />,
    );
    if (i >= WARM_CARDS) {
      times.push(performance.now() - started);
    }
  }
  return times;
}
