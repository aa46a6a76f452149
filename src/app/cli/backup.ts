import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CommandRefused } from './common.ts';

interface Options {
  force?: boolean;
}

export function register(cli: Command): void {
  cli
    .command('backup')
    .summary('copy the SQLite database to FILE while the portal runs (PostgreSQL: pg_dump)')
    .description(
      "Copy the SQLite database (DATA_DIR/portal.db) to FILE through SQLite's online backup API: a " +
        'consistent copy while the portal runs and writes. Restore by stopping the portal and copying ' +
        'the file back as DATA_DIR/portal.db. On PostgreSQL (DATABASE_URL) use pg_dump instead.',
    )
    .argument('<FILE>', 'where to write the copy (its directory must exist)')
    .option('--force', 'overwrite FILE if it exists')
    .action(run);
}

async function run(file: string, opts: Options): Promise<void> {
  const config = loadConfig();
  if (config.databaseUrl) {
    throw new CommandRefused(
      'The database is PostgreSQL (DATABASE_URL): back it up with pg_dump, e.g. ' +
        `pg_dump -Fc -f ${file} "$DATABASE_URL", and restore with pg_restore (docs/operations.md).`,
    );
  }
  const target = path.resolve(file);
  if (!opts.force && fs.existsSync(target)) {
    throw new CommandRefused(`${target} exists: add --force to overwrite it.`);
  }
  if (!fs.existsSync(path.dirname(target))) {
    throw new CommandRefused(`The directory ${path.dirname(target)} does not exist.`);
  }
  if (!fs.existsSync(config.sqlitePath)) {
    throw new CommandRefused(`There is no database at ${config.sqlitePath} (DATA_DIR) to back up.`);
  }
  const started = Date.now();
  // Written beside the target and renamed at the end, so that FILE is never a half-made copy.
  const partial = `${target}.${process.pid}.partial`;
  const source = new SQLite(config.sqlitePath, { fileMustExist: true });
  try {
    // Waits for a writer of the portal holding the lock, as the portal's own connections do.
    source.pragma('busy_timeout = 5000');
    // All pages in one step, inside one read transaction: with WAL the portal keeps writing
    // meanwhile, and the copy is the database as of that transaction's start. Copying in small
    // steps would restart from the first page after every write of another process, and might
    // never finish on a busy portal.
    await source.backup(partial, { progress: () => 0x7fffffff });
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    source.close();
  }
  const { pages, migration } = checkCopy(partial);
  if (opts.force) {
    fs.renameSync(partial, target);
  } else {
    try {
      // A link fails if FILE appeared meanwhile: never overwrite without --force.
      fs.linkSync(partial, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CommandRefused(`${target} exists: add --force to overwrite it.`);
      }
      throw err;
    } finally {
      fs.rmSync(partial, { force: true });
    }
  }
  const mb = (fs.statSync(target).size / 1048576).toFixed(1);
  console.log(
    `backed up ${config.sqlitePath} to ${target}: ${mb} MB, ${pages} pages, schema at ${migration}, ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/**
 * Opens the copy on its own: it must pass SQLite's check and hold the migrations' table. It is
 * left in rollback-journal mode, one self-contained file (the portal turns WAL on again when it
 * opens a restored copy).
 */
function checkCopy(file: string): { pages: number; migration: string } {
  const copy = new SQLite(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new Error(`the copy failed SQLite's check: ${String(check)}`);
    }
    const pages = Number(copy.pragma('page_count', { simple: true }));
    const last = copy.prepare('select name from kysely_migration order by name desc limit 1').get() as
      { name: string } | undefined;
    return { pages, migration: last?.name ?? 'no migration' };
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  } finally {
    copy.close();
  }
}
