import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, Agent, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { accountIdOf, addProfile, addToken, ApiClient, Contract } from '../../../test/api-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The open API's reads, tokens and scopes: profile A's token sees A's accounts and nothing of B's.
// Every answer is checked against the OpenAPI document (ApiClient).

const DEMO = DEMO_ACCOUNT.number;
const A2 = '1000000041';
const B = '1000000058';
const UNKNOWN = '9999999999';

/** Every read of an account, by number. */
const READS = (n: string) => [
  `/api/v1/accounts/${n}/balance`,
  `/api/v1/accounts/${n}/charges`,
  `/api/v1/accounts/${n}/charges?from=2026-01&to=2026-05`,
  `/api/v1/accounts/${n}/payments`,
  `/api/v1/accounts/${n}/readings`,
  `/api/v1/accounts/${n}/meter`,
  `/api/v1/accounts/${n}/bills/2026-05.pdf`,
];

for (const dialect of await testDialects()) {
  describe(`API reads (${dialect})`, () => {
    let t: TestApp;
    let contract: Contract;
    let a: ApiClient;
    let aWrite: ApiClient;
    let b: ApiClient;
    let now: number;
    const client = (token: string | null) => new ApiClient(t.app, contract, t.clock, token);

    before(async () => {
      t = await createTestApp(dialect);
      contract = await Contract.of(t.app);
      now = t.clock.now().getTime();
      const demoId = await accountIdOf(t.db, DEMO);
      const a2 = await addAccount(t.db, { number: A2, surname: 'Семёнова', serial: '410041' });
      const bId = await addAccount(t.db, {
        number: B,
        surname: 'Федоров',
        serial: '580058',
        payments: [['2026-05-05', 12_345]],
      });
      const pa = await addProfile(t.db, 'a@example.ru', [demoId, a2]);
      const pb = await addProfile(t.db, 'b@example.ru', [bId]);
      a = client(await addToken(t.db, pa, { now }));
      aWrite = client(await addToken(t.db, pa, { now, scopes: 'read,readings:write' }));
      b = client(await addToken(t.db, pb, { now, scopes: 'read,readings:write' }));
    });
    after(async () => t.close());

    test("the token's accounts: its profile's, by number, and no other profile's", async () => {
      const res = await a.get('/api/v1/accounts');
      assert.equal(res.statusCode, 200);
      const numbers = res.json<{ accounts: Array<{ number: string }> }>().accounts.map((x) => x.number);
      assert.deepEqual(numbers, [A2, DEMO]);
      const theirs = (await b.get('/api/v1/accounts')).json<{ accounts: Array<{ number: string }> }>();
      assert.deepEqual(
        theirs.accounts.map((x) => x.number),
        [B],
      );
    });

    test("A's token gets 404 for every read of B's account, the same answer as for no account", async () => {
      // Every route of the document that names an account is tried: a new one fails here first.
      const named = Object.entries(contract.doc.paths)
        .filter(([path, ops]) => path.includes('{number}') && ops.get)
        .map(([path]) => path)
        .sort();
      const tried = [
        ...new Set(READS('{number}').map((u) => u.split('?')[0]!.replace('2026-05.pdf', '{period}.pdf'))),
      ].sort();
      assert.deepEqual(tried, named);
      for (const url of READS(B)) {
        const res = await a.get(url);
        assert.equal(res.statusCode, 404, url);
        const unknown = await a.get(url.replace(B, UNKNOWN));
        assert.equal(unknown.statusCode, 404, url);
        assert.deepEqual(withoutInstance(res.json()), withoutInstance(unknown.json()), url);
      }
      // And B reaches its own, so the 404 was about the profile, not the address.
      for (const url of READS(B).filter((u) => !u.endsWith('.pdf'))) {
        assert.equal((await b.get(url)).statusCode, 200, url);
      }
    });

    test("A's token cannot submit a reading for B's account: 404, nothing stored", async () => {
      const before = await countReadings(t, B);
      const res = await aWrite.post(
        `/api/v1/accounts/${B}/readings`,
        { values: [100] },
        { 'idempotency-key': 'x-1' },
      );
      assert.equal(res.statusCode, 404);
      assert.equal(await countReadings(t, B), before);
    });

    test('the balance is what the cabinet shows (the manual’s −738,65 on 10 June)', async () => {
      const res = await a.get(`/api/v1/accounts/${DEMO}/balance`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { number: DEMO, amountDueKop: -73865, asOf: '2026-06-10' });
    });

    test('charges: the months asked for, oldest first, each with its bill', async () => {
      const res = await a.get(`/api/v1/accounts/${DEMO}/charges?from=2026-03&to=2026-05`);
      assert.equal(res.statusCode, 200);
      const charges = res.json<{ charges: Array<{ period: string; billUrl: string }> }>().charges;
      assert.deepEqual(
        charges.map((c) => c.period),
        ['2026-03', '2026-04', '2026-05'],
      );
      const pdf = await a.get(charges[2]!.billUrl);
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    });

    test('charges: a range backwards or over ten years, and a month that is no month, are 400', async () => {
      for (const q of [
        'from=2026-05&to=2026-03',
        'from=2010-01&to=2026-05',
        'from=2026-13',
        'to=26-01',
        'from=',
      ]) {
        const res = await a.get(`/api/v1/accounts/${DEMO}/charges?${q}`);
        assert.equal(res.statusCode, 400, q);
        assert.match(res.json<{ detail: string }>().detail, /from|to|«/, q);
      }
    });

    test('payments from a day that is no day: 400', async () => {
      for (const q of ['from=2026-99-99', 'from=2026-02-00', 'from=2026-1-01']) {
        const res = await a.get(`/api/v1/accounts/${DEMO}/payments?${q}`);
        assert.equal(res.statusCode, 400, q);
      }
      assert.equal((await a.get(`/api/v1/accounts/${DEMO}/payments?from=2026-01-31`)).statusCode, 200);
    });

    test('a month without a bill is a 404 problem that says so', async () => {
      const res = await a.get(`/api/v1/accounts/${DEMO}/bills/2030-01.pdf`);
      assert.equal(res.statusCode, 404);
      assert.match(res.json<{ detail: string }>().detail, /Квитанции за этот период нет/);
    });

    test('payments, readings and the meter with its readings window', async () => {
      const pays = (await a.get(`/api/v1/accounts/${DEMO}/payments?limit=2`)).json<{ payments: unknown[] }>();
      assert.equal(pays.payments.length, 2);
      const readings = (await a.get(`/api/v1/accounts/${DEMO}/readings?from=2026-06-01`)).json<{
        readings: Array<{ date: string; values: number[] }>;
      }>();
      assert.deepEqual(
        readings.readings.map((r) => [r.date, r.values]),
        [['2026-06-03', [28470]]],
      );
      const meter = (await a.get(`/api/v1/accounts/${DEMO}/meter`)).json<Record<string, unknown>>();
      assert.deepEqual(meter.lastReading, { date: '2026-06-03', values: [28470] });
      assert.deepEqual(meter.window, {
        state: 'soon',
        from: '2026-06-15',
        to: '2026-06-25',
        period: '2026-06',
      });
      assert.equal((meter.meter as { serial: string }).serial, '168077');
    });

    test('no token, another scheme, an unknown token or only a session cookie: 401 problem', async () => {
      const agent = new Agent(t.app, '10.20.9.9');
      assert.equal((await agent.login(DEMO, DEMO_ACCOUNT.surname)).statusCode, 303);
      const cookie = Object.entries(agent.jar)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
      const anonymous = client(null);
      const variants: Array<Record<string, string>> = [
        {},
        { cookie },
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: `Bearer lk_${'A'.repeat(43)}` },
      ];
      for (const headers of variants) {
        const res = await anonymous.get('/api/v1/accounts', headers);
        assert.equal(res.statusCode, 401, JSON.stringify(headers));
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
        assert.ok(res.json<{ detail: string }>().detail.length > 0);
      }
    });

    test('a revoked or an expired token gets 401 (needs D1’s authenticateBearer)', async () => {
      const pa = await addProfile(t.db, 'c@example.ru', [await accountIdOf(t.db, A2)]);
      const revoked = client(await addToken(t.db, pa, { now, revokedAt: now }));
      const expiring = await addToken(t.db, pa, { now, expiresAt: now + 60_000 });
      assert.equal((await revoked.get('/api/v1/accounts')).statusCode, 401);
      assert.equal((await client(expiring).get('/api/v1/accounts')).statusCode, 200);
      t.clock.advance(61_000);
      assert.equal((await client(expiring).get('/api/v1/accounts')).statusCode, 401);
    });

    test('a read token cannot submit a reading: 403 problem naming the scope, nothing stored', async () => {
      const before = await countReadings(t, DEMO);
      const res = await a.post(
        `/api/v1/accounts/${DEMO}/readings`,
        { values: [28500] },
        { 'idempotency-key': 'r-1' },
      );
      assert.equal(res.statusCode, 403);
      assert.match(res.json<{ detail: string }>().detail, /readings:write/);
      assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
      assert.equal(await countReadings(t, DEMO), before);
    });

    test('unknown addresses and methods under /api are 404 problems, not the HTML page', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/nothing'],
        ['GET', '/api/nothing'],
        ['DELETE', `/api/v1/accounts/${DEMO}/readings`],
        ['PUT', '/api/v1/accounts'],
      ] as const) {
        const res = await a.request(method, url);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
    });

    test('a Bearer POST needs no CSRF token, even sent from another site', async () => {
      // Without the API's exemption the CSRF hook refuses this: no token, and a foreign origin.
      const res = await aWrite.post(
        `/api/v1/accounts/${A2}/readings`,
        { values: [10] },
        { 'idempotency-key': 'csrf-1', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(res.statusCode, 201);
    });
  });
}

async function countReadings(t: TestApp, number: string): Promise<number> {
  const r = await t.db.kysely
    .selectFrom('readings')
    .innerJoin('accounts', 'accounts.id', 'readings.account_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('accounts.number', '=', number)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A problem document without its `instance` (the request's path). */
function withoutInstance(p: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([k]) => k !== 'instance'));
}
