import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * `import_uploads.options`: what the staff member gave with the file besides its kind, as JSON
 * (the accounts import's region that starts every address and its «full file» flag); NULL for the
 * kinds that take nothing. Stored with the upload because the job runs it later, elsewhere.
 */
export default function importUploadOptions() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('import_uploads').addColumn('options', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('import_uploads').dropColumn('options').execute();
    },
  };
}
