import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, MailConfirmationsTable } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The SQL behind the links in the e-mails (tokens.ts makes the tokens): the key that unsubscribe
// tokens and address hashes are keyed with (`mail_keys`), and the confirmation links
// (`mail_confirmations`), of which only hashes are stored.

export async function linkKey(db: Q): Promise<string> {
  const r = await db.selectFrom('mail_keys').select('secret').where('name', '=', 'links').executeTakeFirst();
  if (!r) {
    throw new Error('mail_keys has no "links" key: run the migrations');
  }
  return r.secret;
}

export async function insertConfirmation(
  db: Q,
  c: { accountId: number; emailHash: string; tokenHash: string; now: number; expiresAt: number },
): Promise<void> {
  const row: Insertable<MailConfirmationsTable> = {
    account_id: c.accountId,
    email_hash: c.emailHash,
    token_hash: c.tokenHash,
    created_at: c.now,
    expires_at: c.expiresAt,
    used_at: null,
  };
  await db.insertInto('mail_confirmations').values(row).execute();
}

/** When the confirmation e-mails since `since` were sent, oldest first: to the account, and to the address. */
export async function recentConfirmations(
  db: Q,
  q: { accountId: number; emailHash: string; since: number },
): Promise<{ byAccount: number[]; byAddress: number[] }> {
  const [a, e] = await Promise.all([
    db
      .selectFrom('mail_confirmations')
      .select('created_at')
      .where('account_id', '=', q.accountId)
      .where('created_at', '>', q.since)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('mail_confirmations')
      .select('created_at')
      .where('email_hash', '=', q.emailHash)
      .where('created_at', '>', q.since)
      .orderBy('created_at')
      .execute(),
  ]);
  return { byAccount: a.map((r) => Number(r.created_at)), byAddress: e.map((r) => Number(r.created_at)) };
}

export interface Confirmation {
  id: number;
  accountId: number;
  emailHash: string;
  expiresAt: number;
  usedAt: number | null;
}

const CONFIRMATION_COLUMNS = ['id', 'account_id', 'email_hash', 'expires_at', 'used_at'] as const;

type ConfirmationRow = Pick<Selectable<MailConfirmationsTable>, (typeof CONFIRMATION_COLUMNS)[number]>;

function toConfirmation(r: ConfirmationRow): Confirmation {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    emailHash: r.email_hash,
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

export async function findConfirmation(db: Q, tokenHash: string): Promise<Confirmation | undefined> {
  const r = await db
    .selectFrom('mail_confirmations')
    .select(CONFIRMATION_COLUMNS)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return r && toConfirmation(r);
}

/** Uses a link once: true for the one request that gets it, however many arrive together. */
export async function useConfirmation(db: Q, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('mail_confirmations')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Other links of the account die when one is used. */
export async function retireConfirmations(db: Q, accountId: number, now: number): Promise<void> {
  await db
    .updateTable('mail_confirmations')
    .set({ used_at: now })
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .execute();
}

export async function pruneConfirmations(db: Q, before: number): Promise<void> {
  await db.deleteFrom('mail_confirmations').where('created_at', '<', before).execute();
}
