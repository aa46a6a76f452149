import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  Agent,
  cookieHeader,
  createTestApp,
  keyOf,
  meterOf,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { subscribeAccounts } from '../../../test/mail-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { runMailWorker } from '../../features/mail/mail.worker.ts';
import type { MailMessage } from '../../features/mail/transport.ts';

// The readings review queue (issue 18): what it lists, deciding one and in bulk, the reason
// required, the audit, the customer's main page and e-mail, the roles and CSRF.

/** The customer posts a reading that the rules hold (below the last one): returns its id. */
async function heldReading(customer: Agent, value: string): Promise<number> {
  const page = (await customer.get('/cabinet')).body;
  const res = await customer.post('/cabinet/readings', {
    meter: meterOf(page),
    key: keyOf(page),
    v1: value,
    confirm: 'yes',
  });
  assert.equal(res.statusCode, 303);
  return Number(/reading=(\d+)/.exec(String(res.headers.location))![1]);
}

/** A form post with repeated fields (several checkboxes), as a browser sends it. */
async function postMany(agent: Agent, url: string, fields: Array<[string, string]>) {
  return agent.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams([['_csrf', agent.csrf], ...fields]).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(agent.jar) },
    remoteAddress: agent.ip,
  });
}

async function statusOf(t: TestApp, id: number) {
  return t.db.kysely
    .selectFrom('readings')
    .select(['status', 'reviewed_by', 'review_reason', 'reviewed_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

async function outboxOf(t: TestApp, accountId: number) {
  return t.db.kysely
    .selectFrom('mail_outbox')
    .select(['period', 'kind', 'status'])
    .where('account_id', '=', accountId)
    .where('kind', '=', 'review')
    .execute();
}

for (const dialect of await testDialects()) {
  describe(`office review queue (${dialect})`, () => {
    let t: TestApp;
    let operator: Agent;
    let operatorId: number;
    let accountant: Agent;
    let admin: Agent;
    let customer: Agent;
    let demoId: number;
    let otherId: number;
    let otherAgent: Agent;

    before(async () => {
      t = await createTestApp(dialect);
      ({ agent: operator, id: operatorId } = await staffAgent(t, 'operator1', ['operator'], '10.80.0.1'));
      ({ agent: accountant } = await staffAgent(t, 'accountant1', ['accountant'], '10.80.0.2'));
      ({ agent: admin } = await staffAgent(t, 'admin1', ['admin'], '10.80.0.3'));
      ({ agent: customer } = await openCabinet(
        t.app,
        '10.80.1.1',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      ));
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(demo.id);
      otherId = await addAccount(t.db, { number: '1705000017', surname: 'Петрова', serial: '555001' });
      ({ agent: otherAgent } = await openCabinet(t.app, '10.80.1.2', '1705000017', 'Петрова'));
      await subscribeAccounts(t.db, [demoId]);
    });
    after(async () => t.close());

    test('the queue lists each held reading with its account, why it was held and its history', async () => {
      const id = await heldReading(customer, '28000');
      const res = await operator.get('/office/review');
      assert.equal(res.statusCode, 200);
      const text = textOf(res.body);
      assert.match(text, /Ожидают решения: 1/);
      assert.ok(res.body.includes(`href="/office/accounts/${demoId}"`), 'links to the account card');
      assert.match(text, /28 000/);
      assert.match(text, /меньше предыдущего/);
      // The history beside it: the last accepted reading, and the held one marked.
      assert.match(text, /28 470/);
      assert.match(text, /на проверке \(это показание\)/);
      assert.ok(res.body.includes(`name="ids" type="checkbox" value="${id}"`));
      assert.ok(res.body.includes(`href="/office/review/${id}"`));
      // The start page counts it and links the queue.
      assert.match(textOf((await operator.get('/office')).body), /Ожидают решения: 1/);
    });

    test('a decision without a reason, or without a reading checked, is refused with a message and stores nothing', async () => {
      const [row] = await t.db.kysely
        .selectFrom('readings')
        .select('id')
        .where('status', '=', 'review')
        .execute();
      const id = Number(row!.id);
      const auditBefore = (await auditRows(t, 'reading_review')).length;

      const noReason = await operator.post('/office/review', {
        ids: String(id),
        decision: 'accepted',
        reason: '  ',
      });
      assert.equal(noReason.statusCode, 400);
      assert.match(
        noReason.body,
        /id="bulk-reason-error"[^>]*>Укажите причину: она сохраняется в журнале действий\./,
      );
      assert.ok(noReason.body.includes(`value="${id}" checked`), 'the checked readings stay checked');

      const none = await operator.post('/office/review', { decision: 'rejected', reason: 'дубль' });
      assert.equal(none.statusCode, 400);
      assert.match(none.body, /id="ids-error"[^>]*>Отметьте хотя бы одно показание\./);

      const junk = await operator.post('/office/review', {
        ids: '1; drop table readings',
        decision: 'rejected',
        reason: 'x',
      });
      assert.equal(junk.statusCode, 400);

      const one = await operator.post(`/office/review/${id}`, { decision: 'rejected', reason: '' });
      assert.equal(one.statusCode, 400);
      assert.match(one.body, /id="one-reason-error"[^>]*>Укажите причину/);

      const noDecision = await operator.post(`/office/review/${id}`, { reason: 'проверено' });
      assert.equal(noDecision.statusCode, 400);
      assert.match(noDecision.body, /Выберите решение: принять или отклонить\./);

      assert.equal((await statusOf(t, id)).status, 'review');
      assert.equal((await auditRows(t, 'reading_review')).length, auditBefore);
      assert.equal((await outboxOf(t, demoId)).length, 0);
    });

    test('rejecting one: the reviewer and reason kept, audited, the e-mail queued, the customer sees it', async () => {
      const [row] = await t.db.kysely
        .selectFrom('readings')
        .select('id')
        .where('status', '=', 'review')
        .execute();
      const id = Number(row!.id);
      const page = await operator.get(`/office/review/${id}`);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Показание № \d+/);

      const res = await operator.post(`/office/review/${id}`, {
        decision: 'rejected',
        reason: 'Абонент ошибся цифрой',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/office/review?decision=rejected&done=1&skipped=0');
      assert.match(
        textOf((await operator.get(String(res.headers.location))).body),
        /Отклонено показаний: 1\./,
      );

      const r = await statusOf(t, id);
      assert.equal(r.status, 'rejected');
      assert.equal(Number(r.reviewed_by), operatorId);
      assert.equal(r.review_reason, 'Абонент ошибся цифрой');
      assert.equal(Number(r.reviewed_at), t.clock.now().getTime());

      const audit = (await auditRows(t, 'reading_review')).at(-1)!;
      assert.equal(audit.staffUserId, operatorId);
      assert.equal(audit.outcome, 'rejected');
      assert.equal(audit.account, DEMO_ACCOUNT.number);
      assert.equal(audit.ip, '10.80.0.1');
      assert.deepEqual(audit.details!.before, { status: 'review', heldFor: 'rollover' });
      assert.deepEqual(audit.details!.after, { status: 'rejected', reviewReason: 'Абонент ошибся цифрой' });

      // Decided already: a second decision changes nothing.
      const again = await operator.post(`/office/review/${id}`, {
        decision: 'accepted',
        reason: 'передумал',
      });
      assert.equal(again.statusCode, 404);
      assert.equal((await statusOf(t, id)).status, 'rejected');

      assert.deepEqual(await outboxOf(t, demoId), [{ period: '2026-06', kind: 'review', status: 'queued' }]);
      const main = textOf((await customer.get('/cabinet')).body);
      assert.match(main, /28\s000\s*Интернет\s*отклонено: Абонент ошибся цифрой/);
    });

    test('bulk: the checked readings are accepted with one reason, each audited; a subscribed customer gets the e-mail', async () => {
      const a = await heldReading(customer, '28100');
      const b = await heldReading(otherAgent, '60000'); // over 50 000 kWh on a new meter
      const list = await operator.get('/office/review');
      assert.match(textOf(list.body), /Ожидают решения: 2/);
      assert.match(textOf(list.body), /расход более 50 000 кВт·ч/);

      const res = await postMany(operator, '/office/review', [
        ['ids', String(a)],
        ['ids', String(b)],
        ['decision', 'accepted'],
        ['reason', 'Сверено по фото счётчика'],
      ]);
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/office/review?decision=accepted&done=2&skipped=0');
      for (const id of [a, b]) {
        const r = await statusOf(t, id);
        assert.equal(r.status, 'accepted');
        assert.equal(Number(r.reviewed_by), operatorId);
      }
      const audit = (await auditRows(t, 'reading_review')).slice(-2);
      assert.deepEqual(
        audit.map((x) => [x.account, x.outcome, x.staffUserId]),
        [
          [DEMO_ACCOUNT.number, 'accepted', operatorId],
          ['1705000017', 'accepted', operatorId],
        ],
      );
      assert.match(textOf((await operator.get('/office/review')).body), /Ожидают решения: 0/);
      assert.match(textOf((await otherAgent.get('/cabinet')).body), /60 000\s*Интернет\s*принято/);

      // The demo account is subscribed: its e-mail of the period was queued again; the other is not.
      assert.deepEqual(await outboxOf(t, demoId), [{ period: '2026-06', kind: 'review', status: 'queued' }]);
      assert.deepEqual(await outboxOf(t, otherId), []);
      const sent: MailMessage[] = [];
      const stats = await runMailWorker({
        db: t.db,
        transport: {
          kind: 'eml',
          send: (m) => Promise.resolve(void sent.push(m)),
          utf8Mailboxes: () => Promise.resolve(true),
          close: () => undefined,
        },
        mail: { ...t.config.mail, pollMs: 20 },
        publicUrl: t.config.publicUrl,
        dueDay: t.config.billing.dueDay,
        timeZone: t.config.timeZone,
        readingsLastDay: t.config.readingsLastDay,
        clock: t.clock,
        drain: true,
      });
      assert.equal(stats.sent, 1);
      assert.equal(sent.length, 1);
      const m = sent[0]!;
      assert.equal(m.to, `${DEMO_ACCOUNT.number}@mail.test`);
      assert.match(m.subject, /Результат проверки показаний за июнь 2026/);
      assert.match(m.text, /показание 28\s000 от 10\.06\.2026 отклонено \(Абонент ошибся цифрой\)/);
      assert.match(m.text, /показание 28\s100 от 10\.06\.2026 принято \(Сверено по фото счётчика\)/);
    });

    test('roles: the accountant reads the queue without forms and cannot decide; the admin has no queue', async () => {
      const id = await heldReading(customer, '28050'); // below the accepted 28 100
      const read = await accountant.get('/office/review');
      assert.equal(read.statusCode, 200);
      assert.match(textOf(read.body), /Ожидают решения: 1/);
      assert.ok(!read.body.includes('name="ids"'), 'no checkboxes for the accountant');
      assert.ok(!read.body.includes('name="decision"'), 'no decision buttons for the accountant');
      // Each reading opens on its own page, with its history, to read: no form, a note instead.
      assert.ok(read.body.includes(`href="/office/review/${id}"`), 'a link to the reading');
      const one = await accountant.get(`/office/review/${id}`);
      assert.equal(one.statusCode, 200);
      assert.match(textOf(one.body), new RegExp(`Показание № ${id}`));
      assert.match(textOf(one.body), /28\s?050/);
      assert.ok(!one.body.includes(`action="/office/review/${id}"`), 'no decision form for the accountant');
      assert.ok(!one.body.includes('name="decision"'), 'no decision buttons for the accountant');
      assert.ok(!one.body.includes('name="reason"'), 'no reason field for the accountant');
      assert.match(
        textOf(one.body),
        /Принять или отклонить показание может оператор; вам эта страница доступна для просмотра\./,
      );
      // The operator's page of the same reading has the form, and no such note.
      const operators = await operator.get(`/office/review/${id}`);
      assert.ok(operators.body.includes(`action="/office/review/${id}"`));
      assert.doesNotMatch(textOf(operators.body), /доступна для просмотра/);
      const post = await accountant.post('/office/review', {
        ids: String(id),
        decision: 'accepted',
        reason: 'x',
      });
      assert.equal(post.statusCode, 403);
      assert.equal(
        (await accountant.post(`/office/review/${id}`, { decision: 'accepted', reason: 'x' })).statusCode,
        403,
      );
      assert.equal((await admin.get('/office/review')).statusCode, 403);
      assert.equal((await admin.get(`/office/review/${id}`)).statusCode, 403);
      assert.equal((await customer.get('/office/review')).statusCode, 303);
      assert.equal((await statusOf(t, id)).status, 'review');
    });

    test('CSRF: each form refuses a post without the token, or from another site', async () => {
      const [row] = await t.db.kysely
        .selectFrom('readings')
        .select('id')
        .where('status', '=', 'review')
        .execute();
      const id = Number(row!.id);
      const saved = operator.csrf;
      operator.csrf = '';
      try {
        for (const [url, form] of [
          ['/office/review', { ids: String(id), decision: 'accepted', reason: 'x' }],
          [`/office/review/${id}`, { decision: 'accepted', reason: 'x' }],
        ] as const) {
          const res = await operator.post(url, form);
          assert.equal(res.statusCode, 403, url);
        }
      } finally {
        operator.csrf = saved;
      }
      const cross = await operator.post(
        `/office/review/${id}`,
        { decision: 'accepted', reason: 'x' },
        { 'sec-fetch-site': 'cross-site' },
      );
      assert.equal(cross.statusCode, 403);
      assert.equal((await statusOf(t, id)).status, 'review');
    });
  });
}
