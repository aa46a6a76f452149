import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
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

interface Meta {
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
 * unless `rebuild` or the generator or migrations changed since; a half-finished one is thrown away.
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

/** Of the sources that decide what a dataset contains: the generator, the rules it uses and the migrations. */
export function fingerprint(): string {
  const h = createHash('sha256');
  for (const dir of ['src/tools/generate', 'src/platform/db/migrations', 'src/domain']) {
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
