import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { CoreConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { parseAccountNumber, type SettlementCodes } from '../../domain/account-number.ts';
import { normalizeSurname, surnamesMatch } from '../../domain/surname.ts';
import * as repo from './account.repository.ts';
import { settlementCodes } from './settlements.repository.ts';
import * as sessions from './session.repository.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { assessLogin, clientKey } from './login-throttle.ts';

export interface AuthDeps {
  db: Kysely<Database>;
  /** PostgreSQL serialises attempts with advisory locks; SQLite by its single writer. */
  dialect: Dialect;
  clock: Clock;
  config: Pick<CoreConfig, 'loginLimits' | 'session' | 'consentPolicyVersion'>;
}

export interface LoginInput {
  account: string;
  surname: string;
  consent: boolean;
  ip: string;
  /** The browser's own cookie (browser-id.ts), when it sent one. */
  browser?: string | undefined;
}

export type LoginFieldErrors = Partial<Record<'account' | 'surname' | 'consent', string>>;

export type LoginResult =
  | { kind: 'invalid'; errors: LoginFieldErrors }
  | { kind: 'throttled'; retryAt: Date }
  /** `left`: failures still allowed before a throttle refuses; at 0, `retryAt` says when it allows again. */
  | { kind: 'failed'; left: number; retryAt: Date | null }
  | { kind: 'ok'; token: string; accountNumber: string };

const MAX_SURNAME_LENGTH = 100;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** 256 random bits, URL-safe. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks the form against the settlement codes (the `settlements` table), before any attempt is counted. */
export function validateLoginForm(
  input: Omit<LoginInput, 'ip' | 'browser'>,
  settlements: SettlementCodes,
): LoginFieldErrors {
  const errors: LoginFieldErrors = {};
  const acc = parseAccountNumber(input.account, settlements);
  if (!acc.ok) {
    errors.account = acc.message;
  }
  const surname = normalizeSurname(input.surname);
  if (surname === '') {
    errors.surname = 'Введите фамилию владельца лицевого счёта.';
  } else if (surname.length > MAX_SURNAME_LENGTH) {
    errors.surname = 'Фамилия слишком длинная.';
  }
  if (!input.consent) {
    errors.consent = 'Чтобы войти, подтвердите согласие на обработку персональных данных.';
  }
  return errors;
}

export async function login(deps: AuthDeps, input: LoginInput): Promise<LoginResult> {
  const settlements = await settlementCodes(deps.db);
  const errors = validateLoginForm(input, settlements);
  if (Object.keys(errors).length > 0) {
    return { kind: 'invalid', errors };
  }
  const acc = parseAccountNumber(input.account, settlements);
  if (!acc.ok) {
    throw new Error('unreachable: validated above');
  }
  const { db, clock } = deps;
  const now = clock.now();
  const number = acc.number;

  // Attempts on one account number, or from one IP, are decided one after another, so that
  // attempts sent in parallel cannot all be counted before any is recorded and slip under the limit.
  // On SQLite this process's requests already run one at a time (the queries are synchronous); the
  // writes are one short transaction, which waits its turn if another process (a mail worker, the
  // closing) is writing. On PostgreSQL each attempt is one transaction holding advisory locks on the
  // number and on the IP, shared by every app instance; within an instance the attempts first queue
  // in memory, so that a flood on one key keeps at most one pool connection waiting for its lock.
  const decide = (q: Q, write: Writer) =>
    decideLogin(deps, q, write, {
      number,
      ip: input.ip,
      client: clientKey(input.browser && hashToken(input.browser).slice(0, 32), input.ip),
      surname: input.surname,
      now,
    });
  if (deps.dialect !== 'postgres') {
    return decide(db, (fn) => db.transaction().execute(fn));
  }
  return loginQueue.run([`account:${number}`, `ip:${input.ip}`], () =>
    db.transaction().execute(async (tx) => {
      await repo.lockLoginAttempts(tx, number, input.ip);
      return decide(tx, (fn) => fn(tx));
    }),
  );
}

type Q = Kysely<Database> | Transaction<Database>;
/** Runs a group of writes atomically: in a new transaction, or in the one already open. */
type Writer = <T>(fn: (tx: Transaction<Database>) => Promise<T>) => Promise<T>;

const loginQueue = new KeyedMutex();

/**
 * The newest attempts on an account that the throttles read. Failures stop being recorded once
 * the account's limit is reached, so a window holds at most that many failures per success; a
 * window with more than this many attempts is one of hundreds of successful logins, whose oldest
 * attempts no longer matter.
 */
const ATTEMPTS_READ = 500;

async function decideLogin(
  deps: AuthDeps,
  q: Q,
  write: Writer,
  a: { number: string; ip: string; client: string; surname: string; now: Date },
): Promise<LoginResult> {
  const { number, ip, client, now } = a;
  const at = now.getTime();
  const limits = deps.config.loginLimits;
  // The throttles apply to unknown account numbers exactly as to real ones, so that a
  // lock-out, or the count of attempts left, tells an attacker nothing about which numbers exist.
  const attempts = await repo.recentAttempts(q, number, at - limits.windowMs, ATTEMPTS_READ);
  const verdict = assessLogin(attempts, { client, ip }, limits, at);
  const ipFailures = await repo.recentFailedAccountsFromIp(
    q,
    ip,
    at - limits.ipWindowMs,
    limits.ipMaxAccounts,
  );
  const ipLocked = ipFailures.length >= limits.ipMaxAccounts;
  if (verdict.lockedBy.length > 0 || ipLocked) {
    const retryMs = Math.max(
      verdict.retryAt,
      ipLocked ? ipFailures[limits.ipMaxAccounts - 1]! + limits.ipWindowMs : 0,
    );
    await recordAudit(q, now, {
      event: 'login',
      outcome: 'locked',
      accountNumber: number,
      ip,
      details: { reason: [...verdict.lockedBy, ...(ipLocked ? ['ip'] : [])].join(',') },
    });
    return { kind: 'throttled', retryAt: new Date(retryMs) };
  }

  const account = await repo.findLoginAccount(q, number);
  if (!account || !surnamesMatch(a.surname, account.surname)) {
    await write(async (tx) => {
      await repo.recordAttempt(tx, { accountNumber: number, ip, client, at, success: false });
      await recordAudit(tx, now, { event: 'login', outcome: 'failure', accountNumber: number, ip });
    });
    const after = assessLogin([{ at, success: false, client, ip }, ...attempts], { client, ip }, limits, at);
    return { kind: 'failed', left: after.left, retryAt: after.left === 0 ? new Date(after.retryAt) : null };
  }

  const token = newSessionToken();
  await write(async (tx) => {
    await repo.recordAttempt(tx, { accountNumber: number, ip, client, at, success: true });
    await repo.recordConsent(tx, {
      accountId: account.id,
      accountNumber: number,
      policyVersion: deps.config.consentPolicyVersion,
      at,
      ip,
    });
    await sessions.insertSession(tx, { tokenHash: hashToken(token), accountId: account.id, at, ip });
    await recordAudit(tx, now, { event: 'login', outcome: 'success', accountNumber: number, ip });
  });
  return { kind: 'ok', token, accountNumber: number };
}

/**
 * Sessions touch `last_seen_at` at most this often, so that reading a page is not always a write,
 * and the idle timeout counts from the last request to within this much (it was a minute).
 */
const TOUCH_INTERVAL_MS = 5_000;

export interface ActiveSession {
  id: number;
  accountId: number;
  accountNumber: string;
  /** The profile of a profile login; null for the manual's login. */
  profileId: number | null;
}

/**
 * The session a token belongs to, if it is still valid; expired sessions are deleted. A profile's
 * session whose account is no longer attached to the profile is not valid either (it is ended, so
 * that no request reaches an account the profile lost).
 */
export async function resolveSession(deps: AuthDeps, token: string): Promise<ActiveSession | null> {
  const { db, clock, config } = deps;
  const s = await sessions.findSessionByHash(db, hashToken(token));
  if (!s) {
    return null;
  }
  const now = clock.now().getTime();
  if (
    !s.accountAttached ||
    now - s.lastSeenAt > config.session.idleMs ||
    now - s.createdAt > config.session.absoluteMs
  ) {
    await sessions.deleteSession(db, s.id);
    return null;
  }
  if (now - s.lastSeenAt >= TOUCH_INTERVAL_MS) {
    await sessions.touchSession(db, s.id, now);
  }
  return { id: s.id, accountId: s.accountId, accountNumber: s.accountNumber, profileId: s.profileId };
}

export async function logout(deps: AuthDeps, token: string, ip: string): Promise<void> {
  const hash = hashToken(token);
  await deps.db.transaction().execute(async (tx) => {
    const accountNumber = await sessions.findSessionAccountNumber(tx, hash);
    await sessions.deleteSessionByHash(tx, hash);
    if (accountNumber) {
      await recordAudit(tx, deps.clock.now(), { event: 'logout', outcome: 'success', accountNumber, ip });
    }
  });
}
