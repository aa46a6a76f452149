import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from '../migration.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables that the Database type may no longer match */
/**
 * Passkeys of profiles (src/features/profile/passkey*): WebAuthn credentials a profile logs in
 * with, and the challenges of the ceremonies under way. The challenges live in the database, not
 * in one process's memory, so that the options and the answer may reach different instances; each
 * is used once (deleted when its answer arrives) and expires after five minutes.
 */
export default function passkeys(ctx: MigrationContext) {
  const pg = ctx.dialect === 'postgres';
  const id = (db: Kysely<any>, table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) =>
        pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );
  return {
    async up(db: Kysely<any>): Promise<void> {
      await id(db, 'passkeys')
        .addColumn('profile_id', 'bigint', (c) => c.notNull().references('profiles.id'))
        // The credential's id, base64url, as the authenticator names it in every assertion.
        .addColumn('credential_id', 'text', (c) => c.notNull().unique())
        // The COSE public key, base64url.
        .addColumn('public_key', 'text', (c) => c.notNull())
        // The signature counter last seen (0 for authenticators that keep none).
        .addColumn('counter', 'bigint', (c) => c.notNull())
        // Comma-separated (usb, nfc, ble, internal, hybrid …); null when the browser named none.
        .addColumn('transports', 'text')
        // The WebAuthn user handle, base64url: one random value per profile, shared by its passkeys.
        .addColumn('user_handle', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkeys_profile').on('passkeys').column('profile_id').execute();

      await id(db, 'webauthn_challenges')
        // base64url, as the options gave it and clientDataJSON returns it.
        .addColumn('challenge', 'text', (c) => c.notNull().unique())
        // 'register' (a profile adds a passkey) or 'login'.
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('register', 'login')`))
        // The profile adding a passkey; null for a login, whose profile is not known yet.
        .addColumn('profile_id', 'bigint', (c) => c.references('profiles.id'))
        // A registration's user handle (the profile's, or a new one for its first passkey).
        .addColumn('user_handle', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webauthn_challenges_expires')
        .on('webauthn_challenges')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('webauthn_challenges').execute();
      await db.schema.dropTable('passkeys').execute();
    },
  };
}
