import type { Generated } from 'kysely';

// Profiles: one login for several accounts (features/profile). Part of the one Database interface in schema.ts.

/** A customer's profile: an e-mail and a password or passkeys, seeing the accounts attached to it. */
export interface ProfilesTable {
  id: Generated<number>;
  /** As typed, its domain lower-cased; unique. */
  email: string;
  /** When the confirmation link was followed; null until then, and no login before it. */
  email_confirmed_at: number | null;
  /** Argon2id (PHC string); null for a profile with passkeys only. */
  password_hash: string | null;
  created_at: number;
}

/** An account a profile sees. */
export interface ProfileAccountsTable {
  profile_id: number;
  account_id: number;
  attached_at: number;
  /** 'login': made in a session of this account; 'proof': attached with the amount proof. */
  attached_by: 'login' | 'proof';
}

/** A personal access token of the open API (/api/v1), made by a profile. */
export interface ApiTokensTable {
  id: Generated<number>;
  profile_id: number;
  /** The name the customer gave it ("Home Assistant"). */
  name: string;
  /** SHA-256 of the token, hex; the token is shown once and never stored. */
  token_hash: string;
  /** Comma-separated, from `read`, `readings:write`. */
  scopes: string;
  created_at: number;
  /** At most a year after `created_at`. */
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}
