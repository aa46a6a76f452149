import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { SwitcherProps } from '../../platform/views/layout.tsx';
import type { Customer } from '../account/session.hook.ts';
import { accountsOfProfile } from './profile-accounts.repository.ts';

/**
 * The header's account switcher for a page of this customer: for a profile's session, the shown
 * account and the profile's accounts; nothing for the manual's login (one account, nothing to
 * switch to).
 */
export async function switcherOf(
  db: Kysely<Database>,
  customer: Customer,
): Promise<SwitcherProps | undefined> {
  if (customer.profileId === null) {
    return undefined;
  }
  const accounts = await accountsOfProfile(db, customer.profileId);
  return { current: customer.accountNumber, accounts: accounts.map((a) => a.number) };
}
