import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { SwitcherProps } from '../../platform/views/layout.tsx';
import type { Customer } from '../account/session.hook.ts';
import { profileAccountNumbers } from '../account/session.repository.ts';

/**
 * The header's account switcher read afresh, for the profile's own pages that render after this
 * request changed the profile's accounts (attach, detach): the guard's `req.customer` holds the
 * list read before the change. Every other page takes `cabinetHeader` (account/session.hook.ts).
 */
export async function switcherOf(
  db: Kysely<Database>,
  customer: Customer,
): Promise<SwitcherProps | undefined> {
  if (customer.profileId === null) {
    return undefined;
  }
  const accounts = await profileAccountNumbers(db, customer.profileId);
  return { current: customer.accountNumber, accounts };
}
