/**
 * Which login throttle, if any, refuses an attempt on one account, and how many failures are
 * left before one does. Pure: the attempts come from the database, newest first.
 *
 * The policy (README, "Login lock-out"): failures count against the narrowest client first, so
 * that a stranger typing a wrong surname locks out the stranger's own browser and address, not
 * the holder. On one account, within the window:
 * - one browser (its cookie; a request without one is its address) may fail `maxFailures` times;
 * - one address, whatever browsers it shows, `addressMaxFailures` times (a client that drops or
 *   forges its cookie on every attempt is still one address);
 * - everyone together `accountMaxFailures` times: only an attack from many addresses reaches it,
 *   and then the account is locked for everyone until the window passes (at most 4 × 20 = 80
 *   guesses an hour with the defaults, under ASVS 2.2.1's 100).
 * A success resets the count of its own scope: the browser's, the address's and the account's.
 */
import type { LoginLimits } from '../../platform/config.ts';

export interface Attempt {
  at: number;
  success: boolean;
  /** `b:<hash>` of the browser cookie, `ip:<address>` without one, null on rows from before clients. */
  client: string | null;
  ip: string;
}

export type Scope = 'browser' | 'address' | 'account';

export interface Assessment {
  /** The scopes that refuse the attempt (empty: it may be checked). */
  lockedBy: Scope[];
  /** When every refusing scope allows again (ms); 0 when none refuses. */
  retryAt: number;
  /** Failures still allowed before some scope refuses (0 when locked). */
  left: number;
}

type Limits = Pick<LoginLimits, 'maxFailures' | 'addressMaxFailures' | 'accountMaxFailures' | 'windowMs'>;

/** The client key of an attempt: the browser's cookie (hashed) when it sent one, else its address. */
export function clientKey(browserHash: string | undefined, ip: string): string {
  return browserHash ? `b:${browserHash}` : `ip:${ip}`;
}

export function assessLogin(
  attempts: readonly Attempt[],
  who: { client: string; ip: string },
  limits: Limits,
  now: number,
): Assessment {
  const since = now - limits.windowMs;
  const scopes: Array<[Scope, number, (a: Attempt) => boolean]> = [
    ['browser', limits.maxFailures, (a) => a.client === who.client],
    ['address', limits.addressMaxFailures, (a) => a.ip === who.ip],
    ['account', limits.accountMaxFailures, () => true],
  ];
  const lockedBy: Scope[] = [];
  let retryAt = 0;
  let left = Infinity;
  for (const [scope, max, mine] of scopes) {
    const failures = recentFailures(attempts, mine, since, max);
    if (failures.length >= max) {
      lockedBy.push(scope);
      // The oldest of the `max` newest failures leaves the window first.
      retryAt = Math.max(retryAt, failures[max - 1]! + limits.windowMs);
    }
    left = Math.min(left, Math.max(0, max - failures.length));
  }
  return { lockedBy, retryAt, left };
}

/** Times of the failures in one scope since `since` and since its last success, newest first, at most `max`. */
function recentFailures(
  attempts: readonly Attempt[],
  mine: (a: Attempt) => boolean,
  since: number,
  max: number,
): number[] {
  const out: number[] = [];
  for (const a of attempts) {
    if (a.at <= since || out.length >= max) {
      break;
    }
    if (!mine(a)) {
      continue;
    }
    if (a.success) {
      break;
    }
    out.push(a.at);
  }
  return out;
}
