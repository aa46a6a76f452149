import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';
import type { Dialect } from '../connect.ts';
import { foldPairs, NUMBER_PART_POSITIONS } from '../../../domain/search-key.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */

/**
 * What the back office's search (/office/search) reads through an index, on both databases,
 * with nothing for the code that writes accounts and meters to keep in step: the keys are
 * generated columns, computed by the database from the row itself (virtual on SQLite, which
 * cannot add stored ones, stored on PostgreSQL).
 *
 * - `accounts.surname_key`: the surname folded (domain/search-key.ts: Russian and Latin letters
 *   to lower case, ё to е), for «Иванов», «иванов», «ИВАНОВ» and «Фёдоров»/«Федоров» alike;
 *   the search reads a range of it (a prefix), so the index is on (key, first name,
 *   patronymic, id): initials are checked in the index, and pages come in its order.
 * - `accounts.address_key`: the address from the street on, folded, without the street's type
 *   and the «д.», «кв.» words: «Республика Хакасия, г. Абакан, ул. Ленина, д. 5А, кв. 12» is
 *   «ленина 5а 12». It assumes the layout «регион, населённый пункт, улица, дом, квартира»
 *   that the portal's addresses have; a street is found by its beginning, a house and a flat
 *   exactly.
 * - `meters.serial_key`: the serial folded, found by its beginning.
 * - Any part of an account number of 4 digits or more: a part starting at digit k is a prefix
 *   of `substr(number, k)`; the number's own unique index serves k = 1 and one expression index
 *   each serves k = 2..7 (a 4-digit part of a 10-digit number starts at digit 7 at the latest),
 *   so the search is seven index ranges (SQLite's OR optimisation, PostgreSQL's BitmapOr).
 *   A trigram index (pg_trgm, or FTS5's trigram tokenizer) would serve any length with one
 *   index, but SQLite's needs a table kept in step by triggers, and the numbers are short and
 *   fixed in length.
 * - `audit_log (account_number, at)`: the account card's audit trail.
 *
 * On PostgreSQL the keys have the "C" collation, so that a range of a key is a range of code
 * points whatever the database's locale (as SQLite's BINARY is); the digit strings of
 * `substr(number, k)` sort alike in every collation.
 */
function fold(dialect: Dialect, expr: string): string {
  const pairs = foldPairs();
  if (dialect === 'postgres') {
    return `translate(${expr}, '${pairs.map((p) => p[0]).join('')}', '${pairs.map((p) => p[1]).join('')}')`;
  }
  // SQLite has no translate(); lower() folds ASCII, replace() each Cyrillic capital and ё.
  let out = `lower(${expr})`;
  for (const [from, to] of pairs) {
    if (!/[A-Z]/.test(from)) {
      out = `replace(${out}, '${from}', '${to}')`;
    }
  }
  return out;
}

function afterComma(dialect: Dialect, expr: string): string {
  const find = dialect === 'postgres' ? `strpos(${expr}, ', ')` : `instr(${expr}, ', ')`;
  return `substr(${expr}, ${find} + 2)`;
}

/** «ул. Ленина, д. 5, кв. 12» → «Ленина 5 12»: the street's type (a word ending in a dot) dropped. */
function addressKey(dialect: Dialect): string {
  const street = afterComma(dialect, afterComma(dialect, 'object_address'));
  const find = (hay: string, needle: string) =>
    dialect === 'postgres' ? `strpos(${hay}, '${needle}')` : `instr(${hay}, '${needle}')`;
  const untyped = `case when ${find(`substr(${street}, 1, 6)`, '. ')} > 0 then substr(${street}, ${find(street, '. ')} + 2) else ${street} end`;
  const plain = `replace(replace(replace(${untyped}, ', д. ', ' '), ', кв. ', ' '), ', ', ' ')`;
  return fold(dialect, plain);
}

export default function officeSearch(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const generated = (expr: string) =>
    pg
      ? `text collate "C" generated always as (${expr}) stored`
      : `text generated always as (${expr}) virtual`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql
        .raw(`alter table accounts add column surname_key ${generated(fold(ctx.dialect, 'surname'))}`)
        .execute(db);
      await sql
        .raw(`alter table accounts add column address_key ${generated(addressKey(ctx.dialect))}`)
        .execute(db);
      await sql
        .raw(`alter table meters add column serial_key ${generated(fold(ctx.dialect, 'serial'))}`)
        .execute(db);
      await db.schema
        .createIndex('accounts_surname_search')
        .on('accounts')
        .columns(['surname_key', 'first_name', 'patronymic', 'id'])
        .execute();
      await db.schema
        .createIndex('accounts_address_search')
        .on('accounts')
        .columns(['address_key', 'id'])
        .execute();
      await db.schema
        .createIndex('meters_serial_search')
        .on('meters')
        .columns(['serial_key', 'account_id'])
        .execute();
      for (const k of NUMBER_PART_POSITIONS) {
        await sql
          .raw(`create index accounts_number_from_${k} on accounts ((substr(number, ${k})))`)
          .execute(db);
      }
      await db.schema
        .createIndex('audit_log_account')
        .on('audit_log')
        .columns(['account_number', 'at'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('audit_log_account').execute();
      for (const k of NUMBER_PART_POSITIONS) {
        await db.schema.dropIndex(`accounts_number_from_${k}`).execute();
      }
      await db.schema.dropIndex('meters_serial_search').execute();
      await db.schema.dropIndex('accounts_address_search').execute();
      await db.schema.dropIndex('accounts_surname_search').execute();
      await db.schema.alterTable('meters').dropColumn('serial_key').execute();
      await db.schema.alterTable('accounts').dropColumn('address_key').execute();
      await db.schema.alterTable('accounts').dropColumn('surname_key').execute();
    },
  };
}
