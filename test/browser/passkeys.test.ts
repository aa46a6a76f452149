// End-to-end: a profile adds a passkey and logs in with it, in Chromium with its virtual
// authenticator (the DevTools protocol's WebAuthn domain: CTAP2, internal, resident keys, user
// verification), so the page's script (passkeys.browser.ts, @simplewebauthn/browser) and the
// server (@simplewebauthn/server) do the real ceremonies. The profile (confirmed, no password, the
// demo account attached) and its first session are made in the server's database, as the profile
// login is another part's. The pages are opened at http://localhost:PORT, the server's public
// address (PUBLIC_URL's default): WebAuthn refuses an IP address as the relying party's id.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { axeViolations } from './axe.ts';
import { browserSuite, DEMO_ACCOUNT, runScenario, SKIP, squash, type Server } from './support.ts';

const PAGE = '/cabinet/profile/passkeys';
/** The profile login page, where the passkey login is too; the passkey's own page still works. */
const LOGIN = '/profile/login';
const PASSKEY_LOGIN = '/profile/login/passkey';
const CONSENT_REQUIRED = 'Чтобы войти, подтвердите согласие на обработку персональных данных.';

/** The server's public address: localhost, not 127.0.0.1 (an IP is no RP ID). */
function publicUrl(server: Server): string {
  return server.url.replace('127.0.0.1', 'localhost');
}

/** A confirmed profile without a password, the demo account attached, and a session of it: its token. */
function profileWithSession(server: Server, email: string): string {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    const now = Date.now();
    const token = randomBytes(32).toString('base64url');
    db.transaction(() => {
      const { id: accountId } = db.prepare('select id from accounts where number = ?').get(DEMO_ACCOUNT) as {
        id: number;
      };
      const profile = db
        .prepare(
          'insert into profiles (email, email_confirmed_at, password_hash, created_at) values (?, ?, null, ?)',
        )
        .run(email, now, now);
      const profileId = Number(profile.lastInsertRowid);
      db.prepare(
        `insert into profile_accounts (profile_id, account_id, attached_at, attached_by) values (?, ?, ?, 'login')`,
      ).run(profileId, accountId, now);
      db.prepare(
        'insert into sessions (token_hash, account_id, created_at, last_seen_at, ip, profile_id) values (?, ?, ?, ?, null, ?)',
      ).run(createHash('sha256').update(token).digest('hex'), accountId, now, now, profileId);
    })();
    return token;
  } finally {
    db.close();
  }
}

/** Removes a passkey behind the customer's back (as another session of the profile could). */
function forgetPasskey(server: Server, name: string): void {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    assert.equal(db.prepare('delete from passkeys where name = ?').run(name).changes, 1);
  } finally {
    db.close();
  }
}

async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

