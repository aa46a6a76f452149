import { sql, type Kysely } from 'kysely';
import { NUMBER_PART_POSITIONS } from '../../../domain/search-key.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * The indexes of a part of an account number (2026120896) carry the number itself, so that the
 * search reads the matching numbers from the indexes alone and orders them there, and reaches the
 * table only for the page it shows: a 4-digit part matches a thousand or more accounts at 1M
 * (every number of a settlement with those first digits, and about 100 per other position),
 * and reading each one's row cost a random page read apiece (p99 129 ms in
 * `npm run bench -- office-search`).
 */
export default function numberPartCovering() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const k of NUMBER_PART_POSITIONS) {
        await db.schema.dropIndex(`accounts_number_from_${k}`).execute();
        await sql
          .raw(`create index accounts_number_from_${k} on accounts ((substr(number, ${k})), number)`)
          .execute(db);
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const k of NUMBER_PART_POSITIONS) {
        await db.schema.dropIndex(`accounts_number_from_${k}`).execute();
        await sql
          .raw(`create index accounts_number_from_${k} on accounts ((substr(number, ${k})))`)
          .execute(db);
      }
    },
  };
}
