import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { maskEmail } from '../mail/email-address.ts';
import type { Customer } from '../account/session.hook.ts';
import * as repo from './profile-accounts.repository.ts';
import { detach } from './accounts.service.ts';

// «Кто видит этот счёт»: the profiles an account is attached to, and their removal by its holder
// (whoever a session shows the account to: its login by number and surname, or a profile that
// has it, which proved it).

/** «ivanov@mail.ru» → «i***@m***.ru»: the mail feature's mask, the domain's name masked too. */
export function maskProfileEmail(email: string): string {
  const masked = maskEmail(email);
  const at = masked.lastIndexOf('@');
  const labels = masked.slice(at + 1).split('.');
  const tld = labels.length > 1 ? labels.pop() : undefined;
  const host = labels.map((l) => `${l.slice(0, 1)}***`).join('.');
  return `${masked.slice(0, at)}@${host}${tld === undefined ? '' : `.${tld}`}`;
}

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
  deps: { db: Kysely<Database>; clock: Clock },
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