describe('passkeys in Chromium', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('a profile adds a passkey, logs out, and logs in with it to its account', async (t) => {
    const server = suite.server();
    const base = publicUrl(server);
    const token = profileWithSession(server, 'passkey-browser@example.ru');
    await runScenario(t, suite.browser(), { label: 'passkeys', jsEnabled: true }, async (page, context) => {
      await context.addCookies([{ name: 'sid', value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
      await addVirtualAuthenticator(context, page);

      await page.goto(`${base}${PAGE}`);
      assert.equal(await page.locator('.passkey-needs-js').isVisible(), false, 'the script runs');
      await page.getByLabel('Название ключа').fill('Ноутбук');
      await Promise.all([
        page.waitForURL(/\?done=added$/),
        page.getByRole('button', { name: 'Добавить ключ входа' }).click(),
      ]);
      assert.equal(squash(await page.getByRole('status').innerText()), 'Ключ входа добавлен.');
      const row = page.getByRole('row', { name: /Ноутбук/ });
      assert.match(squash(await row.innerText()), /не использовался/);
      assert.deepEqual(await axeViolations(page), [], 'the passkeys page, with one listed');

      await Promise.all([page.waitForURL(/\/cabinet$/), page.getByRole('button', { name: 'выход' }).click()]);
      assert.equal(await page.getByText(`Лицевой счет ${DEMO_ACCOUNT}`).count(), 0, 'logged out');

      await page.goto(`${base}${LOGIN}`);
      assert.deepEqual(await axeViolations(page), [], 'the profile login page, with the passkey section');
      // Without the consent box ticked the script starts nothing and says why, next to the box.
      await page.getByRole('button', { name: 'Войти с ключом входа' }).click();
      const consentError = page.locator('#passkey-consent-error');
      await consentError.waitFor({ state: 'visible' });
      assert.equal(squash(await consentError.innerText()), CONSENT_REQUIRED);
      assert.equal(await page.locator('#passkey-consent').getAttribute('aria-invalid'), 'true');
      assert.ok(page.url().endsWith(LOGIN), 'still on the login page');
      assert.deepEqual(await axeViolations(page), [], 'the profile login page, with the message');
      await page.goto(`${base}/cabinet`);
      assert.equal(await page.getByText(`Лицевой счет ${DEMO_ACCOUNT}`).count(), 0, 'nobody is logged in');
      await page.goto(`${base}${LOGIN}`);
      await page.locator('#passkey-consent').check();
      await Promise.all([
        page.waitForURL(/\/cabinet$/),
        page.getByRole('button', { name: 'Войти с ключом входа' }).click(),
      ]);
      assert.match(
        squash(await page.locator('main').innerText()),
        new RegExp(`Лицевой счет ${DEMO_ACCOUNT}`),
      );

      await page.goto(`${base}${PAGE}`);
      const used = squash(await page.getByRole('row', { name: /Ноутбук/ }).innerText());
      assert.doesNotMatch(used, /не использовался/, 'the last use is shown');
    });
  });

  test('a passkey the portal no longer knows: the login page says so, and nobody is logged in', async (t) => {
    const server = suite.server();
    const base = publicUrl(server);
    const token = profileWithSession(server, 'passkey-removed@example.ru');
    // The refused assertion is answered 401 on purpose; Chromium logs every 4xx it loads.
    const options = {
      label: 'passkeys-refused',
      jsEnabled: true,
      isExpectedConsoleError: (msg: ConsoleMessage) =>
        /status of 401/.test(msg.text()) && msg.location().url.endsWith(PASSKEY_LOGIN),
    };
    await runScenario(t, suite.browser(), options, async (page, context) => {
      await context.addCookies([{ name: 'sid', value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
      await addVirtualAuthenticator(context, page);
      await page.goto(`${base}${PAGE}`);
      await page.getByLabel('Название ключа').fill('Старый');
      await Promise.all([
        page.waitForURL(/\?done=added$/),
        page.getByRole('button', { name: 'Добавить ключ входа' }).click(),
      ]);
      forgetPasskey(server, 'Старый');
      await Promise.all([page.waitForURL(/\/cabinet$/), page.getByRole('button', { name: 'выход' }).click()]);

      await page.goto(`${base}${PASSKEY_LOGIN}`);
      await page.locator('#passkey-consent').check();
      await page.getByRole('button', { name: 'Войти с ключом входа' }).click();
      const alert = page.locator('#passkey-login-error');
      await alert.waitFor({ state: 'visible' });
      assert.equal(
        squash(await alert.innerText()),
        'Войти с этим ключом не удалось. Попробуйте ещё раз или войдите другим способом.',
      );
      assert.ok(page.url().endsWith(PASSKEY_LOGIN), 'still on the login page');
      await page.goto(`${base}/cabinet`);
      assert.equal(await page.getByText(`Лицевой счет ${DEMO_ACCOUNT}`).count(), 0, 'not logged in');
    });
  });

  test('without JavaScript the pages say that passkeys need it, and show no button', async (t) => {
    const server = suite.server();
    const base = publicUrl(server);
    const token = profileWithSession(server, 'passkey-nojs@example.ru');
    await runScenario(t, suite.browser(), { label: 'passkeys', jsEnabled: false }, async (page, context) => {
      await context.addCookies([{ name: 'sid', value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
      await page.goto(`${base}${PAGE}`);
      assert.match(
        squash(await page.locator('.passkey-needs-js').innerText()),
        /^Ключи входа \(passkeys\) работают только с включённым JavaScript/,
      );
      assert.equal(await page.getByRole('button', { name: 'Добавить ключ входа' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /Удалить/ }).count(), 0, 'no passkeys yet');

      for (const login of [LOGIN, PASSKEY_LOGIN]) {
        await page.goto(`${base}${login}`);
        assert.match(squash(await page.locator('.passkey-needs-js').innerText()), /нужен JavaScript/);
        assert.equal(await page.getByRole('button', { name: 'Войти с ключом входа' }).count(), 0);
        assert.equal(await page.locator('#passkey-consent').isVisible(), false, 'no box without the script');
      }
    });
  });
});
