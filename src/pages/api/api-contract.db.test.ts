import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { accountIdOf, addProfile, addToken, ApiClient, Contract } from '../../../test/api-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { problemOfError } from './problems.ts';

// The OpenAPI document itself, the contract check that every API test's answers go through
// (test/api-support.ts), and the 503 problem answers.

/** A made-up answer, to show the contract check refusing what the document does not say. */
function answer(
  statusCode: number,
  type: string,
  body: unknown,
  headers: Record<string, string> = {},
): LightMyRequestResponse {
  return {
    statusCode,
    headers: { 'content-type': type, ...headers },
    json: () => body,
  } as unknown as LightMyRequestResponse;
}

for (const dialect of await testDialects()) {
  describe(`API contract (${dialect})`, () => {
    let t: TestApp;
    let contract: Contract;

    before(async () => {
      t = await createTestApp(dialect);
      contract = await Contract.of(t.app);
    });
    after(async () => t.close());

    test('the document: OpenAPI 3.1, Bearer security, only the /api/v1 routes, each with its problems', () => {
      const doc = contract.doc as unknown as {
        openapi: string;
        security: unknown;
        paths: Record<
          string,
          Record<
            string,
            {
              responses: Record<
                string,
                { content: Record<string, unknown>; headers?: Record<string, { schema: unknown }> }
              >;
            }
          >
        >;
      };
      assert.equal(doc.openapi, '3.1.0');
      assert.deepEqual(doc.security, [{ bearer: [] }]);
      assert.deepEqual(Object.keys(doc.paths).sort(), [
        '/api/v1/accounts',
        '/api/v1/accounts/{number}/balance',
        '/api/v1/accounts/{number}/bills/{period}.pdf',
        '/api/v1/accounts/{number}/charges',
        '/api/v1/accounts/{number}/meter',
        '/api/v1/accounts/{number}/payments',
        '/api/v1/accounts/{number}/readings',
      ]);
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          for (const status of ['401', '429', '503']) {
            assert.ok(
              op.responses[status]?.content['application/problem+json'],
              `${method} ${path} ${status}`,
            );
          }
          assert.ok(op.responses['401']!.headers?.['WWW-Authenticate'], `${method} ${path} 401`);
          for (const status of ['429', '503']) {
            assert.ok(op.responses[status]!.headers?.['Retry-After'], `${method} ${path} ${status}`);
          }
        }
      }
      const submit = doc.paths['/api/v1/accounts/{number}/readings']!.post!.responses;
      assert.deepEqual(submit['201']!.headers?.['Idempotent-Replayed']?.schema, {
        type: 'string',
        enum: ['true'],
      });
      assert.deepEqual(Object.keys(doc.paths['/api/v1/accounts/{number}/readings']!).sort(), ['get', 'post']);
    });

    test('the contract check refuses an answer the document does not describe', () => {
      const url = '/api/v1/accounts/1705057190/balance';
      contract.check(
        'GET',
        url,
        answer(200, 'application/json', { number: '1', amountDueKop: 5, asOf: '2026-06-10' }),
      );
      // A field of the wrong type, a missing field, an undocumented status, an error not a problem.
      assert.throws(() =>
        contract.check(
          'GET',
          url,
          answer(200, 'application/json', { number: '1', amountDueKop: '5', asOf: '2026-06-10' }),
        ),
      );
      assert.throws(() => contract.check('GET', url, answer(200, 'application/json', { number: '1' })));
      assert.throws(() => contract.check('GET', url, answer(418, 'application/json', {})));
      assert.throws(() => contract.check('GET', url, answer(404, 'application/json', { error: 'x' })));
      assert.throws(() => contract.check('GET', '/api/v1/elsewhere', answer(200, 'application/json', {})));
      // An error without the headers the document gives it, or with a malformed one.
      const limited = {
        type: '/api/docs#problem-too-many-requests',
        title: 'Слишком много запросов',
        status: 429,
        detail: 'Подождите.',
        instance: '/api/v1/accounts/1705057190/balance',
      };
      contract.check('GET', url, answer(429, 'application/problem+json', limited, { 'retry-after': '7' }));
      assert.throws(() => contract.check('GET', url, answer(429, 'application/problem+json', limited)));
      assert.throws(() =>
        contract.check(
          'GET',
          url,
          answer(429, 'application/problem+json', limited, { 'retry-after': 'soon' }),
        ),
      );
    });

    test('an unreachable database is a 503 problem with Retry-After, not a 500', () => {
      const p = problemOfError(Object.assign(new Error('terminating connection'), { code: '57P01' }));
      assert.equal(p.status, 503);
      assert.equal(p.headers['Retry-After'], '30');
      assert.equal(problemOfError(Object.assign(new Error('bug'), { code: 'X' })).status, 500);
    });

    test('over the token’s rate: 429 problem with Retry-After (needs D1’s authenticateBearer)', async () => {
      const limited = await createTestApp(dialect, { env: { API_RATE_PER_MINUTE: '3' } });
      try {
        const profile = await addProfile(limited.db, 'l@example.ru', [
          await accountIdOf(limited.db, DEMO_ACCOUNT.number),
        ]);
        const token = await addToken(limited.db, profile, { now: limited.clock.now().getTime() });
        const api = new ApiClient(limited.app, await Contract.of(limited.app), limited.clock, token);
        for (let i = 0; i < 3; i++) {
          assert.equal((await api.get('/api/v1/accounts')).statusCode, 200);
        }
        const res = await api.get(`/api/v1/accounts/${DEMO_ACCOUNT.number}/balance`);
        assert.equal(res.statusCode, 429);
        assert.ok(Number(res.headers['retry-after']) >= 1);
        assert.equal(res.json<{ type: string }>().type, '/api/docs#problem-too-many-requests');
      } finally {
        await limited.close();
      }
    });

    test('while the process drains, an API GET gets the 503 as a problem document', async () => {
      const profile = await addProfile(t.db, 'd@example.ru', [await accountIdOf(t.db, DEMO_ACCOUNT.number)]);
      const token = await addToken(t.db, profile, { now: t.clock.now().getTime() });
      const api = new ApiClient(t.app, contract, t.clock, token);
      assert.equal((await api.get('/api/v1/accounts')).statusCode, 200);
      const drained = t.app.drain(2_000);
      const res = await api.get('/api/v1/accounts');
      assert.equal(res.statusCode, 503);
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.equal(res.json<{ type: string }>().type, '/api/docs#problem-unavailable');
      await drained;
    });
  });
}
