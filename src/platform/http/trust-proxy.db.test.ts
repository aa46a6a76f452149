import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';

// Behind nginx, which appends the address it saw to X-Forwarded-For: the left-most entries are
// whatever the client sent.
const FORGED = `6.6.6.6, ${'9'.repeat(4000)}, 203.0.113.7`;

async function auditedAddress(t: TestApp, xff: string | undefined): Promise<string | null> {
  const page = await t.app.inject({ url: '/cabinet', remoteAddress: '127.0.0.1' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await t.app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: '127.0.0.1',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie,
      ...(xff ? { 'x-forwarded-for': xff } : {}),
    },
    payload: new URLSearchParams({
      _csrf: csrf,
      from: 'cabinet',
      account: '1799999999',
      surname: 'Икс',
      consent: 'yes',
    }).toString(),
  });
  assert.equal(res.statusCode, 401, res.body.slice(0, 200));
  const row = await t.db.kysely
    .selectFrom('audit_log')
    .select('ip')
    .where('event', '=', 'login')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.ip ?? null;
}

for (const dialect of await testDialects()) {
  describe(`the client's address behind a proxy (${dialect})`, () => {
    for (const [setting, expected] of [
      ['true', '203.0.113.7'],
      ['1', '203.0.113.7'],
      ['127.0.0.1', '203.0.113.7'],
      ['false', '127.0.0.1'],
    ] as const) {
      describe(`TRUST_PROXY=${setting}`, () => {
        let t: TestApp;
        before(async () => {
          t = await createTestApp(dialect, { env: { TRUST_PROXY: setting } });
        });
        after(async () => t.close());

        test(`a client that writes its own X-Forwarded-For entries is still ${expected}`, async () => {
          assert.equal(await auditedAddress(t, FORGED), expected);
          assert.equal(await auditedAddress(t, undefined), '127.0.0.1', 'without the header: the socket');
        });
      });
    }
  });
}
