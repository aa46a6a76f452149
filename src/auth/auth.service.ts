import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/connect.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { parseAccountNumber } from '../domain/account-number.ts';
import { normalizeSurname, surnamesMatch } from '../domain/surname.ts';
import * as repo from './auth.repository.ts';
import * as sessions from './session.repository.ts';

export interface AuthDeps {
  db: Kysely<Database>;
  /** The same database, for the session lookup every logged-in request makes (`Db.rows`). */
  store: Db;
  clock: Clock;
  config: Pick<Config, 'loginLimits' | 'session' | 'consentPolicyVersion'>;
}

export interface LoginInput {
  account: string;
  surname: string;
  consent: boolean;
  ip: string;
}

export type LoginFieldErrors = Partial<Record<'account' | 'surname' | 'consent', string>>;

export type LoginResult =
  | { kind: 'invalid'; errors: LoginFieldErrors }
  | { kind: 'throttled'; retryAt: Date }
  | { kind: 'failed' }
  | { kind: 'ok'; token: string; accountNumber: string };

const MAX_SURNAME_LENGTH = 100;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** 256 random bits, URL-safe. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks the form without touching the database. */
export function validateLoginForm(input: Omit<LoginInput, 'ip'>): LoginFieldErrors {
  const errors: LoginFieldErrors = {};
  const acc = parseAccountNumber(input.account);
  if (!acc.ok) errors.account = acc.message;
  const surname = normalizeSurname(input.surname);
  if (surname === '') errors.surname = 'Введите фамилию владельца лицевого счёта.';
  else if (surname.length > MAX_SURNAME_LENGTH) errors.surname = 'Фамилия слишком длинная.';
  if (!input.consent)
    errors.consent = 'Чтобы войти, подтвердите согласие на обработку персональных данных.';
  return errors;
}

export async function login(deps: AuthDeps, input: LoginInput): Promise<LoginResult> {
  const errors = validateLoginForm(input);
  if (Object.keys(errors).length > 0) return { kind: 'invalid', errors };
  const acc = parseAccountNumber(input.account);
  if (!acc.ok) throw new Error('unreachable: validated above');
  const { db, clock, config } = deps;
  const now = clock.now();
  const at = now.getTime();
  const limits = config.loginLimits;
  const number = acc.number;

  // One transaction per attempt, holding a lock on the account number and on the IP (PostgreSQL:
  // advisory locks; SQLite: its single connection), so that attempts sent in parallel are counted
  // one after another and cannot all slip under the limit, whichever app instance takes them.
  return db.transaction().execute(async (tx): Promise<LoginResult> => {
    if (deps.store.dialect === 'postgres') await repo.lockLoginAttempts(tx, number, input.ip);

    // The throttles apply to unknown account numbers exactly as to real ones, so that a
    // lock-out tells an attacker nothing about which numbers exist.
    const failures = await repo.recentFailures(tx, number, at - limits.windowMs, limits.maxFailures);
    const ipFailures = await repo.recentFailedAccountsFromIp(tx, input.ip, at - limits.ipWindowMs, limits.ipMaxAccounts);
    const accountLocked = failures.length >= limits.maxFailures;
    const ipLocked = ipFailures.length >= limits.ipMaxAccounts;
    if (accountLocked || ipLocked) {
      const retryMs = Math.max(
        accountLocked ? failures[limits.maxFailures - 1]! + limits.windowMs : 0,
        ipLocked ? ipFailures[limits.ipMaxAccounts - 1]! + limits.ipWindowMs : 0,
      );
      await recordAudit(tx, now, {
        event: 'login',
        outcome: 'locked',
        accountNumber: number,
        ip: input.ip,
        details: { reason: accountLocked ? 'account' : 'ip' },
      });
      return { kind: 'throttled', retryAt: new Date(retryMs) };
    }

    const account = await repo.findLoginAccount(tx, number);
    if (!account || !surnamesMatch(input.surname, account.surname)) {
      await repo.recordAttempt(tx, { accountNumber: number, ip: input.ip, at, success: false });
      await recordAudit(tx, now, { event: 'login', outcome: 'failure', accountNumber: number, ip: input.ip });
      return { kind: 'failed' };
    }

    const token = newSessionToken();
    await repo.recordAttempt(tx, { accountNumber: number, ip: input.ip, at, success: true });
    await repo.recordConsent(tx, {
      accountId: account.id,
      accountNumber: number,
      policyVersion: config.consentPolicyVersion,
      at,
      ip: input.ip,
    });
    await sessions.insertSession(tx, { tokenHash: hashToken(token), accountId: account.id, at, ip: input.ip });
    await recordAudit(tx, now, { event: 'login', outcome: 'success', accountNumber: number, ip: input.ip });
    return { kind: 'ok', token, accountNumber: number };
  });
}

/** Sessions touch `last_seen_at` at most this often, so that reading a page is not always a write. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ActiveSession {
  id: number;
  accountId: number;
}

/** The session a token belongs to, if it is still valid; expired sessions are deleted. */
export async function resolveSession(deps: AuthDeps, token: string): Promise<ActiveSession | null> {
  const { db, clock, config } = deps;
  const s = await sessions.findSessionByHash(deps.store, hashToken(token));
  if (!s) return null;
  const now = clock.now().getTime();
  if (now - s.lastSeenAt > config.session.idleMs || now - s.createdAt > config.session.absoluteMs) {
    await sessions.deleteSession(db, s.id);
    return null;
  }
  if (now - s.lastSeenAt >= TOUCH_INTERVAL_MS) await sessions.touchSession(db, s.id, now);
  return { id: s.id, accountId: s.accountId };
}

export async function logout(deps: AuthDeps, token: string, ip: string): Promise<void> {
  const hash = hashToken(token);
  await deps.db.transaction().execute(async (tx) => {
    const accountNumber = await sessions.findSessionAccountNumber(tx, hash);
    await sessions.deleteSessionByHash(tx, hash);
    if (accountNumber) await recordAudit(tx, deps.clock.now(), { event: 'logout', outcome: 'success', accountNumber, ip });
  });
}
