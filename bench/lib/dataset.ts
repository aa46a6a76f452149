import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Dataset {
  dir: string;
  dbPath: string;
  accounts: number;
  seed: number;
  /** True when an earlier build of the same size and seed was reused. */
  reused: boolean;
  /** Seconds the build took (now, or when it was built). */
  buildSeconds: number;
}

export interface Meta {
  accounts: number;
  seed: number;
  /** Of the generator's and the migrations' sources: another version builds another database. */
  fingerprint: string;
  builtAt: string;
  buildSeconds: number;
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * A SQLite database with `accounts` generated accounts in .bench/ (git-ignored), built with
 * the portal's own `generate` command. A finished build is marked by meta.json and reused
 * unless `rebuild` or the generator changed since; a half-finished one is thrown away.
 */
export async function ensureDataset(accounts: number, seed: number, rebuild: boolean): Promise<Dataset> {
  const dir = path.join(ROOT, '.bench', `sqlite-${accounts}-seed${seed}`);
  const dbPath = path.join(dir, 'portal.db');
  const metaPath = path.join(dir, 'meta.json');
  const print = fingerprint();
  if (!rebuild && fs.existsSync(metaPath) && fs.existsSync(dbPath)) {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Meta;
    if (meta.accounts === accounts && meta.seed === seed && meta.fingerprint === print) {
      console.log(
        `dataset: reusing ${path.relative(ROOT, dir)} (built ${meta.builtAt} in ${meta.buildSeconds.toFixed(0)} s; --rebuild to build again)`,
      );
      return { dir, dbPath, accounts, seed, reused: true, buildSeconds: meta.buildSeconds };
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  console.log(
    `dataset: generating ${accounts.toLocaleString('en-US')} accounts (seed ${seed}) into ${path.relative(ROOT, dir)}`,
  );
  const started = performance.now();
  await run(
    process.execPath,
    ['--import', 'tsx', 'src/app/cli.ts', 'generate', '--accounts', String(accounts), '--seed', String(seed)],
    {
      ...sqliteEnv(),
      DATA_DIR: dir,
    },
  );
  const buildSeconds = (performance.now() - started) / 1000;
  const meta: Meta = { accounts, seed, fingerprint: print, builtAt: new Date().toISOString(), buildSeconds };
  fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return { dir, dbPath, accounts, seed, reused: false, buildSeconds };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** The environment without DATABASE_URL: the bench measures SQLite. */
export function sqliteEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return env;
}

/**
 * Of the sources that decide what a dataset contains: the generator and the rules it uses. Not
 * the migrations: the server applies the ones added since the build when it starts on the
 * dataset, as it does in production, so an added index does not cost a new 1M-account build.
 */
export function fingerprint(): string {
  const h = createHash('sha256');
  for (const dir of ['src/tools/generate', 'src/domain']) {
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).sort()) {
      const file = path.join(ROOT, dir, f);
      if (fs.statSync(file).isFile() && !/\.test\.tsx?$/.test(f)) {
        h.update(f).update(fs.readFileSync(file));
      }
    }
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The rows a scenario adds to the shared dataset (sessions, readings, login attempts…), removed
 * when it ends, so that every scenario, and every later run, starts from the generated data.
 */
export function rowsAddedSince(dbPath: string, tables: string[]): { remove(): number } {
  const db = new SQLite(dbPath, { readonly: true });
  const marks = tables.map(
    (t) => [t, (db.prepare(`select coalesce(max(id), 0) m from ${t}`).get() as { m: number }).m] as const,
  );
  db.close();
  return {
    remove() {
      const rw = new SQLite(dbPath);
      let n = 0;
      rw.transaction(() => {
        for (const [t, m] of marks) {
          n += rw.prepare(`delete from ${t} where id > ?`).run(m).changes;
        }
      })();
      rw.pragma('wal_checkpoint(TRUNCATE)');
      rw.close();
      return n;
    },
  };
}

/** The PostgreSQL server the bench creates its databases on (`BENCH_PG_URL`, trust auth by default). */
export const PG_SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PgDataset {
  /** The database's URL, for the servers and the bench's own reads. */
  url: string;
  name: string;
  /** A directory for the servers' DATA_DIR (nothing of the database lies there). */
  dir: string;
  accounts: number;
  seed: number;
  reused: boolean;
  buildSeconds: number;
}

/** `lk_bench_1m` for 1 000 000 accounts of seed 1, `lk_bench_100k_seed2` for 100 000 of seed 2. */
export function pgDatasetName(accounts: number, seed: number): string {
  const size =
    accounts % 1_000_000 === 0
      ? `${accounts / 1_000_000}m`
      : accounts % 1000 === 0
        ? `${accounts / 1000}k`
        : String(accounts);
  return `lk_bench_${size}${seed === 1 ? '' : `_seed${seed}`}`;
}

/**
 * The PostgreSQL twin of `ensureDataset`: a database on PG_SERVER_URL filled by the portal's own
 * `generate` (the same accounts as the SQLite dataset of that size and seed, generated the same
 * day). A finished build is marked by its meta in the database's comment (`COMMENT ON
 * DATABASE`), written only when `generate` succeeded, and reused on the same terms as the
 * SQLite one; a database without it, or with another, is dropped and built again.
 */
export async function ensurePgDataset(accounts: number, seed: number, rebuild: boolean): Promise<PgDataset> {
  const name = pgDatasetName(accounts, seed);
  const url = databaseUrl(name);
  const dir = path.join(ROOT, '.bench', `pg-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  const print = fingerprint();
  const admin = new pg.Client({ connectionString: PG_SERVER_URL });
  await admin.connect();
  try {
    const found = await admin.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [name],
    );
    const meta = parseMeta(found.rows[0]?.comment ?? null);
    if (!rebuild && meta && meta.accounts === accounts && meta.seed === seed && meta.fingerprint === print) {
      console.log(
        `dataset: reusing PostgreSQL database ${name} (built ${meta.builtAt} in ${meta.buildSeconds.toFixed(0)} s; --rebuild to build again)`,
      );
      return { url, name, dir, accounts, seed, reused: true, buildSeconds: meta.buildSeconds };
    }
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    console.log(
      `dataset: generating ${accounts.toLocaleString('en-US')} accounts (seed ${seed}) into PostgreSQL database ${name}`,
    );
    const started = performance.now();
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/app/cli.ts',
        'generate',
        '--accounts',
        String(accounts),
        '--seed',
        String(seed),
      ],
      { ...process.env, DATABASE_URL: url, DATA_DIR: dir },
    );
    await vacuumPgDataset(url);
    const buildSeconds = (performance.now() - started) / 1000;
    await markPgDataset(admin, name, {
      accounts,
      seed,
      fingerprint: print,
      builtAt: new Date().toISOString(),
      buildSeconds,
    });
    return { url, name, dir, accounts, seed, reused: false, buildSeconds };
  } finally {
    await admin.end();
  }
}

/**
 * VACUUM (ANALYZE) after the load: it sets the visibility map, without which an index-only
 * scan (the main page's histories, migration 2026112706) still reads every row from the table
 * ("Heap Fetches" in the plan). Autovacuum would do it in time; a bench cannot count on it (the
 * local server runs with autovacuum off).
 */
export async function vacuumPgDataset(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const started = performance.now();
    await db.query('vacuum (analyze)');
    console.log(`dataset: vacuum (analyze) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await db.end();
  }
}

/** The URL of database `name` on PG_SERVER_URL's server. */
function databaseUrl(name: string): string {
  const u = new URL(PG_SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Writes a finished build's meta into the database's comment (`name` is ours, a plain identifier). */
export async function markPgDataset(admin: pg.Client, name: string, meta: Meta): Promise<void> {
  const text = JSON.stringify(meta).replaceAll("'", "''");
  await admin.query(`comment on database ${name} is '${text}'`);
}

function parseMeta(comment: string | null): Meta | null {
  if (!comment) {
    return null;
  }
  try {
    return JSON.parse(comment) as Meta;
  } catch {
    return null;
  }
}

/** The PostgreSQL twin of `rowsAddedSince`. */
export async function pgRowsAddedSince(
  url: string,
  tables: string[],
): Promise<{ remove(): Promise<number> }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const marks: Array<readonly [string, number]> = [];
  try {
    for (const t of tables) {
      const { rows } = await db.query<{ m: string }>(`select coalesce(max(id), 0) as m from ${t}`);
      marks.push([t, Number(rows[0]!.m)]);
    }
  } finally {
    await db.end();
  }
  return {
    async remove() {
      const rw = new pg.Client({ connectionString: url });
      await rw.connect();
      let n = 0;
      try {
        await rw.query('begin');
        for (const [t, m] of marks) {
          n += (await rw.query(`delete from ${t} where id > $1`, [m])).rowCount ?? 0;
        }
        await rw.query('commit');
      } finally {
        await rw.end();
      }
      return n;
    },
  };
}
