import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { addStaff, confirmEnrollCode, setEnrollPassword } from './staff-admin.service.ts';
import type { Role } from './rights.ts';

// The admin's staff screen: adding a user, disabling, enabling, ending sessions and resetting the
// second factor, each with a mandatory reason and an audit row (who, when, before, after).

const PASSWORD = 'полевой жаворонок 2026';

interface Enrolled {
  id: number;
  secret: string;
}

async function enrollByService(t: TestApp, login: string, roles: Role[]): Promise<Enrolled> {
  const deps = { db: t.db.kysely, clock: t.clock };
  const added = await addStaff(
    deps,
    { login, fullName: `Сотрудник ${login}`, roles, reason: '' },
    { staffUserId: null, ip: '127.0.0.1' },
    { requireReason: false },
  );
  assert.ok(added.kind === 'ok');
  return { id: added.id, secret: await enrollToken(t, added.token) };
}

/** Sets the password and confirms the first code of an enrollment link; returns the TOTP secret. */
async function enrollToken(t: TestApp, token: string): Promise<string> {
  const deps = { db: t.db.kysely, clock: t.clock };
  const step = await setEnrollPassword(deps, token, PASSWORD, PASSWORD);
  assert.ok(step.kind === 'ok');
  assert.equal((await confirmEnrollCode(deps, token, await codeAt(t, step.secret), '127.0.0.1')).kind, 'ok');
  t.clock.advance(30_000);
  return step.secret;
}

function codeAt(t: TestApp, secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
}

/** Logs in; returns the agent and the last response's status. */
async function login(t: TestApp, loginName: string, secret: string, ip: string) {
  const agent = new Agent(t.app, ip);
  await agent.get('/office/login');
  const first = await agent.post('/office/login', { login: loginName, password: PASSWORD });
  if (first.statusCode !== 303) {
    return { agent, status: first.statusCode, body: first.body };
  }
  await agent.get('/office/login/code');
  const second = await agent.post('/office/login/code', { code: await codeAt(t, secret) });
  t.clock.advance(30_000);
  return { agent, status: second.statusCode, body: second.body };
}

async function auditOf(t: TestApp, event: string) {
  return t.db.kysely
    .selectFrom('audit_log')
    .select(['staff_user_id', 'outcome', 'details', 'ip'])
    .where('event', '=', event)
    .orderBy('id')
    .execute();
}

