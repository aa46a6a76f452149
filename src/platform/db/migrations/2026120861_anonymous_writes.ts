import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * `anonymous_writes`: how many writes without a session (bank notifications, logins, links from
 * e-mails, the sandbox bank's forms) each address, and everyone together, made in one window of
 * time (platform/http/anonymous-writes.ts). In the database, so that every instance counts the
 * same flood. One row per (scope, key, window); finished windows are deleted, and those that
 * refused anything leave one summary row in the audit log.
 */
export default function anonymousWrites() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('anonymous_writes')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('max_hits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('anonymous_writes_pk', ['scope', 'key', 'window_start'])
        .execute();
      await db.schema
        .createIndex('anonymous_writes_window')
        .on('anonymous_writes')
        .column('window_start')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('anonymous_writes').execute();
    },
  };
}
