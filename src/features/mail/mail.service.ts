import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { MailConfig } from './mail.config.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { maskEmail, needsSmtpUtf8, parseEmail, type ParseEmailResult } from './email-address.ts';
import { confirmMessage } from './mail.messages.tsx';
import { emailHash, isToken, newConfirmToken, sha256Hex, unsubscribeToken } from './tokens.ts';
import type { MailTransport } from './transport.ts';
import { accountNumber } from './accounts.repository.ts';
import { importedAddress, importedOffer, storedImportedAddress } from './imported-offer.ts';
import {
  deleteSubscription,
  findByUnsubscribeHash,
  findSubscription,
  markConfirmed,
  recordRemovedAddress,
  saveNewAddress,
  setSubscribed,
  type Subscription,
} from './subscription.repository.ts';
import {
  findConfirmation,
  insertConfirmation,
  linkKey,
  pruneConfirmations,
  recentConfirmations,
  retireConfirmations,
  useConfirmation,
} from './tokens.repository.ts';

/**
 * The customer's side of bills by e-mail: the address, its confirmation, unsubscribing.
 *
 * Who may use a link (security.md rows 12 and 18). A confirmation link proves that whoever
 * follows it reads that mailbox, so it works by its token alone — people open mail on a phone
 * where they are not logged in. When the visitor IS logged in, as another account, the link
 * answers 404 exactly like an unknown one: a session never acts on another account's objects, and
 * nothing tells whose link it was. The pages behind a link show neither the account nor the
 * person, only the masked address. Unsubscribe links work by their token alone (RFC 8058).
 */

export interface MailDeps {
  db: Kysely<Database>;
  clock: Clock;
  mail: MailConfig;
  publicUrl: string;
  transport: MailTransport;
}

const keys = new WeakMap<Kysely<Database>, Promise<string>>();

/** The database's HMAC key for links, read once per connection pool. */
export function linkKeyOf(db: Kysely<Database>): Promise<string> {
  let k = keys.get(db);
  if (!k) {
    k = linkKey(db);
    k.catch(() => keys.delete(db));
    keys.set(db, k);
  }
  return k;
}

