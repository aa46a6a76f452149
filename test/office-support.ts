import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { Agent, type TestApp } from './helpers.ts';
import {
  addStaff,
  confirmEnrollCode,
  setEnrollPassword,
} from '../src/features/office/staff-admin.service.ts';
import type { Role } from '../src/features/office/rights.ts';

// Staff users for the back office's tests.

const PASSWORD = 'длинная фраза для входа 7';

/** A staff user with `roles`, enrolled through the service, logged in through the pages. */
export async function staffAgent(t: TestApp, login: string, roles: Role[], ip: string): Promise<Agent> {
  const deps = { db: t.db.kysely, clock: t.clock };
  const added = await addStaff(
    deps,
    { login, fullName: `Сотрудник ${login}`, roles, reason: '' },
    { staffUserId: null, ip },
    { requireReason: false },
  );
  assert.equal(added.kind, 'ok');
  const token = added.kind === 'ok' ? added.token : '';
  const step = await setEnrollPassword(deps, token, PASSWORD, PASSWORD);
  assert.equal(step.kind, 'ok');
  const secret = step.kind === 'ok' ? step.secret : '';
  const code = () => generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
  assert.equal((await confirmEnrollCode(deps, token, await code(), ip)).kind, 'ok');
  t.clock.advance(30_000);
  const agent = new Agent(t.app, ip);
  await agent.get('/office/login');
  assert.equal((await agent.post('/office/login', { login, password: PASSWORD })).statusCode, 303);
  await agent.get('/office/login/code');
  assert.equal((await agent.post('/office/login/code', { code: await code() })).statusCode, 303);
  // A page with a form, for the CSRF token the POSTs below carry.
  assert.equal((await agent.get('/office')).statusCode, 200);
  return agent;
}
