import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import {
  addAccount,
  addMayNormCharge,
  createTestApp,
  testDialects,
  textOf,
  type Agent,
  type TestApp,
} from '../../../test/helpers.ts';
import { loggedInProfile, type TestProfile } from '../../../test/profile-support.ts';
import { registeredRoutes } from '../../../test/routes-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { insertOrder } from '../payments/payments.repository.ts';

// No IDOR across profiles (security.md row 12): profile B, in a session of its own account, tries
// every customer route that names an account or its objects with profile A's (A's account number,
// bill periods, payment order, meter, profile id). B never gets A's data: the status says so and
// A's number, name and address appear nowhere in the answer. The route table below must name every
// /cabinet route the app registers: a route added without a line here fails the first test.

/** A's distinctive data (number, name, address, profile e-mail, passkey and token names): none may reach B. */
const A_LEAKS = [
  DEMO_ACCOUNT.number,
  'Пётр Сергеевич',
  'Бограда',
  'alpha@',
  'a***@m***.ru',
  'Телефон А',
  'Home Assistant A',
];
const B_ACCOUNT = { number: '1000000072', surname: 'Бетова', address: 'г. Абакан, ул. Пушкина, 7' };
const A_ORDER = 'LK260610-AAAAAAAA';
/** The bank's id of A's order: a secret, never logged (the leak scan checks). */
const A_BANK_ORDER = '0a1b2c3d-idor-4e5f-bank-order0000a';

interface Fixture {
  a: TestProfile & { agent: Agent };
  b: TestProfile & { agent: Agent };
  aMeterId: number;
  aPasskeyId: number;
  aTokenId: number;
}

/** A probe: B's requests at the route with A's objects; each answer is checked by `expect`. */
interface Probe {
  /** What the route names of an account, in words (for the reader of a failure). */
  names: string;
  run(f: Fixture): Promise<LightMyRequestResponse[]>;
  /** The statuses B may get (never A's object: 404, a refusal, or B's own page). */
  status: number[];
  /** The answer repeats what B typed (A's number in a refused form): only the rest is checked. */
  echoes?: boolean;
  /** Afterwards, A's data is as it was. */
  unchanged?(t: TestApp, f: Fixture): Promise<void>;
}

const get =
  (url: string): Probe['run'] =>
  async (f) => [await f.b.agent.get(url)];

