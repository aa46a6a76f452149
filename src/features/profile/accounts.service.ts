import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { parseAccountNumber } from '../../domain/account-number.ts';
import { parseRubles } from '../../domain/money.ts';
import { normalizeSurname, surnamesMatch } from '../../domain/surname.ts';
import { settlementCodes } from '../account/settlements.repository.ts';
import { switchSessionAccount } from '../account/session.repository.ts';
import type { MailTransport } from '../mail/transport.ts';
import * as repo from './profile-accounts.repository.ts';
import { attachedMessage } from './accounts.messages.tsx';
import { tellOtherProfiles } from './access-notice.ts';

// Attaching an account to a profile with a proof only its holder has, and detaching one.

export interface ProfileAccountsDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
  transport: MailTransport;
  supplierName: string;
  publicUrl: string;
  timeZone: string;
}

/**
 * Failures allowed within a day, per profile and per account number (ours). Five guesses of an
 * amount within a rouble are a chance of about 5 in 10 000 for a bill of hundreds of roubles; a
 * stranger's failures on a number delay its holder's attaching by a day at most, never the login.
 */
export const ATTACH_LIMITS = { windowMs: 24 * 3_600_000, perProfile: 5, perAccount: 5 };
/** The proof's amount is accepted within a rouble either way. */
export const PROOF_TOLERANCE_KOP = 100;

export interface AttachInput {
  number: string;
  surname: string;
  amount: string;
}

export type AttachFieldErrors = Partial<Record<keyof AttachInput, string>>;

export type AttachResult =
  | { kind: 'invalid'; errors: AttachFieldErrors }
  | { kind: 'already'; number: string }
  | { kind: 'throttled'; retryAt: Date }
  /** `left`: failures still allowed today; at 0, `retryAt` says when attaching is allowed again. */
  | { kind: 'failed'; left: number; retryAt: Date | null }
  | { kind: 'attached'; number: string; accountId: number; mailed: boolean };

type Q = Kysely<Database> | Transaction<Database>;

/** When the `limit`-th newest failure leaves the window: the time attempts are allowed again. */
function freeAt(times: number[], limit: number): number | null {
  const t = times[limit - 1];
  return t === undefined ? null : t + ATTACH_LIMITS.windowMs;
}

async function validate(
  db: Q,
  input: AttachInput,
): Promise<{ errors: AttachFieldErrors; number: string; amountKop: number }> {
  const errors: AttachFieldErrors = {};
  const acc = parseAccountNumber(input.number, await settlementCodes(db));
  if (!acc.ok) {
    errors.number = acc.message;
  }
  const surname = normalizeSurname(input.surname);
  if (surname === '') {
    errors.surname = 'Введите фамилию владельца лицевого счёта.';
  } else if (surname.length > 100) {
    errors.surname = 'Фамилия слишком длинная.';
  }
  const amount = parseRubles(input.amount);
  if (!amount.ok) {
    errors.amount = amount.message;
  } else if (amount.kopecks <= 0) {
    errors.amount = 'Сумма должна быть больше нуля.';
  }
  return { errors, number: acc.ok ? acc.number : '', amountKop: amount.ok ? amount.kopecks : 0 };
}

/** Whether the amount is the last bill's sum to pay or the last payment's, within a rouble. */
function proofMatches(amountKop: number, proof: { billKop: number | null; paymentKop: number | null }) {
  return [proof.billKop, proof.paymentKop].some(
    (v) => v !== null && Math.abs(v - amountKop) <= PROOF_TOLERANCE_KOP,
  );
}

/**
 * Attaches the account of `input.number` to the profile when the surname and the amount prove
 * its holder. Every wrong part gets the same answer; failures are limited (ATTACH_LIMITS) before
 * anything is checked, and each attempt is audited. The profile's e-mail is told of a success.
 */
export async function attachWithProof(
  deps: ProfileAccountsDeps,
  who: { profileId: number; ip: string },
  input: AttachInput,
): Promise<AttachResult> {
  const { db } = deps;
  const v = await validate(db, input);
  if (Object.keys(v.errors).length > 0) {
    return { kind: 'invalid', errors: v.errors };
  }
  // The profile sees it already: saying so tells nothing it does not know.
  if (await repo.attachedAccountByNumber(db, who.profileId, v.number)) {
    return { kind: 'already', number: v.number };
  }
  const decide = (q: Q) => decideAttach(deps, q, who, { ...v, surname: input.surname });
  const result =
    deps.dialect === 'postgres'
      ? await db.transaction().execute(async (tx) => {
          await repo.lockAttachAttempts(tx, who.profileId, v.number);
          return decide(tx);
        })
      : await db.transaction().execute(decide);
  if (result.kind !== 'attached') {
    return result;
  }
  // Only a confirmed profile signs in, so it has an address; the account's other profiles learn
  // who joined them (access-notice.ts).
  const email = await repo.confirmedEmailOf(db, who.profileId);
  if (!email) {
    return result;
  }
  const mailed = await tellProfile(deps, email, result.number);
  await tellOtherProfiles(
    deps,
    { profileId: who.profileId, email },
    { accountId: result.accountId, accountNumber: result.number },
  );
  return { ...result, mailed };
}

