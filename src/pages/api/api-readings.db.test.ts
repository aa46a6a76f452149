import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { addAccount, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { accountIdOf, addProfile, addToken, ApiClient, Contract } from '../../../test/api-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { fingerprintOf } from '../../features/api-idempotency/idempotency.service.ts';

// POST /api/v1/accounts/{number}/readings: idempotency keys, the readings feature's checks, and
// bad input of every kind answered by a 4xx problem document, never a 5xx, nothing stored.

const DEMO = DEMO_ACCOUNT.number;
const FUZZ = '1000000065';

for (const dialect of await testDialects()) {
  describe(`API readings (${dialect})`, () => {
    let t: TestApp;
    let contract: Contract;
    let w: ApiClient;
    let w2: ApiClient;
    const url = (n: string = DEMO) => `/api/v1/accounts/${n}/readings`;

    before(async () => {
      t = await createTestApp(dialect);
      contract = await Contract.of(t.app);
      const now = t.clock.now().getTime();
      const fuzz = await addAccount(t.db, { number: FUZZ, surname: 'Пробная', serial: '650065' });
      const profile = await addProfile(t.db, 'w@example.ru', [await accountIdOf(t.db, DEMO), fuzz]);
      w = new ApiClient(
        t.app,
        contract,
        t.clock,
        await addToken(t.db, profile, { now, scopes: 'read,readings:write' }),
      );
      w2 = new ApiClient(
        t.app,
        contract,
        t.clock,
        await addToken(t.db, profile, { now, scopes: 'read,readings:write' }),
      );
    });
    after(async () => t.close());

    const count = async (number: string = DEMO) =>
      Number(
        (
          await t.db.kysely
            .selectFrom('readings')
            .innerJoin('accounts', 'accounts.id', 'readings.account_id')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('accounts.number', '=', number)
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('a reading is stored once: the same key and body return the first answer', async () => {
      const before = await count();
      const first = await w.post(url(), { values: [28600] }, { 'idempotency-key': 'same-1' });
      assert.equal(first.statusCode, 201);
      const reading = first.json<{
        reading: { id: number; values: number[]; channel: string; status: string };
      }>().reading;
      assert.deepEqual([reading.values, reading.channel, reading.status], [[28600], 'api', 'accepted']);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      // The body's keys in another order are the same request.
      const again = await w.post(url(), '{ "values": [28600] }', { 'idempotency-key': 'same-1' });
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), first.json());
      assert.equal(await count(), before + 1);
    });

    test('the same key with another body is 422 and stores nothing', async () => {
      assert.equal(
        (await w.post(url(), { values: [28610] }, { 'idempotency-key': 'same-2' })).statusCode,
        201,
      );
      const before = await count();
      const other = await w.post(url(), { values: [28620] }, { 'idempotency-key': 'same-2' });
      assert.equal(other.statusCode, 422);
      assert.equal(other.json<{ type: string }>().type, '/api/docs#problem-idempotency-key-reused');
      assert.match(other.json<{ detail: string }>().detail, /новый ключ/);
      // Another account with the same key and body is another request too.
      assert.equal(
        (await w.post(url(FUZZ), { values: [28610] }, { 'idempotency-key': 'same-2' })).statusCode,
        422,
      );
      assert.equal(await count(), before);
    });

    test("a key is the token's own: another token's same key is a new request", async () => {
      const mine = await w.post(url(), { values: [28630] }, { 'idempotency-key': 'shared' });
      const theirs = await w2.post(url(), { values: [28630] }, { 'idempotency-key': 'shared' });
      assert.equal(mine.statusCode, 201);
      assert.equal(theirs.statusCode, 201);
      assert.equal(theirs.headers['idempotent-replayed'], undefined);
      assert.notEqual(
        mine.json<{ reading: { id: number } }>().reading.id,
        theirs.json<{ reading: { id: number } }>().reading.id,
      );
    });

    test('ten requests with one key at once store one reading; the others replay it or are told to wait', async () => {
      const before = await count();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => w.post(url(), { values: [28640] }, { 'idempotency-key': 'race' })),
      );
      for (const a of answers) {
        assert.ok([201, 409].includes(a.statusCode), String(a.statusCode));
      }
      assert.equal(await count(), before + 1);
      const settled = await w.post(url(), { values: [28640] }, { 'idempotency-key': 'race' });
      assert.equal(settled.statusCode, 201);
      assert.equal(settled.headers['idempotent-replayed'], 'true');
    });

    test('a key under way answers 409; one left under way by a dead process is taken over after a minute', async () => {
      const token = await t.db.kysely
        .selectFrom('api_tokens')
        .select('id')
        .where('token_hash', '=', createHash('sha256').update(w.token!).digest('hex'))
        .executeTakeFirstOrThrow();
      const body = { values: [28645] };
      const pending = (key: string, at: number) =>
        t.db.kysely
          .insertInto('api_idempotency_keys')
          .values({
            token_id: Number(token.id),
            key,
            fingerprint: fingerprintOf({ route: 'POST readings', account: DEMO, body }),
            status_code: null,
            response: null,
            created_at: at,
          })
          .execute();
      const now = t.clock.now().getTime();
      await pending('busy', now - 1_000);
      const busy = await w.post(url(), body, { 'idempotency-key': 'busy' });
      assert.equal(busy.statusCode, 409);
      assert.equal(busy.headers['retry-after'], '1');
      await pending('dead', now - 2 * 60_000);
      const before = await count();
      const taken = await w.post(url(), body, { 'idempotency-key': 'dead' });
      assert.equal(taken.statusCode, 201);
      assert.equal(await count(), before + 1);
      assert.equal(
        (await w.post(url(), body, { 'idempotency-key': 'dead' })).headers['idempotent-replayed'],
        'true',
      );
    });

    test('a key is kept for a day, then forgotten', async () => {
      assert.equal((await w.post(url(), { values: [28650] }, { 'idempotency-key': 'day' })).statusCode, 201);
      t.clock.advance(24 * 60 * 60 * 1000 + 1000);
      const before = await count();
      const later = await w.post(url(), { values: [28660] }, { 'idempotency-key': 'day' });
      assert.equal(later.statusCode, 201);
      assert.equal(later.headers['idempotent-replayed'], undefined);
      assert.deepEqual(
        later.json<{ reading: { values: number[] } }>().reading.values,
        [28660],
        'the new reading',
      );
      assert.equal(await count(), before + 1, 'stored');
    });

    test('without an Idempotency-Key header: 400 naming the header', async () => {
      const res = await w.post(url(), { values: [28700] });
      assert.equal(res.statusCode, 400);
      const p = res.json<{ detail: string; errors: Array<{ in: string; field: string }> }>();
      assert.deepEqual(p.errors[0], {
        in: 'headers',
        field: 'idempotency-key',
        message: 'обязательное поле отсутствует',
      });
      assert.match(p.detail, /idempotency-key/);
    });

    test("the readings feature's checks: a register gone back needs confirm, then goes to review", async () => {
      const before = await count();
      const low = await w.post(url(), { values: [100] }, { 'idempotency-key': 'low-1' });
      assert.equal(low.statusCode, 422);
      const p = low.json<{ type: string; detail: string; consumption: number[] }>();
      assert.equal(p.type, '/api/docs#problem-reading-needs-confirmation');
      assert.match(p.detail, /"confirm": true/);
      assert.equal(await count(), before);
      // The same key replays the refusal; a new key with confirm stores it for review.
      assert.equal((await w.post(url(), { values: [100] }, { 'idempotency-key': 'low-1' })).statusCode, 422);
      const sure = await w.post(url(), { values: [100], confirm: true }, { 'idempotency-key': 'low-2' });
      assert.equal(sure.statusCode, 201);
      assert.equal(sure.json<{ reading: { status: string } }>().reading.status, 'review');
    });

    test('a value too long for the meter, or the wrong number of registers: 422 with the field', async () => {
      const long = await w.post(url(), { values: [1234567] }, { 'idempotency-key': 'long' });
      assert.equal(long.statusCode, 422);
      assert.equal(long.json<{ errors: Array<{ field: string }> }>().errors[0]!.field, '/values/0');
      const two = await w.post(url(), { values: [1, 2] }, { 'idempotency-key': 'two' });
      assert.equal(two.statusCode, 422);
      assert.match(two.json<{ detail: string }>().detail, /однотарифный/);
    });

    test('bad JSON, wrong types and unknown fields: 400 problem documents in Russian', async () => {
      const cases: Array<[string, RegExp]> = [
        ['{"values": [1', /не является корректным JSON/],
        ['', /пустое/],
        ['{"values": "28700"}', /«\/values» — должно быть массивом/],
        ['{"values": ["28700"]}', /«\/values\/0» — должно быть целым числом/],
        ['{"values": [28700], "meter": 1}', /«\/meter» — такого поля нет/],
        ['{"values": []}', /не меньше 1/],
        ['[28700]', /должно быть объектом/],
      ];
      for (const [i, [body, detail]] of cases.entries()) {
        const res = await w.post(url(), body, { 'idempotency-key': `bad-${i}` });
        assert.equal(res.statusCode, 400, body);
        assert.match(res.json<{ detail: string }>().detail, detail, body);
      }
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data']) {
        const res = await w.request('POST', url(), 'values=1', {
          'content-type': type,
          'idempotency-key': type,
        });
        assert.equal(res.statusCode, 415, type);
        assert.match(res.json<{ detail: string }>().detail, /JSON/, type);
      }
    });

    test('fast-check: any body, any key, any query string gets a 2xx or a 4xx problem, never a 5xx', async () => {
      const before = await count(FUZZ);
      let stored = 0;
      const body = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.json({ maxDepth: 3 }),
        fc.record({ values: fc.anything({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)),
        fc
          .record(
            {
              values: fc.array(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), {
                maxLength: 4,
              }),
              confirm: fc.anything({ maxDepth: 1 }),
            },
            { requiredKeys: [] },
          )
          .map((v) => JSON.stringify(v)),
      );
      const key = fc.string({ minLength: 1, maxLength: 40 }).filter((k) => /^[\x21-\x7e]+$/.test(k));
      await fc.assert(
        fc.asyncProperty(body, key, async (b, k) => {
          const res = await w.post(url(FUZZ), b, { 'idempotency-key': `fuzz-${k}` });
          assert.ok(res.statusCode < 500, `${res.statusCode} for ${b}`);
          if (res.statusCode === 201) {
            stored += res.headers['idempotent-replayed'] ? 0 : 1;
          } else {
            assert.equal(String(res.headers['content-type']).split(';')[0], 'application/problem+json');
          }
        }),
        { numRuns: 150 },
      );
      assert.equal(await count(FUZZ), before + stored);
      const query = fc.array(
        fc.tuple(fc.constantFrom('from', 'to', 'limit', 'x'), fc.string({ maxLength: 12 })),
        { maxLength: 3 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('charges', 'payments', 'readings', 'balance', 'meter'),
          query,
          async (what, q) => {
            const qs = new URLSearchParams(q).toString();
            const res = await w.get(`/api/v1/accounts/${FUZZ}/${what}?${qs}`);
            assert.ok([200, 400].includes(res.statusCode), `${res.statusCode} for ${what}?${qs}`);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
