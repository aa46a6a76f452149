import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Attempt } from './login-throttle.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface LoginAccount {
  id: number;
  number: string;
  surname: string;
}

/** Advisory-lock namespaces (first key of `pg_advisory_xact_lock(int, int)`) for login attempts. */
const LOCK_LOGIN_ACCOUNT = 0x4c41; // 'LA'
const LOCK_LOGIN_IP = 0x4c49; // 'LI'

/**
 * PostgreSQL only: holds, until the transaction ends, a lock on this account number and one on
 * this IP, always in that order (so two attempts cannot wait on each other).
 */
export async function lockLoginAttempts(
  tx: Transaction<Database>,
  accountNumber: string,
  ip: string,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCK_LOGIN_ACCOUNT}, hashtext(${accountNumber}))`.execute(tx);
  await sql`select pg_advisory_xact_lock(${LOCK_LOGIN_IP}, hashtext(${ip}))`.execute(tx);
}

export async function findLoginAccount(db: Q, number: string): Promise<LoginAccount | undefined> {
  return db
    .selectFrom('accounts')
    .select(['id', 'number', 'surname'])
    .where('number', '=', number)
    .executeTakeFirst();
}

/** The attempts on one account since `since`, newest first, at most `limit` (login-throttle.ts). */
export async function recentAttempts(
  db: Q,
  accountNumber: string,
  since: number,
  limit: number,
): Promise<Attempt[]> {
  const rows = await db
    .selectFrom('login_attempts')
    .select(['at', 'success', 'client', 'ip'])
    .where('account_number', '=', accountNumber)
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

/** For each account that failed from this IP since `since`, the time of its latest failure, newest first. */
export async function recentFailedAccountsFromIp(
  db: Q,
  ip: string,
  since: number,
  limit: number,
): Promise<number[]> {
  const rows = await db
    .selectFrom('login_attempts')
    .select(['account_number', (eb) => eb.fn.max('at').as('last_at')])
    .where('ip', '=', ip)
    .where('success', '=', 0)
    .where('at', '>', since)
    .groupBy('account_number')
    .orderBy('last_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.last_at));
}

export async function recordAttempt(
  db: Q,
  a: { accountNumber: string; ip: string; client: string; at: number; success: boolean },
) {
  await db
    .insertInto('login_attempts')
    .values({
      account_number: a.accountNumber,
      ip: a.ip,
      client: a.client,
      at: a.at,
      success: a.success ? 1 : 0,
    })
    .execute();
}

export async function recordConsent(
  db: Q,
  c: { accountId: number; accountNumber: string; policyVersion: string; at: number; ip: string },
) {
  await db
    .insertInto('consents')
    .values({
      account_id: c.accountId,
      account_number: c.accountNumber,
      policy_version: c.policyVersion,
      given_at: c.at,
      ip: c.ip,
    })
    .execute();
}

/** Login attempts older than this are of no use to the throttles; the operators' cleanup removes them. */
export async function pruneAttempts(db: Q, before: number) {
  await db.deleteFrom('login_attempts').where('at', '<', before).execute();
}

/** The account as its holder's pages show it. */
export interface AccountProfile {
  id: number;
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  objectAddress: string;
  residents: number;
  tariffPlanId: number;
  branchId: number;
}

export async function findAccountProfile(db: Q, accountId: number): Promise<AccountProfile | undefined> {
  const r = await db
    .selectFrom('accounts')
    .select([
      'id',
      'number',
      'surname',
      'first_name',
      'patronymic',
      'object_address',
      'residents',
      'tariff_plan_id',
      'branch_id',
    ])
    .where('id', '=', accountId)
    .executeTakeFirst();
  return (
    r && {
      id: Number(r.id),
      number: r.number,
      surname: r.surname,
      firstName: r.first_name,
      patronymic: r.patronymic,
      objectAddress: r.object_address,
      residents: r.residents,
      tariffPlanId: Number(r.tariff_plan_id),
      branchId: Number(r.branch_id),
    }
  );
}

/** The failed login attempts on an account since `since` (what the lock-out counts). */
export async function countFailures(db: Q, accountNumber: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('login_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_number', '=', accountNumber)
    .where('success', '=', 0)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Forgets the account's failed login attempts (an operator unlocks it); returns how many. */
export async function deleteFailures(db: Q, accountNumber: string): Promise<number> {
  const r = await db
    .deleteFrom('login_attempts')
    .where('account_number', '=', accountNumber)
    .where('success', '=', 0)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A login attempt on the account, as the back office's account card lists them. */
export interface LoginAttemptRow {
  at: number;
  ip: string;
  success: boolean;
}

/** The account's newest login attempts, newest first (the back office's account card). */
export async function loginAttemptsOf(
  db: Q,
  accountNumber: string,
  limit: number,
): Promise<LoginAttemptRow[]> {
  const rows = await db
    .selectFrom('login_attempts')
    .select(['at', 'ip', 'success'])
    .where('account_number', '=', accountNumber)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ at: Number(r.at), ip: r.ip, success: Number(r.success) === 1 }));
}

export interface ConsentRow {
  policyVersion: string;
  givenAt: number;
  ip: string;
}

/** The personal-data consents given for the account, newest first. */
export async function consentsOf(db: Q, accountNumber: string, limit: number): Promise<ConsentRow[]> {
  const rows = await db
    .selectFrom('consents')
    .select(['policy_version', 'given_at', 'ip'])
    .where('account_number', '=', accountNumber)
    .orderBy('given_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ policyVersion: r.policy_version, givenAt: Number(r.given_at), ip: r.ip }));
}

/**
 * Sets the number of residents the norm (п.42, п.60) and the social norm count, if it is still
 * `expected` (another operator may have changed it meanwhile); false when it was not.
 */
export async function setResidents(
  db: Q,
  accountId: number,
  expected: number,
  residents: number,
): Promise<boolean> {
  const r = await db
    .updateTable('accounts')
    .set({ residents })
    .where('id', '=', accountId)
    .where('residents', '=', expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