async function decideAttach(
  deps: ProfileAccountsDeps,
  q: Q,
  who: { profileId: number; ip: string },
  a: { number: string; surname: string; amountKop: number },
): Promise<AttachResult> {
  const now = deps.clock.now();
  const at = now.getTime();
  const audit = (outcome: string) =>
    recordAudit(q, now, {
      event: 'profile_attach',
      outcome,
      accountNumber: a.number,
      ip: who.ip,
      details: { profile: who.profileId },
    });
  const recent = await repo.recentAttachFailures(q, {
    profileId: who.profileId,
    accountNumber: a.number,
    since: at - ATTACH_LIMITS.windowMs,
    limit: Math.max(ATTACH_LIMITS.perProfile, ATTACH_LIMITS.perAccount),
  });
  const until = Math.max(
    freeAt(recent.byProfile, ATTACH_LIMITS.perProfile) ?? 0,
    freeAt(recent.byAccount, ATTACH_LIMITS.perAccount) ?? 0,
  );
  if (until > at) {
    await audit('locked');
    return { kind: 'throttled', retryAt: new Date(until) };
  }
  const account = await repo.findAccountForProof(q, a.number);
  const proven =
    account !== undefined &&
    surnamesMatch(a.surname, account.surname) &&
    proofMatches(a.amountKop, await repo.proofAmounts(q, account.accountId));
  if (!account || !proven) {
    await repo.recordAttachFailure(q, { profileId: who.profileId, accountNumber: a.number, at });
    await audit('failure');
    const byProfile = [at, ...recent.byProfile];
    const byAccount = [at, ...recent.byAccount];
    const left = Math.min(
      ATTACH_LIMITS.perProfile - byProfile.length,
      ATTACH_LIMITS.perAccount - byAccount.length,
    );
    if (left > 0) {
      return { kind: 'failed', left, retryAt: null };
    }
    const retry = Math.max(
      freeAt(byProfile, ATTACH_LIMITS.perProfile) ?? 0,
      freeAt(byAccount, ATTACH_LIMITS.perAccount) ?? 0,
    );
    return { kind: 'failed', left: 0, retryAt: new Date(retry) };
  }
  if (
    !(await repo.attachAccount(q, {
      profileId: who.profileId,
      accountId: account.accountId,
      at,
      by: 'proof',
    }))
  ) {
    // The same form sent twice: the first one attached it (and sends the e-mails).
    return { kind: 'already', number: account.number };
  }
  await audit('success');
  return { kind: 'attached', number: account.number, accountId: account.accountId, mailed: false };
}

/** The local date and time, to the minute, as the pages and e-mails state them. */
export function localDateTime(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('ru-RU', {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/** The e-mail of an attachment; a relay that fails does not undo it (the page says the mail failed). */
async function tellProfile(deps: ProfileAccountsDeps, to: string, accountNumber: string) {
  try {
    await deps.transport.send(
      attachedMessage({
        to,
        accountNumber,
        when: localDateTime(deps.timeZone, deps.clock.now()),
        accountsUrl: `${deps.publicUrl}/cabinet/profile/accounts`,
        supplierName: deps.supplierName,
      }),
    );
    return true;
  } catch {
    return false;
  }
}

export type DetachResult = 'detached' | 'last' | 'unknown';

/**
 * Takes an account from the profile; never its last one (a profile without accounts would have
 * nothing to show). The profile's other sessions on it end at their next request (resolveSession);
 * the session that asked, when it showed that account, shows another of the profile's instead.
 */
export async function detach(
  deps: Pick<ProfileAccountsDeps, 'db' | 'clock' | 'dialect'>,
  who: { profileId: number; ip: string; sessionId: number; shownAccountId: number },
  accountNumber: string,
): Promise<DetachResult> {
  return deps.db.transaction().execute(async (tx) => {
    if (deps.dialect === 'postgres') {
      await repo.lockProfileAccounts(tx, who.profileId);
    }
    const accounts = await repo.accountsOfProfile(tx, who.profileId);
    const account = accounts.find((a) => a.number === accountNumber);
    if (!account) {
      return 'unknown';
    }
    const other = accounts.find((a) => a.accountId !== account.accountId);
    if (!other) {
      return 'last';
    }
    if (account.accountId === who.shownAccountId) {
      await switchSessionAccount(tx, {
        sessionId: who.sessionId,
        profileId: who.profileId,
        accountId: other.accountId,
      });
    }
    await repo.detachAccount(tx, who.profileId, account.accountId);
    await recordAudit(tx, deps.clock.now(), {
      event: 'profile_detach',
      outcome: 'success',
      accountNumber,
      ip: who.ip,
      details: { profile: who.profileId },
    });
    return 'detached';
  });
}
