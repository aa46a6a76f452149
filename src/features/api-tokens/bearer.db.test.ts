// authenticateBearer on both databases: the header's forms (fast-check: any string is a 401, never
// a throw), expiry by the test clock, the per-token rate limit shared by two instances (429 with
// retryAfterS, then accepted in the next window), and the last use written at most once a minute.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestApp, recordIssued, testDialects, type TestApp } from '../../../test/helpers.ts';
import { reopenDb } from '../../../test/db.ts';
import { addProfile, bearerContext } from '../../../test/api-tokens-support.ts';
import { createToken } from './api-tokens.service.ts';
import { authenticateBearer, type BearerResult } from './bearer.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const RATE = 5;
const MINUTE = 60_000;
const DAY = 86_400_000;

for (const dialect of await testDialects()) {
  describe(`authenticateBearer (${dialect})`, () => {
    let t: TestApp;
    let profileId: number;
    before(async () => {
      t = await createTestApp(dialect, { env: { API_RATE_PER_MINUTE: String(RATE) } });
      ({ profileId } = await addProfile(t, 'bearer@example.ru'));
    });
    after(async () => t.close());

    /** A new token of the profile, expiring in `days`. */
    async function newToken(days = 30): Promise<{ token: string; id: number }> {
      const res = await createToken(
        { db: t.db.kysely, clock: t.clock },
        { profileId, accountNumber: DEMO_ACCOUNT.number, ip: '10.41.0.1' },
        { name: 'test', readingsWrite: false, days: String(days) },
      );
      assert.equal(res.kind, 'created');
      recordIssued('API token', res.kind === 'created' ? res.token : undefined);
      return res.kind === 'created' ? { token: res.token, id: res.id } : { token: '', id: 0 };
    }
    const auth = (header: string | undefined, ip = '192.0.2.1') =>
      authenticateBearer(bearerContext(t), header, ip);
    const lastUse = async (id: number) => {
      const r = await t.db.kysely
        .selectFrom('api_tokens')
        .select(['last_used_at', 'last_used_ip'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return { at: r.last_used_at === null ? null : Number(r.last_used_at), ip: r.last_used_ip };
    };
    /** Moves the clock to the start of the next minute, so that a test's window is a whole one. */
    const toNextWindow = () => t.clock.advance(MINUTE - (t.clock.now().getTime() % MINUTE));

    test('the scheme in any case and spaces around the token; every other form is a 401', async () => {
      const { token } = await newToken();
      for (const h of [`Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`, `Bearer ${token} `]) {
        toNextWindow();
        assert.ok((await auth(h)).ok, h);
      }
      const wrong: Array<string | undefined> = [
        undefined,
        '',
        '   ',
        'Bearer',
        'Bearer ',
        token,
        `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        `Token ${token}`,
        `Bearer ${token} extra`,
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token.replace('lk_', 'LK_')}`,
        `Bearer\t${token}`,
        `Bearer ${token}, Bearer ${token}`,
        `Bearer lk_${'A'.repeat(43)}`,
      ];
      for (const h of wrong) {
        const r = await auth(h);
        assert.equal(r.ok, false, String(h));
        assert.ok(!r.ok && r.status === 401 && r.detail.length > 10, String(h));
      }
      assert.match(
        (await auth(undefined)).ok ? '' : ((await auth(undefined)) as { detail: string }).detail,
        /Нужен токен доступа/,
      );
    });

    test('fast-check: any header is a 401 with a Russian detail, never a throw', async () => {
      const { token } = await newToken();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.string().map((s) => `Bearer ${s}`),
            fc.string().map((s) => `Bearer lk_${s}`),
            // The real token, changed in one place.
            fc
              .tuple(fc.nat(token.length - 1), fc.string({ minLength: 1, maxLength: 1 }))
              .map(([i, c]) => `Bearer ${token.slice(0, i)}${c}${token.slice(i + 1)}`),
          ),
          async (header) => {
            fc.pre(header.trim() !== `Bearer ${token}`);
            const r: BearerResult = await auth(header);
            assert.ok(!r.ok && r.status === 401, header);
            assert.match(r.detail, /[а-яё]/i);
          },
        ),
        { numRuns: 300 },
      );
    });

    test('expired by the clock: 401; the second before, accepted', async () => {
      const { token } = await newToken(30);
      t.clock.advance(30 * DAY - 1000);
      try {
        assert.ok((await auth(`Bearer ${token}`)).ok);
        t.clock.advance(1000);
        const r = await auth(`Bearer ${token}`);
        assert.ok(!r.ok && r.status === 401 && /истёк/.test(r.detail), JSON.stringify(r));
      } finally {
        t.clock.advance(-30 * DAY);
      }
    });

    test(`rate limit: ${RATE} a minute over two instances, 429 with retryAfterS, then the next window`, async () => {
      const { token, id } = await newToken();
      toNextWindow();
      t.clock.advance(15_000);
      const other = reopenDb(t.dbUrl);
      try {
        const ctxs = [bearerContext(t), bearerContext(t, other)];
        for (let i = 0; i < RATE; i++) {
          const r = await authenticateBearer(ctxs[i % 2]!, `Bearer ${token}`, '192.0.2.2');
          assert.ok(r.ok, `request ${i + 1}`);
        }
        for (const ctx of ctxs) {
          const r = await authenticateBearer(ctx, `Bearer ${token}`, '192.0.2.2');
          assert.deepEqual(r, {
            ok: false,
            status: 429,
            detail: `Слишком много запросов с этим токеном: не больше ${RATE} в минуту. Повторите через 45 с.`,
            retryAfterS: 45,
          });
        }
        // Refused requests are not counted: the window's row still says RATE.
        const row = await t.db.kysely
          .selectFrom('api_token_windows')
          .select('requests')
          .where('token_id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(Number(row.requests), RATE);
        t.clock.advance(44_000);
        assert.equal((await auth(`Bearer ${token}`)).ok, false);
        t.clock.advance(1000);
        for (let i = 0; i < RATE; i++) {
          assert.ok((await authenticateBearer(ctxs[i % 2]!, `Bearer ${token}`, '192.0.2.2')).ok);
        }
        assert.equal((await auth(`Bearer ${token}`)).ok, false);
        // Another token of the same profile has its own count.
        assert.ok((await auth(`Bearer ${(await newToken()).token}`)).ok);
      } finally {
        await other.close();
      }
    });

    test('concurrent requests never exceed the rate', async () => {
      const { token } = await newToken();
      toNextWindow();
      const results = await Promise.all(Array.from({ length: RATE * 3 }, () => auth(`Bearer ${token}`)));
      assert.equal(results.filter((r) => r.ok).length, RATE);
      assert.ok(results.every((r) => r.ok || r.status === 429));
    });

    test('the last use: time and address, written at most once a minute or on a new address', async () => {
      const { token, id } = await newToken();
      toNextWindow();
      assert.deepEqual(await lastUse(id), { at: null, ip: null });
      const first = t.clock.now().getTime();
      assert.ok((await auth(`Bearer ${token}`, '198.51.100.1')).ok);
      assert.deepEqual(await lastUse(id), { at: first, ip: '198.51.100.1' });
      t.clock.advance(20_000);
      assert.ok((await auth(`Bearer ${token}`, '198.51.100.1')).ok);
      assert.deepEqual(await lastUse(id), { at: first, ip: '198.51.100.1' }, 'not written again');
      assert.ok((await auth(`Bearer ${token}`, '198.51.100.2')).ok);
      assert.deepEqual(await lastUse(id), { at: first + 20_000, ip: '198.51.100.2' }, 'a new address');
      t.clock.advance(MINUTE);
      assert.ok((await auth(`Bearer ${token}`, '198.51.100.2')).ok);
      assert.deepEqual(await lastUse(id), { at: first + 20_000 + MINUTE, ip: '198.51.100.2' });
    });
  });
}
