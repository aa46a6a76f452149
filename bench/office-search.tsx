import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDb, type Db } from '../src/platform/db/connect.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { renderPage } from '../src/platform/views/render.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../src/domain/schedule.ts';
import { parseSearch, runSearch, type SearchValues } from '../src/features/search/search.service.ts';
import { SearchPageView } from '../src/features/search/search.view.tsx';
import { loadAccountCard } from '../src/pages/office/card.service.ts';
import { AccountCardPage } from '../src/pages/office/card.view.tsx';
import { ROOT } from './lib/dataset.ts';
import { textTable, verdict } from './lib/report.ts';

// `npm run bench -- office-search [--source PATH] [--searches N] [--cards N] [--pg-url URL]`:
// the back office's search and account card on a generated database, measured in this process
// (the service's queries and the page's rendering; one request at a time, no HTTP), p50/p95/p99.
//
// SQLite: the database `generate` built (default .bench/sqlite-1000000-seed1/portal.db, or
// --source) is copied once through SQLite's backup API into .bench/office-search/ and migrated
// there, so that the source is only read. PostgreSQL (--pg-url): read only; without migration
// 2026120896 the search cannot run there, and the bench says so and measures the card alone.

const TARGET_SEARCH_P99_MS = 50;
const TARGET_CARD_P99_MS = 100;
const TODAY = '2026-06-20';
const USER = { fullName: 'Оператор', roles: ['operator' as const] };

interface Sample {
  id: number;
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  address: string;
  serial: string | null;
}

export async function runOfficeSearchBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string' },
      searches: { type: 'string', default: '2000' },
      cards: { type: 'string', default: '500' },
      'pg-url': { type: 'string' },
      seed: { type: 'string', default: '7' },
    },
  });
  const searches = Number(values.searches);
  const cards = Number(values.cards);
  let rng = Number(values.seed) >>> 0 || 7;
  const random = () => {
    // xorshift32: the same samples run after run for a seed.
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 2 ** 32;
  };
  const db = values['pg-url']
    ? openDb({ databaseUrl: values['pg-url'], poolSize: 4 })
    : await sqliteCopy(values.source ?? path.join(ROOT, '.bench', 'sqlite-1000000-seed1', 'portal.db'));
  try {
    console.log(`load before: ${uptime()}`);
    const total = Number(
      (
        await db.kysely
          .selectFrom('accounts')
          .select((eb) => eb.fn.max('id').as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
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

/** The source copied (once) by SQLite's online backup, then migrated: the source is only read. */
async function sqliteCopy(source: string): Promise<Db> {
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
  const started = performance.now();
  const result = await migrateToLatest(db);
  const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length > 0) {
    console.log(`migrated (${applied.join(', ')}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return db;
}

async function hasSearchKeys(db: Db): Promise<boolean> {
  try {
    await sql`select surname_key from accounts where id = 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}

/** Accounts picked at random (ids are dense in a generated database), read before any timing. */
async function pickSamples(db: Db, total: number, n: number, random: () => number): Promise<Sample[]> {
  const ids = [...new Set(Array.from({ length: n * 2 }, () => 1 + Math.floor(random() * total)))].slice(0, n);
  const out: Sample[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.kysely
      .selectFrom('accounts as a')
      .leftJoin('meters as m', (j) => j.onRef('m.account_id', '=', 'a.id').on('m.removed_on', 'is', null))
      .select([
        'a.id',
        'a.number',
        'a.surname',
        'a.first_name',
        'a.patronymic',
        'a.object_address',
        'm.serial',
      ])
      .where('a.id', 'in', chunk)
      .execute();
    const seen = new Set<number>();
    for (const r of rows) {
      if (!seen.has(Number(r.id))) {
        seen.add(Number(r.id));
        out.push({
          id: Number(r.id),
          number: r.number,
          surname: r.surname,
          firstName: r.first_name,
          patronymic: r.patronymic,
          address: r.object_address,
          serial: r.serial,
        });
      }
    }
  }
  return out.sort(() => random() - 0.5);
}

const EMPTY: SearchValues = { number: '', name: '', street: '', house: '', flat: '', serial: '' };

/** What an operator types, from a sampled account: each kind of search in turn. */
function queryOf(kind: string, s: Sample, random: () => number): { values: SearchValues; page: number } {
  const v = { ...EMPTY };
  let page = 1;
  switch (kind) {
    case 'number, 4 digits': {
      const at = Math.floor(random() * 7);
      v.number = s.number.slice(at, at + 4);
      break;
    }
    case 'number, 6 digits': {
      const at = Math.floor(random() * 5);
      v.number = s.number.slice(at, at + 6);
      break;
    }
    case 'surname + initials':
      v.name = `${s.surname.toLowerCase()} ${s.firstName[0]}. ${s.patronymic[0]}.`;
      break;
    case 'surname, 3 letters, page 1-5':
      v.name = s.surname.slice(0, 3);
      page = 1 + Math.floor(random() * 5);
      break;
    case 'street + house + flat': {
      const m = /, (?:[^,]*?\. )?([^,]+), д\. ([^,]+)(?:, кв\. (\d+))?$/.exec(s.address);
      v.street = m?.[1] ?? 'Ленина';
      v.house = m?.[2] ?? '';
      v.flat = m?.[3] ?? '';
      break;
    }
    case 'street only, page 1-5': {
      const m = /, (?:[^,]*?\. )?([^,]+), д\./.exec(s.address);
      v.street = m?.[1] ?? 'Ленина';
      page = 1 + Math.floor(random() * 5);
      break;
    }
    case 'serial, 5 characters':
      v.serial = (s.serial ?? '123456').slice(0, 5);
      break;
  }
  return { values: v, page };
}

const KINDS = [
  'number, 4 digits',
  'number, 6 digits',
  'surname + initials',
  'surname, 3 letters, page 1-5',
  'street + house + flat',
  'street only, page 1-5',
  'serial, 5 characters',
];

async function measureSearches(
  db: Db,
  samples: Sample[],
  n: number,
  random: () => number,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  let empty = 0;
  for (let i = 0; i < n + KINDS.length * 5; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const { values, page } = queryOf(kind, samples[i % samples.length]!, random);
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
    if (i >= KINDS.length * 5) {
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
      />,
    );
    if (i >= 5) {
      times.push(performance.now() - started);
    }
  }
  return times;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
}

function line(what: string, xs: number[]): string[] {
  return [what, String(xs.length), ...[0.5, 0.95, 0.99, 1].map((p) => percentile(xs, p).toFixed(1))];
}

function uptime(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}