for (const dialect of await testDialects()) {
  describe(`office staff screen (${dialect})`, () => {
    let t: TestApp;
    let admin: Agent;
    let adminId: number;
    before(async () => {
      t = await createTestApp(dialect);
      const a = await enrollByService(t, 'admin', ['admin']);
      adminId = a.id;
      const l = await login(t, 'admin', a.secret, '10.72.0.1');
      assert.equal(l.status, 303);
      admin = l.agent;
    });
    after(async () => t.close());

    test('only an admin opens the staff screen', async () => {
      for (const role of ['operator', 'accountant'] as const) {
        const u = await enrollByService(t, `plain-${role}`, [role]);
        const { agent } = await login(t, `plain-${role}`, u.secret, '10.72.0.2');
        const res = await agent.get('/office/staff');
        assert.equal(res.statusCode, 403);
        assert.doesNotMatch(textOf((await agent.get('/office')).body), /Сотрудники/);
      }
      const res = await admin.get('/office/staff');
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /plain-operator/);
    });

    test('adding a user needs a login, a name, a role and a reason; then shows a working link', async () => {
      await admin.get('/office/staff');
      const refused = await admin.post('/office/staff', { login: 'Ё!', fullName: '', reason: ' ' });
      assert.equal(refused.statusCode, 400);
      const text = textOf(refused.body);
      assert.match(text, /Логин: от 3 до 40 латинских букв/);
      assert.match(text, /Введите фамилию, имя и отчество/);
      assert.match(text, /Выберите хотя бы одну роль/);
      assert.match(text, /Укажите причину/);
      assert.match(refused.body, /id="new-reason-error"/);
      const none = await t.db.kysely
        .selectFrom('staff_users')
        .select('id')
        .where('login', '=', 'ё!')
        .execute();
      assert.equal(none.length, 0);

      const body = new URLSearchParams({
        _csrf: admin.csrf,
        login: 'Novikova',
        fullName: 'Новикова Ольга Петровна',
        reason: 'приказ № 12 от 01.12.2026',
      });
      body.append('roles', 'operator');
      body.append('roles', 'accountant');
      const added = await t.app.inject({
        method: 'POST',
        url: '/office/staff',
        payload: body.toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: Object.entries(admin.jar)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
        },
        remoteAddress: admin.ip,
      });
      assert.equal(added.statusCode, 200, textOf(added.body));
      const link = /id="enroll-link">([^<]+)</.exec(added.body)![1]!;
      assert.match(link, /^http:\/\/localhost:3000\/office\/enroll\/[A-Za-z0-9_-]{43}$/);
      assert.match(textOf(added.body), /Новикова Ольга Петровна \(novikova\) Роли: оператор, бухгалтер/);
      const [audit] = await auditOf(t, 'staff.user.add').then((rows) =>
        rows.filter((r) => r.staff_user_id !== null),
      );
      assert.equal(Number(audit!.staff_user_id), adminId);
      const details = JSON.parse(audit!.details!) as {
        reason: string;
        before: unknown;
        after: { roles: string[] };
      };
      assert.equal(details.reason, 'приказ № 12 от 01.12.2026');
      assert.equal(details.before, null);
      assert.deepEqual(details.after.roles, ['operator', 'accountant']);
      // The link opens the enrollment.
      assert.equal((await new Agent(t.app, '10.72.1.1').get(new URL(link).pathname)).statusCode, 200);
    });

    test('disabling needs a reason, ends the user’s sessions and refuses their login; enabling lets them in again', async () => {
      const u = await enrollByService(t, 'volkov', ['operator']);
      const { agent: volkov } = await login(t, 'volkov', u.secret, '10.72.2.1');
      assert.equal((await volkov.get('/office')).statusCode, 200);

      await admin.get('/office/staff');
      const noReason = await admin.post(`/office/staff/${u.id}/disable`, { reason: '' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, new RegExp(`id="disable-${u.id}-error" role="alert">Укажите причину`));
      assert.equal((await volkov.get('/office')).statusCode, 200, 'nothing was done without a reason');

      const res = await admin.post(`/office/staff/${u.id}/disable`, { reason: 'увольнение' });
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /volkov отключена, её сеансы завершены/);
      assert.equal((await volkov.get('/office')).headers.location, '/office/login');
      const refused = await login(t, 'volkov', u.secret, '10.72.2.2');
      assert.equal(refused.status, 401);
      assert.match(textOf(refused.body), /Учётная запись отключена/);
      const [audit] = await auditOf(t, 'staff.user.disable');
      const details = JSON.parse(audit!.details!) as { reason: string; before: unknown; after: unknown };
      assert.equal(details.reason, 'увольнение');
      assert.deepEqual(details.before, { state: 'active', enrolled: true, sessions: 1 });
      assert.deepEqual(details.after, { state: 'disabled', enrolled: true, sessions: 0 });

      await admin.post(`/office/staff/${u.id}/enable`, { reason: 'восстановлен' });
      assert.equal((await login(t, 'volkov', u.secret, '10.72.2.3')).status, 303);
    });

    test('ending all sessions logs the user out everywhere', async () => {
      const u = await enrollByService(t, 'zaitseva', ['accountant']);
      const a = await login(t, 'zaitseva', u.secret, '10.72.3.1');
      const b = await login(t, 'zaitseva', u.secret, '10.72.3.2');
      await admin.get('/office/staff');
      assert.equal(
        (await admin.post(`/office/staff/${u.id}/end-sessions`, { reason: 'потерян ноутбук' })).statusCode,
        200,
      );
      for (const s of [a, b]) {
        assert.equal((await s.agent.get('/office')).headers.location, '/office/login');
      }
    });

    test('resetting the second factor ends the sessions and forces a new enrollment', async () => {
      const u = await enrollByService(t, 'morozov', ['operator']);
      const before = await login(t, 'morozov', u.secret, '10.72.4.1');
      await admin.get('/office/staff');
      const res = await admin.post(`/office/staff/${u.id}/reset-factor`, { reason: 'сменил телефон' });
      assert.equal(res.statusCode, 200);
      const link = /id="enroll-link">([^<]+)</.exec(res.body)![1]!;
      assert.equal((await before.agent.get('/office')).headers.location, '/office/login');
      // The old password and app no longer let in.
      assert.equal((await login(t, 'morozov', u.secret, '10.72.4.2')).status, 401);
      const secret = await enrollToken(t, new URL(link).pathname.split('/').pop()!);
      assert.notEqual(secret, u.secret);
      assert.equal((await login(t, 'morozov', secret, '10.72.4.3')).status, 303);
      const recovery = await t.db.kysely
        .selectFrom('staff_recovery_codes')
        .select('id')
        .where('staff_user_id', '=', u.id)
        .execute();
      assert.equal(recovery.length, 10, 'the old recovery codes were dropped, new ones made');
    });

    test('an admin cannot disable or reset their own account', async () => {
      await admin.get('/office/staff');
      const res = await admin.post(`/office/staff/${adminId}/disable`, { reason: 'ошибка' });
      assert.equal(res.statusCode, 400);
      assert.equal((await admin.get('/office/staff')).statusCode, 200);
    });
  });
}
