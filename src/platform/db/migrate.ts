import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './connect.ts';
import { restoreIndexes } from './deferred-indexes.ts';
import type { MigrationContext, MigrationFactory } from './migration.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * The files of `migrations/`, each exporting a `MigrationFactory` by default, named after the
 * file (timestamps, so that they sort). Read from the folder next to this module: the TypeScript
 * sources under tsx, the compiled `.js` files in a build.
 */
class FolderProvider implements MigrationProvider {
  constructor(private readonly ctx: MigrationContext) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_\w+\.(ts|js)$/.test(f)).sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      const mod = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as {
        default: MigrationFactory;
      };
      out[file.replace(/\.(ts|js)$/, '')] = mod.default(this.ctx);
    }
    return out;
  }
}

export class MigrationError extends Error {}

/**
 * Brings the schema to the latest version; throws (so the CLI exits non-zero) on any failure.
 * First builds the indexes a bulk load killed half-way left set aside (deferred-indexes.ts), so
 * that the migrations find the schema whole.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  try {
    await restoreIndexes(db.kysely);
  } catch (err) {
    throw new MigrationError(`${cannotMigrate(db)}: ${reasonOf(err)}`, { cause: err });
  }
  return migrate(db, (m) => m.migrateToLatest());
}

/** Brings the schema up to the migration `name`, as an older version of the portal left it (tests of upgrades). */
export async function migrateUpTo(db: Db, name: string): Promise<MigrationResultSet> {
  return migrate(db, (m) => m.migrateTo(name));
}

/**
 * The migrations this version of the portal has that the database has not run (readiness: an
 * instance started before `migrate` ran must not take requests).
 */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: new FolderProvider({ dialect: db.dialect }) });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

async function migrate(
  db: Db,
  run: (m: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db: db.kysely, provider: new FolderProvider({ dialect: db.dialect }) });
  const result = await run(migrator);
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    // No failed migration: it stopped before any ran (the database unreachable, refused, locked).
    const what = failed ? `migration ${failed} failed` : cannotMigrate(db);
    throw new MigrationError(`${what}: ${reasonOf(result.error)}`, { cause: result.error });
  }
  return result;
}

function cannotMigrate(db: Db): string {
  return `cannot migrate the ${db.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} database`;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : JSON.stringify(err);
}
