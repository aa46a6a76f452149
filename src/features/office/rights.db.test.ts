import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../app/app.ts';
import {
  Agent,
  createTestApp,
  openCabinet,
  testDialects,
  type TestApp,
  testLogging,
} from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { officeRoutesOf } from './office.guard.tsx';
import { accessFor, OFFICE_RIGHTS, PUBLIC, ROLES, rightsKey, type Role } from './rights.ts';
import { staffAgent } from '../../../test/office-staff.ts';

// The route × role matrix (security promise 24): every route under /office, as Fastify's route
// table has it, tried by each role, by an anonymous visitor and by a logged-in customer.

/** The route's pattern with its parameters filled in. */
function concrete(url: string): string {
  return url.replace(/:token/, 'x'.repeat(43)).replace(/:[a-z]+/gi, '1');
}

async function call(agent: Agent, method: string, url: string) {
  if (method === 'GET') {
    return agent.get(url);
  }
  if (method === 'HEAD') {
    return agent.app.inject({
      method: 'HEAD',
      url,
      headers: { cookie: cookieOf(agent) },
      remoteAddress: agent.ip,
    });
  }
  return agent.post(url, {});
}

function cookieOf(agent: Agent): string {
  return Object.entries(agent.jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

for (const dialect of await testDialects()) {
  describe(`office rights (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    test('every /office route answers each role as the matrix says, and refuses anonymous and customers', async () => {
      const routes = officeRoutesOf(t.app);
      assert.ok(routes.length >= Object.keys(OFFICE_RIGHTS).length, 'the route table was collected');
      const staff = new Map<Role, Agent>();
      for (const [i, role] of ROLES.entries()) {
        staff.set(role, (await staffAgent(t, `only-${role}`, [role], `10.71.0.${i + 1}`)).agent);
      }
      const anonymous = new Agent(t.app, '10.71.1.1');
      await anonymous.get('/office/login');
      const { agent: customer } = await openCabinet(
        t.app,
        '10.71.1.2',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );

      let checked = 0;
      // The public routes last: the logout among them ends the session it is sent with.
      const ordered = [...routes].sort(
        (a, b) =>
          Number(accessFor(a.method, a.url) === PUBLIC) - Number(accessFor(b.method, b.url) === PUBLIC),
      );
      for (const { method, url } of ordered) {
        const access = accessFor(method, url);
        assert.ok(access !== undefined, `${rightsKey(method, url)} is in the matrix`);
        const path = concrete(url);
        const what = `${method} ${path}`;
        for (const [who, agent] of [
          ['anonymous', anonymous],
          ['customer', customer],
        ] as const) {
          const res = await call(agent, method, path);
          assert.ok(res.statusCode < 500, `${what} as ${who}: ${res.statusCode}`);
          if (access !== PUBLIC) {
            assert.equal(res.statusCode, 303, `${what} as ${who}`);
            assert.equal(res.headers.location, '/office/login', `${what} as ${who}`);
          }
        }
        for (const [role, agent] of staff) {
          const res = await call(agent, method, path);
          assert.ok(res.statusCode < 500, `${what} as ${role}: ${res.statusCode}`);
          if (access === PUBLIC) {
            continue;
          }
          if (access.includes(role)) {
            assert.notEqual(res.statusCode, 403, `${what} is allowed to ${role}`);
            assert.notEqual(res.headers.location, '/office/login', `${what} is allowed to ${role}`);
          } else {
            assert.equal(res.statusCode, 403, `${what} is refused to ${role}`);
            if (method !== 'HEAD') {
              assert.match(res.body, /Недостаточно прав/, what);
            }
          }
          checked++;
        }
      }
      assert.ok(checked > 0);
    });

    test('every entry of the matrix names a route that exists', () => {
      const keys = new Set(officeRoutesOf(t.app).map((r) => rightsKey(r.method, r.url)));
      for (const key of Object.keys(OFFICE_RIGHTS)) {
        assert.ok(keys.has(key), `${key} has a route`);
      }
    });

    test('a new /office route without an entry in the matrix stops the app from starting', async () => {
      const app = await buildApp({ config: t.config, db: t.db, clock: t.clock, ...testLogging() });
      try {
        assert.throws(
          () => app.get('/office/reports', () => Promise.resolve('report')),
          /GET \/office\/reports has no entry in the office rights matrix/,
        );
        assert.throws(
          () => app.post('/office/staff/:id/promote', () => Promise.resolve('promoted')),
          /POST \/office\/staff\/:id\/promote has no entry/,
        );
        // Routes outside /office are not the matrix's business.
        app.get('/reports-elsewhere', () => Promise.resolve('ok'));
      } finally {
        await app.close();
      }
    });
  });
}
