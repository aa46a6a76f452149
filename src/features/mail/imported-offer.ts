import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { parseEmail } from './email-address.ts';
import { importedEmail } from './accounts.repository.ts';
import { emailHash } from './tokens.ts';
import { findSubscription, wasRemoved, type Subscription } from './subscription.repository.ts';

// The e-mail address of the supplier's accounts import (`accounts.imported_email`, issue 19): never
// used for bills as it is, only offered to the customer, who may accept it through the usual double
// opt-in (mail.service.ts: acceptImported).

/** The accounts import's address of the account, normalised; null when none or not an address. */
export async function importedAddress(db: Kysely<Database>, accountId: number): Promise<string | null> {
  const raw = await importedEmail(db, accountId);
  const parsed = raw === null ? null : parseEmail(raw);
  return parsed?.ok ? parsed.email : null;
}

/**
 * The import's address (`imported`, normalised) if the customer is to be offered it: only while no
 * address of the account is confirmed and deliverable, never the address already stored (awaiting
 * confirmation, or bounced), and never one the account gave up — deleted, replaced by another, or
 * bounced (`mail_removed_addresses`, by the address's hash under the links' `key`).
 */
export async function importedOffer(
  db: Kysely<Database>,
  o: {
    accountId: number;
    current: Pick<Subscription, 'email' | 'confirmedAt' | 'bouncedAt'> | null;
    imported: string | null;
    key: string;
  },
): Promise<string | null> {
  const { current, imported } = o;
  if (imported === null || imported === current?.email) {
    return null;
  }
  if (current && current.confirmedAt !== null && current.bouncedAt === null) {
    return null;
  }
  return (await wasRemoved(db, o.accountId, emailHash(o.key, imported))) ? null : imported;
}

/**
 * The stored address when it is the import's: the page shows it masked and leaves the field
 * empty, so an empty field keeps it. Null otherwise.
 */
export async function storedImportedAddress(db: Kysely<Database>, accountId: number): Promise<string | null> {
  const stored = await findSubscription(db, accountId);
  return stored && (await importedAddress(db, accountId)) === stored.email ? stored.email : null;
}
