import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { Agent, type TestApp } from './helpers.ts';
import {
  addStaff,
  confirmEnrollCode,
  setEnrollPassword,
} from '../src/features/office/staff-admin.service.ts';
import type { Role } from '../src/features/office/rights.ts';

const PASSWORD = 'длинная фраза для входа 7';

/**
 * A staff user with `roles`, enrolled through the service and logged in through the pages
 * (password, then a TOTP code), as an Agent holding the staff session.
 */
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
  assert.equal((await agent.get('/office')).statusCode, 200);
  return agent;
}
