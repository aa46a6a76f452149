import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { LoginLimits } from '../../platform/config.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import * as repo from './account.repository.ts';

// An operator unlocks a customer's login (the back office): the account's failed attempts are
// forgotten, so that no throttle of the lock-out (a browser's, an address's, the account's; see
// login-throttle.ts) refuses the holder any longer. Audited with who, why, before and after.

export interface UnlockDeps {
  db: Kysely<Database>;
  clock: Clock;
  limits: Pick<LoginLimits, 'windowMs' | 'accountMaxFailures'>;
}

/** The lock-out as the operator's form shows it. */
export interface LoginLockState {
  /** Failures within the window (15 minutes by default). */
  failures: number;
  windowMinutes: number;
  /** The failures reached the account's limit: it is locked for everyone. */
  lockedForAll: boolean;
}

export async function loginLockState(deps: UnlockDeps, accountNumber: string): Promise<LoginLockState> {
  const failures = await repo.countFailures(
    deps.db,
    accountNumber,
    deps.clock.now().getTime() - deps.limits.windowMs,
  );
  return {
    failures,
    windowMinutes: Math.round(deps.limits.windowMs / 60_000),
    lockedForAll: failures >= deps.limits.accountMaxFailures,
  };
}

/** Forgets the account's failed login attempts, with the audit event; returns the state before. */
export async function unlockLogin(
  deps: UnlockDeps,
  accountNumber: string,
  by: { staffUserId: number; ip: string; reason: string },
): Promise<LoginLockState> {
  return deps.db.transaction().execute(async (tx) => {
    const now = deps.clock.now();
    const before = await loginLockState({ ...deps, db: tx }, accountNumber);
    const removed = await repo.deleteFailures(tx, accountNumber);
    await recordAudit(tx, now, {
      event: 'login_unlock',
      outcome: 'success',
      accountNumber,
      ip: by.ip,
      staffUserId: by.staffUserId,
      details: {
        reason: by.reason,
        before: { failuresInWindow: before.failures, lockedForAll: before.lockedForAll },
        after: { failuresInWindow: 0, lockedForAll: false, failuresForgotten: removed },
      },
    });
    return before;
  });
}