export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/mail/unsubscribe/${token}`;
}

/** 'bounced': confirmed once, then a message to it bounced; nothing is sent until it is confirmed again. */
export type AddressStatus = 'none' | 'pending' | 'confirmed' | 'bounced';

export interface AddressView {
  /** The stored address; masked when it is the accounts import's (see `masked`). */
  email: string | null;
  /** The stored address is the import's, shown masked (the customer did not type it). */
  masked?: boolean;
  subscribed: boolean;
  status: AddressStatus;
  /** The accounts import's address offered for confirmation (imported-offer.ts), masked; absent: none. */
  offer?: string;
}

/** The account's address for bills as its holder's main page shows it, and the import's offer. */
export async function loadAddress(db: Kysely<Database>, accountId: number): Promise<AddressView> {
  const current = (await findSubscription(db, accountId)) ?? null;
  const imported = await importedAddress(db, accountId);
  const view = addressView(current);
  if (current && imported === current.email) {
    return { ...view, email: maskEmail(current.email), masked: true };
  }
  const offer = await importedOffer(db, { accountId, current, imported, key: await linkKeyOf(db) });
  return { ...view, ...(offer !== null ? { offer: maskEmail(offer) } : {}) };
}

/** The address as the customer's page shows it, from the stored row (none: no address). */
export function addressView(
  s: Pick<Subscription, 'email' | 'subscribed' | 'confirmedAt' | 'bouncedAt'> | null,
): AddressView {
  if (!s) {
    return { email: null, subscribed: false, status: 'none' };
  }
  return {
    email: s.email,
    subscribed: s.subscribed,
    status: s.confirmedAt === null ? 'pending' : s.bouncedAt !== null ? 'bounced' : 'confirmed',
  };
}

export type SendOutcome = { kind: 'sent' } | { kind: 'limited'; retryAt: Date } | { kind: 'failed' };

export type SaveResult =
  | { kind: 'invalid'; fieldError: string }
  /** The same address: only the "send bills" choice was saved (or nothing changed). */
  | { kind: 'saved' }
  /** A new or changed address: stored unconfirmed, and a confirmation e-mail tried. */
  | { kind: 'pending'; send: SendOutcome };

export interface Actor {
  accountId: number;
  accountNumber: string;
  ip: string;
  /**
   * An operator acting on the customer's written request (the back office): the audit rows then
   * name the staff user and carry the reason and the state before and after.
   */
  staff?: { userId: number; reason: string };
}

/** The address's state as a staff action's audit row keeps it, the address masked. */
function auditState(
  s:
    | (Pick<Subscription, 'email' | 'subscribed' | 'confirmedAt'> & { bouncedAt?: number | null })
    | null
    | undefined,
) {
  return s
    ? {
        email: maskEmail(s.email),
        subscribed: s.subscribed,
        confirmed: s.confirmedAt !== null,
        ...(s.bouncedAt ? { bounced: true } : {}),
      }
    : null;
}

/** What an audit row adds when staff act: who, why, before and after. */
function staffAudit(who: Actor, before: unknown, after: unknown) {
  return who.staff
    ? { staffUserId: who.staff.userId, extra: { reason: who.staff.reason, before, after } }
    : { staffUserId: null, extra: {} };
}

/**
 * The typed address checked, refused if our SMTP server cannot take it. An empty field keeps the
 * stored address when it is the import's: the page shows that one masked, the field left empty.
 */
async function checkTyped(deps: MailDeps, who: Actor, email: string): Promise<ParseEmailResult> {
  const kept = email.trim() === '' && !who.staff && (await storedImportedAddress(deps.db, who.accountId));
  const parsed = parseEmail(kept || email);
  if (parsed.ok && needsSmtpUtf8(parsed.email) && !(await deps.transport.utf8Mailboxes())) {
    return {
      ok: false,
      message:
        'Наш почтовый сервер не может отправить письмо на адрес с нелатинскими (например, русскими) буквами до знака «@». Укажите адрес, в котором до «@» только латинские буквы, цифры и знаки . _ - +.',
    };
  }
  return parsed;
}

/**
 * Saves an address (`source` 'import': the accounts import's, accepted). A new or changed one is
 * stored unconfirmed and gets a confirmation link; the one it replaces is recorded as given up.
 */
export async function saveAddress(
  deps: MailDeps,
  who: Actor,
  input: { email: string; subscribed: boolean },
  source: 'form' | 'import' = 'form',
): Promise<SaveResult> {
  const parsed = await checkTyped(deps, who, input.email);
  if (!parsed.ok) {
    return { kind: 'invalid', fieldError: parsed.message };
  }
  const { db } = deps;
  const now = deps.clock.now();
  const key = await linkKeyOf(db);
  const current = await findSubscription(db, who.accountId);

  // A bounced address given again is checked again as a new one: a confirmation link to it.
  if (current && current.email === parsed.email && current.bouncedAt === null) {
    if (current.subscribed !== input.subscribed) {
      await db.transaction().execute(async (tx) => {
        if (await setSubscribed(tx, who.accountId, input.subscribed, now.getTime())) {
          const staff = staffAudit(
            who,
            auditState(current),
            auditState({ ...current, subscribed: input.subscribed }),
          );
          await recordAudit(tx, now, {
            event: 'email_subscription',
            outcome: input.subscribed ? 'on' : 'off',
            accountNumber: who.accountNumber,
            ip: who.ip,
            staffUserId: staff.staffUserId,
            details: { email: maskEmail(parsed.email), via: who.staff ? 'office' : 'form', ...staff.extra },
          });
        }
      });
    }
    return { kind: 'saved' };
  }

  await db.transaction().execute(async (tx) => {
    if (current && current.email !== parsed.email) {
      await recordRemovedAddress(tx, {
        accountId: who.accountId,
        emailHash: emailHash(key, current.email),
        reason: current.bouncedAt !== null ? 'bounced' : 'replaced',
        now: now.getTime(),
      });
    }
    await saveNewAddress(tx, {
      accountId: who.accountId,
      email: parsed.email,
      subscribed: input.subscribed,
      unsubscribeHash: sha256Hex(unsubscribeToken(key, who.accountId, parsed.email)),
      now: now.getTime(),
    });
    const staff = staffAudit(
      who,
      auditState(current),
      auditState({ email: parsed.email, subscribed: input.subscribed, confirmedAt: null }),
    );
    await recordAudit(tx, now, {
      event: 'email_change',
      outcome: 'pending',
      accountNumber: who.accountNumber,
      ip: who.ip,
      staffUserId: staff.staffUserId,
      details: {
        email: maskEmail(parsed.email),
        previous: current ? maskEmail(current.email) : null,
        subscribed: input.subscribed,
        ...(source === 'import' ? { source } : {}),
        ...staff.extra,
      },
    });
  });
  return { kind: 'pending', send: await sendConfirmation(deps, who, parsed.email) };
}

/**
 * The customer accepts the import's address: the same double opt-in as a typed one. The offer is
 * checked again (the page may be stale): `gone` when there is none now.
 */
export async function acceptImported(deps: MailDeps, who: Actor): Promise<SaveResult | { kind: 'gone' }> {
  const { db } = deps;
  const current = (await findSubscription(db, who.accountId)) ?? null;
  const imported = await importedAddress(db, who.accountId);
  const key = await linkKeyOf(db);
  const email = await importedOffer(db, { accountId: who.accountId, current, imported, key });
  if (email === null) {
    return { kind: 'gone' };
  }
  return saveAddress(deps, who, { email, subscribed: true }, 'import');
}

export type ResendResult = SendOutcome | { kind: 'none' } | { kind: 'confirmed' };

export async function resendConfirmation(deps: MailDeps, who: Actor): Promise<ResendResult> {
  const current = await findSubscription(deps.db, who.accountId);
  if (!current) {
    return { kind: 'none' };
  }
  // A bounced address may be confirmed again: its owner says it works now.
  if (current.confirmedAt !== null && current.bouncedAt === null) {
    return { kind: 'confirmed' };
  }
  return sendConfirmation(deps, who, current.email);
}

/**
 * Sends a single-use confirmation link valid for 24 hours, unless the account or the address had
 * MAIL_CONFIRM_LIMIT of them within the window. Sent at once rather than through the outbox: the
 * outbox would have to keep the token, and only its hash is ever stored.
 */
async function sendConfirmation(deps: MailDeps, who: Actor, email: string): Promise<SendOutcome> {
  const { db, mail } = deps;
  const now = deps.clock.now();
  const t = now.getTime();
  const key = await linkKeyOf(db);
  const hashOfEmail = emailHash(key, email);
  const recent = await recentConfirmations(db, {
    accountId: who.accountId,
    emailHash: hashOfEmail,
    since: t - mail.confirmWindowMs,
  });
  const limitedUntil = (times: number[]) =>
    times.length >= mail.confirmLimit ? times[times.length - mail.confirmLimit]! + mail.confirmWindowMs : 0;
  const until = Math.max(limitedUntil(recent.byAccount), limitedUntil(recent.byAddress));
  const audit = (outcome: string) =>
    recordAudit(db, now, {
      event: 'email_confirmation',
      outcome,
      accountNumber: who.accountNumber,
      ip: who.ip,
      staffUserId: who.staff?.userId ?? null,
      details: { email: maskEmail(email) },
    });
  if (until > t) {
    await audit('limited');
    return { kind: 'limited', retryAt: new Date(until) };
  }

  const token = newConfirmToken();
  await insertConfirmation(db, {
    accountId: who.accountId,
    emailHash: hashOfEmail,
    tokenHash: sha256Hex(token),
    now: t,
    expiresAt: t + mail.confirmTtlMs,
  });
  // Links older than a week are of no use, even to the rate limit.
  await pruneConfirmations(db, t - 7 * 86_400_000);
  try {
    await deps.transport.send(
      confirmMessage({
        to: email,
        url: `${deps.publicUrl}/mail/confirm/${token}`,
        supplierName: mail.senderName,
        messageId: `<confirm-${t}-${randomBytes(6).toString('hex')}@${mail.fromDomain}>`,
      }),
    );
  } catch {
    // The row stays: it counts against the limit, so a failing relay is not hammered.
    await audit('failed');
    return { kind: 'failed' };
  }
  await audit('sent');
  return { kind: 'sent' };
}

export async function deleteAddress(deps: MailDeps, who: Actor): Promise<'deleted' | 'none'> {
  const now = deps.clock.now();
  const key = await linkKeyOf(deps.db);
  return deps.db.transaction().execute(async (tx) => {
    const current = await findSubscription(tx, who.accountId);
    if (!current || !(await deleteSubscription(tx, who.accountId))) {
      return 'none';
    }
    await retireConfirmations(tx, who.accountId, now.getTime());
    // Only its keyed hash: the address itself is deleted, yet the import never offers it back.
    await recordRemovedAddress(tx, {
      accountId: who.accountId,
      emailHash: emailHash(key, current.email),
      reason: 'deleted',
      now: now.getTime(),
    });
    const staff = staffAudit(who, auditState(current), null);
    await recordAudit(tx, now, {
      event: 'email_delete',
      outcome: 'deleted',
      accountNumber: who.accountNumber,
      ip: who.ip,
      staffUserId: staff.staffUserId,
      details: { email: maskEmail(current.email), ...staff.extra },
    });
    return 'deleted';
  });
}

// ---- links

type LinkCheck = { ok: true; accountId: number; email: string } | { ok: false };

async function checkConfirmToken(
  deps: MailDeps,
  token: string,
  viewer: number | null,
): Promise<LinkCheck & { id?: number }> {
  if (!isToken(token)) {
    return { ok: false };
  }
  const now = deps.clock.now().getTime();
  const c = await findConfirmation(deps.db, sha256Hex(token));
  if (!c || c.usedAt !== null || c.expiresAt <= now) {
    return { ok: false };
  }
  if (viewer !== null && viewer !== c.accountId) {
    return { ok: false };
  }
  const sub = await findSubscription(deps.db, c.accountId);
  // The address was changed or deleted since the link was sent.
  if (!sub || emailHash(await linkKeyOf(deps.db), sub.email) !== c.emailHash) {
    return { ok: false };
  }
  return { ok: true, accountId: c.accountId, email: sub.email, id: c.id };
}

/** For the confirmation page (GET): whether the link can be used, and the masked address. */
export async function previewConfirmation(
  deps: MailDeps,
  token: string,
  viewer: number | null,
): Promise<{ ok: true; masked: string } | { ok: false }> {
  const c = await checkConfirmToken(deps, token, viewer);
  return c.ok ? { ok: true, masked: maskEmail(c.email) } : { ok: false };
}

/** Uses the link (POST): once only, within 24 hours, while the address is unchanged. */
export async function confirmAddress(
  deps: MailDeps,
  token: string,
  viewer: number | null,
  ip: string,
): Promise<{ ok: true; accountId: number; masked: string } | { ok: false }> {
  const c = await checkConfirmToken(deps, token, viewer);
  if (!c.ok || c.id === undefined) {
    return { ok: false };
  }
  const now = deps.clock.now();
  const id = c.id;
  const done = await deps.db.transaction().execute(async (tx) => {
    if (!(await useConfirmation(tx, id, now.getTime()))) {
      return false;
    }
    if (!(await markConfirmed(tx, c.accountId, c.email, now.getTime()))) {
      return false;
    }
    await retireConfirmations(tx, c.accountId, now.getTime());
    await recordAudit(tx, now, {
      event: 'email_confirm',
      outcome: 'confirmed',
      accountNumber: (await accountNumber(tx, c.accountId)) ?? null,
      ip,
      details: { email: maskEmail(c.email) },
    });
    return true;
  });
  return done ? { ok: true, accountId: c.accountId, masked: maskEmail(c.email) } : { ok: false };
}

export async function findUnsubscribe(
  deps: MailDeps,
  token: string,
): Promise<{ ok: true; masked: string; subscribed: boolean } | { ok: false }> {
  if (!isToken(token)) {
    return { ok: false };
  }
  const s = await findByUnsubscribeHash(deps.db, sha256Hex(token));
  return s ? { ok: true, masked: maskEmail(s.email), subscribed: s.subscribed } : { ok: false };
}

/** Stops bills to the address (it stays stored, as when the box is unticked). Idempotent. */
export async function unsubscribe(
  deps: MailDeps,
  token: string,
  via: 'one_click' | 'page',
  ip: string,
): Promise<boolean> {
  if (!isToken(token)) {
    return false;
  }
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const s = await findByUnsubscribeHash(tx, sha256Hex(token));
    if (!s) {
      return false;
    }
    if (await setSubscribed(tx, s.accountId, false, now.getTime())) {
      await recordAudit(tx, now, {
        event: 'email_subscription',
        outcome: 'off',
        accountNumber: (await accountNumber(tx, s.accountId)) ?? null,
        ip,
        details: { email: maskEmail(s.email), via },
      });
    }
    return true;
  });
}
