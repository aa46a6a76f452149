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
 * A staff user with `roles`, enrolled through the service and logged in through the pages (both
 * factors); the agent holds a CSRF token from the start page. Returns it with the user's id.
 */
export async function staffAgent(
  t: TestApp,
  login: string,
  roles: Role[],
  ip: string,
): Promise<{ agent: Agent; id: number }> {
  const deps = { db: t.db.kysely, clock: t.clock };
  const added = await addStaff(
    deps,
    { login, fullName: `Сотрудник ${login}`, roles, reason: '' },
    { staffUserId: null, ip },
    { requireReason: false },
  );
  assert.ok(added.kind === 'ok');
  const step = await setEnrollPassword(deps, added.token, PASSWORD, PASSWORD);
  assert.ok(step.kind === 'ok');
  const code = () => generate({ secret: step.secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
  assert.equal((await confirmEnrollCode(deps, added.token, await code(), ip)).kind, 'ok');
  t.clock.advance(30_000);
  const agent = new Agent(t.app, ip);
  await agent.get('/office/login');
  assert.equal((await agent.post('/office/login', { login, password: PASSWORD })).statusCode, 303);
  await agent.get('/office/login/code');
  assert.equal((await agent.post('/office/login/code', { code: await code() })).statusCode, 303);
  assert.equal((await agent.get('/office')).statusCode, 200);
  return { agent, id: added.id };
}

/** The audit rows of `event`, oldest first, with their details parsed. */
export async function auditRows(t: TestApp, event: string) {
  const rows = await t.db.kysely
    .selectFrom('audit_log')
    .select(['staff_user_id', 'outcome', 'account_number', 'ip', 'details'])
    .where('event', '=', event)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    staffUserId: r.staff_user_id === null ? null : Number(r.staff_user_id),
    outcome: r.outcome,
    account: r.account_number,
    ip: r.ip,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  }));
}
