import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import type { Customer } from '../account/session.hook.ts';
import * as repo from './profile-accounts.repository.ts';
import { detach } from './accounts.service.ts';
import { maskProfileEmail } from './access-notice.ts';

// «Кто видит этот счёт»: the profiles an account is attached to, and their removal by its holder
// (whoever a session shows the account to: its login by number and surname, or a profile that
// has it, which proved it).

export interface AccessRow {
  profileId: number;
  maskedEmail: string;
  attachedAt: number;
  attachedBy: 'login' | 'proof';
  /** The profile of the session looking. */
  own: boolean;
}

export async function accessOf(db: Kysely<Database>, customer: Customer): Promise<AccessRow[]> {
  const rows = await repo.profilesOfAccount(db, customer.accountId);
  return rows.map((r) => ({
    profileId: r.profileId,
    maskedEmail: maskProfileEmail(r.email),
    attachedAt: r.attachedAt,
    attachedBy: r.attachedBy,
    own: r.profileId === customer.profileId,
  }));
}

export type RemoveResult = 'removed' | 'unknown' | 'last';

/**
 * Removes a profile's access to the session's account, at once: that profile's sessions on it end
 * at their next request (resolveSession). Removing one's own profile is detaching (never the
 * profile's last account; the session then shows another of its accounts).
 */
export async function removeAccess(
  deps: { db: Kysely<Database>; clock: Clock; dialect: Dialect },
  customer: Customer,
  profileId: number,
  ip: string,
): Promise<RemoveResult> {
  if (profileId === customer.profileId) {
    const res = await detach(
      deps,
      { profileId, ip, sessionId: customer.sessionId, shownAccountId: customer.accountId },
      customer.accountNumber,
    );
    return res === 'detached' ? 'removed' : res;
  }
  return deps.db.transaction().execute(async (tx) => {
    if (!(await repo.detachAccount(tx, profileId, customer.accountId))) {
      return 'unknown';
    }
    await recordAudit(tx, deps.clock.now(), {
      event: 'profile_access_removed',
      outcome: 'success',
      accountNumber: customer.accountNumber,
      ip,
      details: { profile: profileId, by: customer.profileId === null ? 'account' : 'profile' },
    });
    return 'removed';
  });
}
