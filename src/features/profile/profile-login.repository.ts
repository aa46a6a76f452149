import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Attempt } from '../account/login-throttle.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The attempts the profile login's throttles read (profile-login.service.ts), keyed by the typed
// address's keyed hash: known addresses and unknown ones alike.

const LOCK_PROFILE_EMAIL = 0x5045; // 'PE'
const LOCK_PROFILE_IP = 0x5049; // 'PI'

/** PostgreSQL: attempts on one address, and from one IP, are decided one after another. */
export async function lockProfileAttempts(tx: Transaction<Database>, emailKey: string, ip: string) {
  await sql`select pg_advisory_xact_lock(${LOCK_PROFILE_EMAIL}, hashtext(${emailKey}))`.execute(tx);
  await sql`select pg_advisory_xact_lock(${LOCK_PROFILE_IP}, hashtext(${ip}))`.execute(tx);
}

/** The attempts on one address since `since`, newest first, at most `limit`. */
export async function recentProfileAttempts(
  db: Q,
  emailKey: string,
  since: number,
  limit: number,
): Promise<Attempt[]> {
  const rows = await db
    .selectFrom('profile_login_attempts')
    .select(['at', 'success', 'client', 'ip'])
    .where('email_key', '=', emailKey)
    .where('at', '>', since)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    at: Number(r.at),
    success: Number(r.success) === 1,
    client: r.client,
    ip: r.ip,
  }));
}

/** For each address that failed from this IP since `since`, its latest failure, newest first. */
export async function recentFailedEmailsFromIp(
  db: Q,
  ip: string,
  since: number,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('profile_login_attempts')
    .select(['email_key', (eb) => eb.fn.max('at').as('last_at')])
    .where('ip', '=', ip)
    .where('success', '=', 0)
    .where('at', '>', since)
    .groupBy('email_key')
    .orderBy('last_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.last_at));
}

export async function recordProfileAttempt(
  db: Q,
  a: { emailKey: string; ip: string; client: string; at: number; success: boolean },
): Promise<void> {
  await db
    .insertInto('profile_login_attempts')
    .values({ email_key: a.emailKey, ip: a.ip, client: a.client, at: a.at, success: a.success ? 1 : 0 })
    .execute();
}

export async function pruneProfileAttempts(db: Q, before: number): Promise<void> {
  await db.deleteFrom('profile_login_attempts').where('at', '<', before).execute();
}
