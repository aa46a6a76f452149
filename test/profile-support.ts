import assert from 'node:assert/strict';
import type { Db } from '../src/platform/db/connect.ts';
import { sessionCookieName } from '../src/platform/http/security.ts';
import { hashToken, newSessionToken } from '../src/features/account/account.service.ts';
import { insertSession } from '../src/features/account/session.repository.ts';
import { Agent, recordIssued, textOf, type TestApp } from './helpers.ts';

// Profiles in tests: a confirmed profile with accounts attached, and a logged-in browser of it,
// made straight in the database (no e-mail, no password), for the tests of what a profile's
// session may reach.

export interface TestProfile {
  profileId: number;
  email: string;
  /** The attached accounts' ids, in the order given. */
  accountIds: number[];
}

/**
 * A profile row with these accounts attached, at `at`: its e-mail confirmed then unless
 * `confirmed` is false, a password hash only when given; the accounts attached 'login' first and
 * 'proof' after, unless `attachedBy` names one way for all. Returns the profile's id.
 */
export async function insertProfile(
  db: Db,
  p: {
    email: string;
    accountIds: number[];
    at: number;
    confirmed?: boolean;
    passwordHash?: string | null;
    attachedBy?: 'login' | 'proof';
  },
): Promise<number> {
  const k = db.kysely;
  const row = await k
    .insertInto('profiles')
    .values({
      email: p.email,
      email_confirmed_at: p.confirmed === false ? null : p.at,
      password_hash: p.passwordHash ?? null,
      created_at: p.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const profileId = Number(row.id);
  for (const [i, accountId] of p.accountIds.entries()) {
    await k
      .insertInto('profile_accounts')
      .values({
        profile_id: profileId,
        account_id: accountId,
        attached_at: p.at,
        attached_by: p.attachedBy ?? (i === 0 ? 'login' : 'proof'),
      })
      .execute();
  }
  return profileId;
}

/** The id of the account with this number (which must exist). */
export async function accountIdOf(db: Db, number: string): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select('id')
    .where('number', '=', number)
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** A session of the profile showing `accountId`, as a profile login makes it: its cookie's token. */
export async function insertProfileSession(
  db: Db,
  p: { profileId: number; accountId: number; at: number; ip?: string | null },
): Promise<string> {
  const token = newSessionToken();
  recordIssued('session token', token);
  await insertSession(db.kysely, {
    tokenHash: hashToken(token),
    accountId: p.accountId,
    at: p.at,
    ip: p.ip ?? null,
    profileId: p.profileId,
  });
  return token;
}

/**
 * A profile whose e-mail is confirmed, with the accounts of these numbers attached (the first
 * 'login', the others 'proof'); the accounts must exist (the demo account, or `addAccount`'s).
 */
export async function addProfile(
  db: Db,
  p: { email: string; accounts: string[]; passwordHash?: string | null; at?: number },
): Promise<TestProfile> {
  const accountIds: number[] = [];
  for (const number of p.accounts) {
    accountIds.push(await accountIdOf(db, number));
  }
  const profileId = await insertProfile(db, {
    email: p.email,
    accountIds,
    at: p.at ?? Date.parse('2026-06-01T00:00:00Z'),
    passwordHash: p.passwordHash ?? null,
  });
  return { profileId, email: p.email, accountIds };
}

/**
 * A browser logged in to the profile, its session showing `account` (by default the profile's
 * first account), with the cabinet's page open (so that its CSRF token is at hand). The session
 * is made as a profile login makes it, at the app's clock.
 */
export async function profileSession(
  t: Pick<TestApp, 'app' | 'db' | 'clock' | 'config'>,
  profile: TestProfile,
  opts: { accountId?: number; ip?: string } = {},
): Promise<{ agent: Agent; token: string; html: string; text: string }> {
  const accountId = opts.accountId ?? profile.accountIds[0];
  assert.ok(accountId !== undefined, 'a profile session shows one of its accounts');
  const token = await insertProfileSession(t.db, {
    profileId: profile.profileId,
    accountId,
    at: t.clock.now().getTime(),
    ip: opts.ip ?? '10.0.0.1',
  });
  const agent = new Agent(t.app, opts.ip ?? '10.0.0.1');
  agent.jar[sessionCookieName(t.config)] = token;
  const res = await agent.get('/cabinet');
  assert.equal(res.statusCode, 200, 'the profile session opens the cabinet');
  return { agent, token, html: res.body, text: textOf(res.body) };
}

/** A confirmed profile with these accounts and a logged-in browser of it, in one call. */
export async function loggedInProfile(
  t: Pick<TestApp, 'app' | 'db' | 'clock' | 'config'>,
  p: { email: string; accounts: string[]; ip?: string },
): Promise<TestProfile & { agent: Agent; token: string; html: string }> {
  const profile = await addProfile(t.db, p);
  const s = await profileSession(t, profile, p.ip ? { ip: p.ip } : {});
  return { ...profile, agent: s.agent, token: s.token, html: s.html };
}
