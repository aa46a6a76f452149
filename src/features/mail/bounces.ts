import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { accountNumber } from './accounts.repository.ts';
import { asciiDomain, maskEmail } from './email-address.ts';
import { parseDsn } from './dsn.ts';
import { findById, findByMessageId, markSentBounced, type SentMessage } from './outbox.repository.ts';
import { findSubscription, markUndeliverable } from './subscription.repository.ts';

type Q = Kysely<Database> | Transaction<Database>;

/**
 * Bounces: a message refused for good by the recipient's server, at send time (the worker) or
 * later by a delivery status notification (`mail-bounces`). The message is `bounced`, and the
 * account's address undeliverable: nothing more is sent to it until its owner confirms an
 * address (the same one again, or another).
 */

/**
 * Marks the address undeliverable after a message to `email` bounced, with an audit row
 * (`email_bounce`, the address masked). Nothing when the address changed since, is already
 * marked, or was confirmed again after the message was sent (`sentAt`).
 */
export async function suspendAddress(
  tx: Q,
  b: {
    accountId: number;
    email: string;
    diagnostic: string;
    now: Date;
    sentAt: number | null;
    via: 'smtp' | 'dsn';
    message: { kind: string; period: string };
  },
): Promise<boolean> {
  const marked = await markUndeliverable(tx, {
    accountId: b.accountId,
    email: b.email,
    reason: b.diagnostic,
    now: b.now.getTime(),
    sentAt: b.sentAt,
  });
  if (marked) {
    await recordAudit(tx, b.now, {
      event: 'email_bounce',
      outcome: 'undeliverable',
      accountNumber: (await accountNumber(tx, b.accountId)) ?? null,
      details: {
        email: maskEmail(b.email),
        via: b.via,
        kind: b.message.kind,
        period: b.message.period,
        diagnostic: b.diagnostic,
      },
    });
  }
  return marked;
}

export type DsnOutcome =
  /** A sent message of ours, to the account's address: now bounced. */
  | 'matched'
  /** Its message is bounced already (a file read before, or refused at send time). */
  | 'already'
  /** A DSN, but of no message of ours that it can be matched to. */
  | 'unmatched'
  /** A DSN that reports no permanent failure (a delay, a delivery, a 4.x.x). */
  | 'no-failure'
  /** Not a delivery status notification. */
  | 'not-dsn';

export interface DsnResult {
  outcome: DsnOutcome;
  /** For the operator: which message, what the server said, or why it did not match (addresses masked). */
  detail: string;
  /** Whether the account's address was marked undeliverable by it. */
  suspended: boolean;
}

/** Our Message-ID's shape (mail.worker.ts): `<kind-YYYY-MM-outboxId@domain>`. */
const OWN_MESSAGE_ID = /^<(bill|reminder|review)-(\d{4}-\d{2})-(\d{1,15})@([^<>@\s]+)>$/;

/**
 * The message a DSN names: by the Message-ID stored when it was sent; or, for one sent before
 * they were stored, by the outbox id in the Message-ID's own shape (same kind, period, domain).
 */
async function findBounced(db: Q, ids: string[], fromDomain: string): Promise<SentMessage | undefined> {
  for (const id of ids) {
    const stored = await findByMessageId(db, id);
    if (stored) {
      return stored;
    }
    const own = OWN_MESSAGE_ID.exec(id);
    if (own && own[4]!.toLowerCase() === fromDomain.toLowerCase()) {
      const row = await findById(db, Number(own[3]));
      if (row && row.messageId === null && row.kind === own[1] && row.period === own[2]) {
        return row;
      }
    }
  }
  return undefined;
}

/** The recipient a DSN names is the stored address (its domain in punycode on the wire). */
function sameAddress(recipient: string, stored: string): boolean {
  const r = recipient.toLowerCase();
  return r === stored.toLowerCase() || r === asciiDomain(stored).toLowerCase();
}

/**
 * Applies one file of the bounce mailbox. A DSN whose permanent failure names a message we sent
 * (its Message-ID) to the account's current address marks that message bounced and the address
 * undeliverable. Applied twice, the second time changes nothing ('already'). A file that is not a
 * DSN, or names nothing of ours, changes nothing.
 */
export async function applyDsn(
  db: Kysely<Database>,
  raw: Buffer,
  o: { fromDomain: string; now: Date },
): Promise<DsnResult> {
  const dsn = await parseDsn(raw);
  const result = (outcome: DsnOutcome, detail: string, suspended = false): DsnResult => ({
    outcome,
    detail,
    suspended,
  });
  if (dsn.kind === 'not-dsn') {
    return result('not-dsn', 'not a delivery status notification');
  }
  if (dsn.failures.length === 0) {
    return result('no-failure', 'no recipient failed for good (Action: failed, Status: 5.x.x)');
  }
  if (dsn.messageIds.length === 0) {
    return result('unmatched', 'names no Message-ID of the returned message');
  }
  return db.transaction().execute(async (tx) => {
    const row = await findBounced(tx, dsn.messageIds, o.fromDomain);
    if (!row) {
      return result('unmatched', `no message of ours has the Message-ID ${dsn.messageIds.join(', ')}`);
    }
    const what = `${row.kind} ${row.period}, account ${(await accountNumber(tx, row.accountId)) ?? row.accountId}`;
    if (row.status === 'bounced') {
      return result('already', `${what}: already bounced`);
    }
    const sub = await findSubscription(tx, row.accountId);
    const failure = sub && dsn.failures.find((f) => sameAddress(f.recipient, sub.email));
    if (!sub || !failure) {
      const to = dsn.failures.map((f) => maskEmail(f.recipient)).join(', ');
      return result('unmatched', `${what}: ${to} is not the account's address (changed or removed since?)`);
    }
    if (row.status !== 'sent' || !(await markSentBounced(tx, row.id, failure.diagnostic, o.now.getTime()))) {
      return result('unmatched', `${what}: the message is ${row.status} now, not sent`);
    }
    const suspended = await suspendAddress(tx, {
      accountId: row.accountId,
      email: sub.email,
      diagnostic: failure.diagnostic,
      now: o.now,
      sentAt: row.sentAt,
      via: 'dsn',
      message: row,
    });
    return result('matched', `${what}, ${maskEmail(sub.email)}: ${failure.diagnostic}`, suspended);
  });
}
