// Profiles and their sessions for the API tokens' tests (src/features/api-tokens), made straight
// in the database: the profile's own login is another part's, and these tests need only a
// profile's session and a bearer's context.
import type { TestApp } from './helpers.ts';
import { Agent, recordIssued } from './helpers.ts';
import { accountIdOf, insertProfile, insertProfileSession } from './profile-support.ts';
import { sessionCookieName } from '../src/platform/http/security.ts';
import type { AppContext } from '../src/platform/http/context.ts';
import type { Db } from '../src/platform/db/connect.ts';
import { DEMO_ACCOUNT } from '../src/tools/demo/demo-account.ts';

export const TOKENS = '/cabinet/profile/tokens';

/** A profile with `accountNumber` attached; its e-mail confirmed unless said otherwise. */
export async function addProfile(
  t: TestApp,
  email: string,
  opts: { confirmed?: boolean; accountNumber?: string } = {},
): Promise<{ profileId: number; accountId: number }> {
  const accountId = await accountIdOf(t.db, opts.accountNumber ?? DEMO_ACCOUNT.number);
  const profileId = await insertProfile(t.db, {
    email,
    accountIds: [accountId],
    at: t.clock.now().getTime(),
    ...(opts.confirmed === false ? { confirmed: false } : {}),
  });
  return { profileId, accountId };
}

/** A browser logged in to the profile (a new session), on the tokens page (so with its CSRF token). */
export async function profileAgent(
  t: TestApp,
  profile: { profileId: number; accountId: number },
  ip: string,
): Promise<Agent> {
  const token = await insertProfileSession(t.db, { ...profile, at: t.clock.now().getTime(), ip });
  const agent = new Agent(t.app, ip);
  agent.jar[sessionCookieName(t.config)] = token;
  const page = await agent.get(TOKENS);
  if (page.statusCode !== 200) {
    throw new Error(`the tokens page answered ${page.statusCode}`);
  }
  return agent;
}

/** The token a "Токен создан" page shows (the read-only text area's content). */
export function shownToken(html: string): string | undefined {
  const token = /<textarea id="new-token"[^>]*>\s*(lk_[A-Za-z0-9_-]+)\s*<\/textarea>/.exec(html)?.[1];
  // The leak scan then looks for it in the logs.
  recordIssued('API token', token);
  return token;
}

/** What authenticateBearer needs, over the app's database and clock (or another instance's db). */
export function bearerContext(t: TestApp, db: Db = t.db): AppContext {
  return { config: t.config, db, clock: t.clock, supplierName: 'test' };
}
