import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db, Dialect } from './connect.ts';
import { initial } from './migrations/2026112701_initial.ts';
import { readingSubmissions } from './migrations/2026112702_reading_submissions.ts';
import { billing } from './migrations/2026112703_billing.ts';
import { payments } from './migrations/2026112704_payments.ts';
import { mail } from './migrations/2026112705_mail.ts';
import { accountHistoryIndexes } from './migrations/2026112706_account_history_indexes.ts';
import { pageVersions } from './migrations/2026112707_page_versions.ts';
import { ensurePageVersionTriggers } from './page-versions.ts';

export interface MigrationContext {
  dialect: Dialect;
}

/** The migrations, in order; names are timestamps so that they sort. */
const migrations: Record<string, (ctx: MigrationContext) => Migration> = {
  '2026112701_initial': initial,
  '2026112702_reading_submissions': readingSubmissions,
  '2026112703_billing': billing,
  '2026112704_payments': payments,
  '2026112705_mail': mail,
  '2026112706_account_history_indexes': accountHistoryIndexes,
  '2026112707_page_versions': pageVersions,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly ctx: MigrationContext) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(migrations).map(([name, make]) => [name, make(this.ctx)]));
  }
}

export class MigrationError extends Error {}

/**
 * Brings the schema to the latest version, and puts back any missing page_version trigger
 * (see page-versions.ts); throws (so the CLI exits non-zero) on any failure.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db: db.kysely, provider: new StaticProvider({ dialect: db.dialect }) });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    // No failed migration: it stopped before any ran (the database unreachable, refused, locked).
    const what = failed
      ? `migration ${failed} failed`
      : `cannot migrate the ${db.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} database`;
    throw new MigrationError(`${what}: ${reason}`, { cause: result.error });
  }
  try {
    await ensurePageVersionTriggers(db.kysely, db.dialect);
  } catch (err) {
    throw new MigrationError(
      `cannot create the page_version triggers: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  return result;
}
