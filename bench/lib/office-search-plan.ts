import { execFileSync } from 'node:child_process';
import { sql } from 'kysely';
import type { Db } from '../../src/platform/db/connect.ts';
import type { SearchValues } from '../../src/features/search/search.service.ts';

// What the office-search bench asks, in process (bench/office-search.tsx) and over HTTP
// (bench/office-search-http.ts) alike: accounts sampled from the database, the searches an
// operator types from them, and the figures.

export const TARGET_SEARCH_P99_MS = 50;
export const TARGET_CARD_P99_MS = 100;

export interface Sample {
  id: number;
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  address: string;
  serial: string | null;
}

export async function lastAccountId(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.max('id').as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function hasSearchKeys(db: Db): Promise<boolean> {
  try {
    await sql`select surname_key from accounts where id = 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}

/** Accounts picked at random (ids are dense in a generated database), read before any timing. */
export async function pickSamples(db: Db, total: number, n: number, random: () => number): Promise<Sample[]> {
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

export const KINDS = [
  'number, 4 digits',
  'number, 6 digits',
  'surname + initials',
  'surname, 3 letters, page 1-5',
  'street + house + flat',
  'street only, page 1-5',
  'serial, 5 characters',
];

/** Searches not measured, before the others: they warm the statement cache. */
export const WARM_SEARCHES = KINDS.length * 5;
/** Cards not measured, likewise. */
export const WARM_CARDS = 5;

export interface PlannedSearch {
  kind: string;
  values: SearchValues;
  page: number;
}

/** The searches of a run, in order: each kind in turn, from the samples in turn; the warm-up first. */
export function searchPlan(samples: Sample[], n: number, random: () => number): PlannedSearch[] {
  return Array.from({ length: n + WARM_SEARCHES }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    return { kind, ...queryOf(kind, samples[i % samples.length]!, random) };
  });
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
}

export function line(what: string, xs: number[]): string[] {
  return [what, String(xs.length), ...[0.5, 0.95, 0.99, 1].map((p) => percentile(xs, p).toFixed(1))];
}

export function uptime(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}

// ---- Over HTTP (--http)

/** xorshift32 from `seed` (not 0): the same samples run after run for a seed. */
export function seededRandom(seed: number): () => number {
  let rng = seed;
  return () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 2 ** 32;
  };
}
