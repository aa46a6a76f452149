import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface StoredStaffSession {
  id: number;
  staffUserId: number;
  verified: boolean;
  createdAt: number;
  lastSeenAt: number;
}

export async function insertSession(
  db: Q,
  s: { tokenHash: string; staffUserId: number; verified: boolean; at: number; ip: string },
): Promise<void> {
  await db
    .insertInto('staff_sessions')
    .values({
      token_hash: s.tokenHash,
      staff_user_id: s.staffUserId,
      verified: s.verified ? 1 : 0,
      created_at: s.at,
      last_seen_at: s.at,
      ip: s.ip,
    })
    .execute();
}

export async function findSession(db: Q, tokenHash: string): Promise<StoredStaffSession | undefined> {
  const r = await db
    .selectFrom('staff_sessions')
    .select(['id', 'staff_user_id', 'verified', 'created_at', 'last_seen_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      staffUserId: Number(r.staff_user_id),
      verified: Number(r.verified) === 1,
      createdAt: Number(r.created_at),
      lastSeenAt: Number(r.last_seen_at),
    }
  );
}

export async function touchSession(db: Q, id: number, at: number): Promise<void> {
  await db.updateTable('staff_sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function deleteSession(db: Q, id: number): Promise<void> {
  await db.deleteFrom('staff_sessions').where('id', '=', id).execute();
}

export async function deleteSessionByHash(db: Q, tokenHash: string): Promise<void> {
  await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Ends every session of a user; returns how many there were. */
export async function deleteUserSessions(db: Q, staffUserId: number): Promise<number> {
  const res = await db
    .deleteFrom('staff_sessions')
    .where('staff_user_id', '=', staffUserId)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function countUserSessions(db: Q, staffUserId: number): Promise<number> {
  const r = await db
    .selectFrom('staff_sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('staff_user_id', '=', staffUserId)
    .where('verified', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteExpiredSessions(db: Q, idleBefore: number, createdBefore: number): Promise<void> {
  await db
    .deleteFrom('staff_sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('created_at', '<', createdBefore)]))
    .execute();
}

// ---- Login attempts

export interface StaffAttempt {
  at: number;
  success: boolean;
}

/** The newest attempts on a login since `since`, newest first. */
export async function recentAttemptsOnLogin(
  db: Q,
  login: string,
  since: number,
  limit: number,
): Promise<StaffAttempt[]> {
  const rows = await db
    .selectFrom('staff_login_attempts')
    .select(['at', 'success'])
    .where('login', '=', login)
    .where('at', '>', since)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ at: Number(r.at), success: Number(r.success) === 1 }));
}

/** Times of the newest failures from an address since `since`, newest first. */
export async function recentFailuresFromIp(
  db: Q,
  ip: string,
  since: number,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('staff_login_attempts')
    .select('at')
    .where('ip', '=', ip)
    .where('success', '=', 0)
    .where('at', '>', since)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.at));
}

export async function recordAttempt(
  db: Q,
  a: { login: string; ip: string; at: number; success: boolean },
): Promise<void> {
  await db
    .insertInto('staff_login_attempts')
    .values({ login: a.login, ip: a.ip, at: a.at, success: a.success ? 1 : 0 })
    .execute();
}

export async function pruneAttempts(db: Q, before: number): Promise<void> {
  await db.deleteFrom('staff_login_attempts').where('at', '<', before).execute();
}

// ---- The audit of staff actions (the customers' audit_log, with the staff user who acted)

export interface StaffAuditEvent {
  staffUserId: number | null;
  event: string;
  outcome: string;
  ip: string;
  accountNumber?: string | null;
  /** Why (mandatory for changes made by staff), and the state before and after. */
  details?: { reason?: string; target?: string; before?: unknown; after?: unknown };
}

export async function recordStaffAudit(db: Q, at: number, e: StaffAuditEvent): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at,
      event: e.event,
      outcome: e.outcome,
      account_number: e.accountNumber ?? null,
      ip: e.ip,
      staff_user_id: e.staffUserId,
      // JSON escapes CR/LF and quotes, so input cannot forge extra log lines.
      details: e.details ? JSON.stringify(e.details) : null,
    })
    .execute();
}

export interface StaffAuditRow {
  at: number;
  event: string;
  outcome: string;
  staffUserId: number | null;
  details: string | null;
}

/** The newest audit rows about staff (their logins and what admins did to them). */
export async function recentStaffAudit(db: Q, limit: number): Promise<StaffAuditRow[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['at', 'event', 'outcome', 'staff_user_id', 'details'])
    .where('event', 'like', 'staff.%')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    at: Number(r.at),
    event: r.event,
    outcome: r.outcome,
    staffUserId: r.staff_user_id === null ? null : Number(r.staff_user_id),
    details: r.details,
  }));
}