const ROUTES: Record<string, Probe> = {
  'GET /cabinet': { names: "the session's account", run: get('/cabinet'), status: [200] },
  'GET /cabinet/history/:kind': {
    names: "the session's account's history",
    run: async (f) =>
      Promise.all(['payments', 'readings', 'charges'].map((k) => f.b.agent.get(`/cabinet/history/${k}`))),
    status: [200],
  },
  'GET /cabinet/bills/:file': {
    names: 'a bill period A has and B has not (2026-04)',
    run: get('/cabinet/bills/2026-04.pdf'),
    status: [404],
  },
  'GET /cabinet/slip': { names: "the session's account", run: get('/cabinet/slip'), status: [200] },
  'GET /cabinet/slip.pdf': { names: "the session's account", run: get('/cabinet/slip.pdf'), status: [200] },
  'GET /cabinet/payment': { names: "the session's account", run: get('/cabinet/payment'), status: [200] },
  'POST /cabinet/payment': {
    names: "A's meter in the reading sent with a payment",
    run: async (f) => [
      await f.b.agent.post('/cabinet/payment', { amount: '100', meter: String(f.aMeterId), v1: '99999' }),
    ],
    status: [400],
    unchanged: aReadingsUnchanged,
  },
  'GET /cabinet/payment/return': {
    names: "A's order at the bank",
    run: get(`/cabinet/payment/return?orderId=${A_BANK_ORDER}`),
    status: [404],
  },
  'GET /cabinet/payment/:orderNumber': {
    names: "A's payment order",
    run: get(`/cabinet/payment/${A_ORDER}`),
    status: [404],
  },
  'GET /cabinet/payment/:orderNumber/check.png': {
    names: "A's payment order's check",
    run: get(`/cabinet/payment/${A_ORDER}/check.png`),
    status: [404],
  },
  'GET /cabinet/payment/:orderNumber/qr.svg': {
    names: "A's payment order's QR",
    run: get(`/cabinet/payment/${A_ORDER}/qr.svg`),
    status: [404],
  },
  'POST /cabinet/readings': {
    names: "A's meter",
    run: async (f) => [await f.b.agent.post('/cabinet/readings', { meter: String(f.aMeterId), v1: '99999' })],
    status: [400],
    unchanged: aReadingsUnchanged,
  },
  'POST /cabinet/email': {
    names: "the session's account's address",
    run: async (f) => [await f.b.agent.post('/cabinet/email', { email: 'beta@mail.ru', action: 'save' })],
    status: [303],
  },
  'POST /cabinet/switch': {
    names: "A's account number",
    run: async (f) => [await f.b.agent.post('/cabinet/switch', { account: DEMO_ACCOUNT.number })],
    status: [404],
  },
  'GET /cabinet/profile/accounts': {
    names: "the session's profile",
    run: get('/cabinet/profile/accounts'),
    status: [200],
  },
  'POST /cabinet/profile/accounts': {
    names: "A's account number with a wrong proof",
    run: async (f) => [
      await f.b.agent.post('/cabinet/profile/accounts', {
        number: DEMO_ACCOUNT.number,
        surname: DEMO_ACCOUNT.surname,
        amount: '1',
      }),
    ],
    status: [400],
    echoes: true,
    unchanged: async (t, f) => {
      const rows = await t.db.kysely
        .selectFrom('profile_accounts')
        .select('account_id')
        .where('profile_id', '=', f.b.profileId)
        .execute();
      assert.deepEqual(
        rows.map((r) => Number(r.account_id)),
        f.b.accountIds,
      );
    },
  },
  'POST /cabinet/profile/accounts/detach': {
    names: "A's account number",
    run: async (f) =>
      Promise.all(
        ([{}, { confirm: 'yes' }] as Array<Record<string, string>>).map((c) =>
          f.b.agent.post('/cabinet/profile/accounts/detach', { account: DEMO_ACCOUNT.number, ...c }),
        ),
      ),
    status: [404],
    unchanged: aStillAttached,
  },
  'GET /cabinet/access': { names: "the session's account", run: get('/cabinet/access'), status: [200] },
  'GET /cabinet/profile': { names: "the session's profile", run: get('/cabinet/profile'), status: [200] },
  'POST /cabinet/profile': {
    names: "a new profile for the session's account (B has one already)",
    run: async (f) => [
      await f.b.agent.post('/cabinet/profile', {
        email: 'alpha@mail.ru',
        password: 'long enough secret 1',
        password2: 'long enough secret 1',
      }),
    ],
    status: [303, 400, 403, 409],
    echoes: true,
  },
  'POST /cabinet/profile/password': {
    names: "the session's profile's password",
    run: async (f) => [
      await f.b.agent.post('/cabinet/profile/password', {
        current: 'wrong',
        password: 'long enough secret 2',
        password2: 'long enough secret 2',
      }),
    ],
    status: [400, 429],
  },
  'GET /cabinet/profile/passkeys': {
    names: "the session's profile's passkeys",
    run: get('/cabinet/profile/passkeys'),
    status: [200],
  },
  'POST /cabinet/profile/passkeys/add': {
    names: "the session's profile",
    run: async (f) => [await f.b.agent.post('/cabinet/profile/passkeys/add', { name: 'x' })],
    status: [200, 303, 400, 403, 404],
    echoes: true,
  },
  'POST /cabinet/profile/passkeys/options': {
    names: "the session's profile",
    run: async (f) => [await f.b.agent.post('/cabinet/profile/passkeys/options', {})],
    status: [200, 400, 403, 415],
  },
  'POST /cabinet/profile/passkeys/register': {
    names: "the session's profile",
    run: async (f) => [await f.b.agent.post('/cabinet/profile/passkeys/register', {})],
    status: [400, 403, 415],
  },
  'POST /cabinet/profile/passkeys/:id/rename': {
    names: "A's passkey",
    run: async (f) => [
      await f.b.agent.post(`/cabinet/profile/passkeys/${f.aPasskeyId}/rename`, { name: 'Чужой' }),
    ],
    status: [404],
    unchanged: aPasskeyUnchanged,
  },
  'POST /cabinet/profile/passkeys/:id/remove': {
    names: "A's passkey",
    run: async (f) => [await f.b.agent.post(`/cabinet/profile/passkeys/${f.aPasskeyId}/remove`, {})],
    status: [404],
    unchanged: aPasskeyUnchanged,
  },
  'GET /cabinet/profile/tokens': {
    names: "the session's profile's tokens",
    run: get('/cabinet/profile/tokens'),
    status: [200],
  },
  'POST /cabinet/profile/tokens': {
    names: "a token of the session's profile",
    run: async (f) => [await f.b.agent.post('/cabinet/profile/tokens', { name: 'B', days: '30' })],
    status: [200, 400],
  },
  'POST /cabinet/profile/tokens/:id/revoke': {
    names: "A's token",
    run: async (f) => [await f.b.agent.post(`/cabinet/profile/tokens/${f.aTokenId}/revoke`, {})],
    status: [404],
    unchanged: async (t, f) => {
      const row = await t.db.kysely
        .selectFrom('api_tokens')
        .select('revoked_at')
        .where('id', '=', f.aTokenId)
        .executeTakeFirstOrThrow();
      assert.equal(row.revoked_at, null, "A's token is not revoked");
    },
  },
  'POST /cabinet/access/remove': {
    names: "A's profile",
    run: async (f) => [await f.b.agent.post('/cabinet/access/remove', { profile: String(f.a.profileId) })],
    status: [404],
    unchanged: aStillAttached,
  },
};

