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
 * A profile whose e-mail is confirmed, with the accounts of these numbers attached (the first
 * 'login', the others 'proof'); the accounts must exist (the demo account, or `addAccount`'s).
 */
export async function addProfile(
  db: Db,
  p: { email: string; accounts: string[]; passwordHash?: string | null; at?: number },
): Promise<TestProfile> {
  const k = db.kysely;
  const at = p.at ?? Date.parse('2026-06-01T00:00:00Z');
  const row = await k
    .insertInto('profiles')
    .values({ email: p.email, email_confirmed_at: at, password_hash: p.passwordHash ?? null, created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  const profileId = Number(row.id);
  const accountIds: number[] = [];
  for (const [i, number] of p.accounts.entries()) {
    const a = await k
      .selectFrom('accounts')
      .select('id')
      .where('number', '=', number)
      .executeTakeFirstOrThrow();
    accountIds.push(Number(a.id));
    await k
      .insertInto('profile_accounts')
      .values({
        profile_id: profileId,
        account_id: Number(a.id),
        attached_at: at,
        attached_by: i === 0 ? 'login' : 'proof',
      })
      .execute();
  }
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
  const token = newSessionToken();
  recordIssued('session token', token);
  await insertSession(t.db.kysely, {
    tokenHash: hashToken(token),
    accountId,
    at: t.clock.now().getTime(),
    ip: opts.ip ?? '10.0.0.1',
    profileId: profile.profileId,
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
