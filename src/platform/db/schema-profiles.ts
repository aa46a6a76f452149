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

// The profile's password login and its e-mails (features/profile, migration 2026121110).

/** One profile login attempt, as the throttles read it (cf. `login_attempts`). */
export interface ProfileLoginAttemptsTable {
  id: Generated<number>;
  /** HMAC-SHA-256 of the typed e-mail (parsed), hex: the address itself is not stored. */
  email_key: string;
  ip: string;
  /** `b:<hash>` of the browser cookie, or `ip:<address>` without one. */
  client: string;
  at: number;
  /** 1 or 0. */
  success: number;
}

/** An e-mail sent to a profile's address: a confirmation or reset link, or a notice. */
export interface ProfileMailsTable {
  id: Generated<number>;
  profile_id: number;
  kind: 'confirm' | 'reset' | 'taken';
  /** SHA-256 of the link's token, hex; null for a notice (no link). */
  token_hash: string | null;
  created_at: number;
  /** When the link stops working; null for a notice. */
  expires_at: number | null;
  /** When the link was used (single use); null until then. */
  used_at: number | null;
}

// Attaching accounts with a proof (features/profile/accounts.*).

/** A failed attempt to attach an account with a proof; limited per profile and per account number. */
export interface ProfileAttachFailuresTable {
  id: Generated<number>;
  profile_id: number;
  account_number: string;
  at: number;
}

// Passkeys of profiles (features/profile/passkey*).

/** A profile's passkey: a WebAuthn credential it logs in with. */
export interface PasskeysTable {
  id: Generated<number>;
  profile_id: number;
  /** The credential's id, base64url; unique. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The signature counter last seen. */
  counter: number;
  /** Comma-separated transports the browser reported; null when none. */
  transports: string | null;
  /** The WebAuthn user handle, base64url: one random value per profile. */
  user_handle: string;
  /** The name the customer gave it ("Телефон"). */
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A WebAuthn challenge under way: single use, expires five minutes after it was given. */
export interface WebauthnChallengesTable {
  id: Generated<number>;
  /** base64url. */
  challenge: string;
  purpose: 'register' | 'login';
  /** The profile adding a passkey; null for a login. */
  profile_id: number | null;
  /** A registration's user handle, base64url (the profile's, or a new one for its first passkey). */
  user_handle: string | null;
  expires_at: number;
}

// Personal access tokens' rate limit (features/api-tokens, migration 2026121140).

/** A token's fixed-window request counter, shared by every app instance. */
export interface ApiTokenWindowsTable {
  token_id: number;
  /** The window's start, ms since the epoch (a multiple of the window's length). */
  window_start: number;
  /** Requests accepted in that window. */
  requests: number;
}

// The open API's idempotency keys (src/features/api-idempotency, migration 2026121150).

/** A write sent with an `Idempotency-Key`: the first answer, replayed for the same key and request. */
export interface ApiIdempotencyKeysTable {
  token_id: number;
  /** As the client sent it. */
  key: string;
  /** SHA-256 (hex) of the request (route, account, body). */
  fingerprint: string;
  /** The first answer's status and JSON body; null while the first request is under way. */
  status_code: number | null;
  response: string | null;
  created_at: number;
}
