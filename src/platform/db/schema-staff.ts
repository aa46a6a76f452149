import type { Generated } from 'kysely';

// The back office's staff: users, their recovery codes, sessions and login attempts (features/office). Part of the one Database interface in schema.ts.

/** A person of the supplier's staff who works in the back office (/office). */
export interface StaffUsersTable {
  id: Generated<number>;
  login: string;
  full_name: string;
  /** Comma-separated roles: operator, accountant, admin. */
  roles: string;
  state: 'active' | 'disabled';
  /** Argon2id (PHC string); null until enrollment sets it. */
  password_hash: string | null;
  /** The TOTP secret (base32) once confirmed; never logged, never shown again. */
  totp_secret: string | null;
  /** The secret shown during enrollment, until its first code confirms it. */
  pending_totp_secret: string | null;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  totp_last_step: Generated<number>;
  /** SHA-256 of the one-time enrollment link's token; null when no enrollment is open. */
  enroll_token_hash: string | null;
  enroll_expires_at: number | null;
  created_at: number;
}

/** A one-time recovery code (SHA-256 of it), spent when used. */
export interface StaffRecoveryCodesTable {
  id: Generated<number>;
  staff_user_id: number;
  code_hash: string;
  used_at: number | null;
}

export interface StaffSessionsTable {
  id: Generated<number>;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  staff_user_id: number;
  /** 0: the password was right and the second factor is awaited; 1: logged in. */
  verified: number;
  created_at: number;
  last_seen_at: number;
  ip: string | null;
}

export interface StaffLoginAttemptsTable {
  id: Generated<number>;
  login: string;
  ip: string;
  at: number;
  success: number;
}
