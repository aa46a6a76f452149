import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** An account a profile sees, as the switcher and the API list it. */
export interface AttachedAccount {
  accountId: number;
  number: string;
  attachedAt: number;
}

/** The accounts attached to a profile, by account number. */
export async function accountsOfProfile(db: Q, profileId: number): Promise<AttachedAccount[]> {
  const rows = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select(['accounts.id', 'accounts.number', 'profile_accounts.attached_at'])
    .where('profile_accounts.profile_id', '=', profileId)
    .orderBy('accounts.number')
    .execute();
  return rows.map((r) => ({ accountId: Number(r.id), number: r.number, attachedAt: Number(r.attached_at) }));
}

/** The account with this number when it is attached to the profile; undefined otherwise. */
export async function attachedAccountByNumber(
  db: Q,
  profileId: number,
  number: string,
): Promise<AttachedAccount | undefined> {
  const r = await db
    .selectFrom('profile_accounts')
    .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
    .select(['accounts.id', 'accounts.number', 'profile_accounts.attached_at'])
    .where('profile_accounts.profile_id', '=', profileId)
    .where('accounts.number', '=', number)
    .executeTakeFirst();
  return r && { accountId: Number(r.id), number: r.number, attachedAt: Number(r.attached_at) };
}