async function aReadingsUnchanged(t: TestApp, f: Fixture) {
  const rows = await t.db.kysely
    .selectFrom('readings')
    .select('id')
    .where('meter_id', '=', f.aMeterId)
    .execute();
  const values = await t.db.kysely
    .selectFrom('readings')
    .select('value1')
    .where('meter_id', '=', f.aMeterId)
    .where('value1', '=', 99999)
    .execute();
  assert.ok(rows.length > 0, "A's meter has its readings");
  assert.equal(values.length, 0, "no reading of B's reached A's meter");
}

async function aPasskeyUnchanged(t: TestApp, f: Fixture) {
  const row = await t.db.kysely
    .selectFrom('passkeys')
    .select('name')
    .where('id', '=', f.aPasskeyId)
    .executeTakeFirst();
  assert.equal(row?.name, 'Телефон А', "A's passkey is there, its name unchanged");
}

async function aStillAttached(t: TestApp, f: Fixture) {
  const row = await t.db.kysely
    .selectFrom('profile_accounts')
    .select('account_id')
    .where('profile_id', '=', f.a.profileId)
    .executeTakeFirst();
  assert.equal(Number(row?.account_id), f.a.accountIds[0]);
}

for (const dialect of await testDialects()) {
  describe(`no IDOR across profiles on the cabinet's routes (${dialect})`, () => {
    let t: TestApp;
    let f: Fixture;
    before(async () => {
      t = await createTestApp(dialect);
      const bId = await addAccount(t.db, {
        ...B_ACCOUNT,
        serial: '720072',
        payments: [['2026-05-20', 4321]],
      });
      await addMayNormCharge(t.db, bId);
      const a = await loggedInProfile(t, {
        email: 'alpha@mail.ru',
        accounts: [DEMO_ACCOUNT.number],
        ip: '10.5.0.1',
      });
      const b = await loggedInProfile(t, {
        email: 'beta@yandex.ru',
        accounts: [B_ACCOUNT.number],
        ip: '10.5.0.2',
      });
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', a.accountIds[0]!)
        .executeTakeFirstOrThrow();
      const now = t.clock.now().getTime();
      await insertOrder(t.db.kysely, {
        method: 'sbp',
        orderNumber: A_ORDER,
        accountId: a.accountIds[0]!,
        formKey: 'idor-test-form-key',
        gateway: 'sandbox',
        amountKop: 77_700,
        description: `Оплата по лицевому счёту ${DEMO_ACCOUNT.number}`,
        clientIp: '10.5.0.1',
        reading: null,
        receipt: '{}',
        now,
        expiresAt: now + 3_600_000,
      });
      await t.db.kysely
        .updateTable('payment_orders')
        .set({ bank_order_id: A_BANK_ORDER })
        .where('order_number', '=', A_ORDER)
        .execute();
      const passkey = await t.db.kysely
        .insertInto('passkeys')
        .values({
          profile_id: a.profileId,
          credential_id: 'idor-credential-of-a',
          public_key: 'AAAA',
          counter: 0,
          transports: null,
          user_handle: 'idor-user-handle-of-a',
          name: 'Телефон А',
          created_at: now,
          last_used_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const token = await t.db.kysely
        .insertInto('api_tokens')
        .values({
          profile_id: a.profileId,
          name: 'Home Assistant A',
          token_hash: 'f'.repeat(64),
          scopes: 'read',
          created_at: now,
          expires_at: now + 86_400_000,
          revoked_at: null,
          last_used_at: null,
          last_used_ip: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      f = {
        a,
        b,
        aMeterId: Number(meter.id),
        aPasskeyId: Number(passkey.id),
        aTokenId: Number(token.id),
      };
    });
    after(() => t.close());

    test('every /cabinet route the app registers is in this test’s table (a new one must be added)', () => {
      const cabinet = registeredRoutes(t.app).filter((r) => / \/cabinet(\/|$|\.)/.test(r));
      assert.ok(cabinet.includes('GET /cabinet/payment/:orderNumber/check.png'), cabinet.join('\n'));
      const missing = cabinet.filter((r) => !(r in ROUTES));
      assert.deepEqual(
        missing,
        [],
        `routes missing from the IDOR table of idor.db.test.ts: ${missing.join(', ')}`,
      );
      const gone = Object.keys(ROUTES).filter((r) => !cabinet.includes(r));
      assert.deepEqual(gone, [], 'lines of the table for routes that no longer exist');
    });

    test("A reaches its own objects (so that B's refusals mean something)", async () => {
      assert.equal((await f.a.agent.get('/cabinet/bills/2026-04.pdf')).statusCode, 200);
      assert.equal((await f.a.agent.get(`/cabinet/payment/${A_ORDER}`)).statusCode, 200);
      assert.match(textOf((await f.a.agent.get('/cabinet')).body), /Бограда/);
      assert.match(textOf((await f.a.agent.get('/cabinet/access')).body), /a\*\*\*@m\*\*\*\.ru/);
    });

    for (const [route, probe] of Object.entries(ROUTES)) {
      test(`${route} (${probe.names}): B gets none of A's data`, async () => {
        for (const res of await probe.run(f)) {
          assert.ok(probe.status.includes(res.statusCode), `${route}: status ${res.statusCode}`);
          const seen = `${JSON.stringify(res.headers)}\n${res.body}`;
          for (const leak of A_LEAKS) {
            if (probe.echoes && leak === DEMO_ACCOUNT.number) {
              continue;
            }
            assert.ok(!seen.includes(leak), `${route}: the answer holds A's «${leak}»`);
          }
        }
        await probe.unchanged?.(t, f);
      });
    }
  });
}
