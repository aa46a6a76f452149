import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Agent,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { subscribeAccounts } from '../../../test/mail-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The operators' actions on an account (issue 18): a reading on the customer's behalf, unlocking
// the customer's login, sending a bill again. Each needs a reason, is audited (who, when, before,
// after), returns to the account card, and is refused to other roles and without the CSRF token.

const keyIn = (html: string) => /name="key" value="([^"]+)"/.exec(html)![1]!;
const meterIn = (html: string) => /name="meter" value="(\d+)"/.exec(html)![1]!;

for (const dialect of await testDialects()) {
  describe(`office account actions (${dialect})`, () => {
    let t: TestApp;
    let operator: Agent;
    let operatorId: number;
    let accountant: Agent;
    let demoId: number;
    let card: string;

    before(async () => {
      t = await createTestApp(dialect);
      ({ agent: operator, id: operatorId } = await staffAgent(t, 'operator2', ['operator'], '10.81.0.1'));
      ({ agent: accountant } = await staffAgent(t, 'accountant2', ['accountant'], '10.81.0.2'));
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(demo.id);
      card = `/office/accounts/${demoId}`;
    });
    after(async () => t.close());

    const operatorReadings = () =>
      t.db.kysely
        .selectFrom('readings')
        .select(['value1', 'status', 'channel'])
        .where('account_id', '=', demoId)
        .where('channel', '=', 'operator')
        .orderBy('id')
        .execute();

    test('a reading on the customer’s behalf: reason required, the customer’s checks, channel «Оператор», audited', async () => {
      const form = await operator.get(`${card}/reading`);
      assert.equal(form.statusCode, 200);
      assert.match(textOf(form.body), /Последнее принятое показание 28\s470 от 2026-06-03/);
      const base = { meter: meterIn(form.body), key: keyIn(form.body) };

      const noReason = await operator.post(`${card}/reading`, { ...base, v1: '28500', reason: '' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /id="reading-reason-error"[^>]*>Укажите причину/);
      assert.match(noReason.body, /value="28500"/);
      const bad = await operator.post(`${card}/reading`, { ...base, v1: '28x', reason: 'звонок' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="v1-error"/);
      assert.deepEqual(await operatorReadings(), []);

      const res = await operator.post(`${card}/reading`, { ...base, v1: '28500', reason: 'Звонок абонента' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, card);
      assert.deepEqual(await operatorReadings(), [
        { value1: 28500, status: 'accepted', channel: 'operator' },
      ]);
      // The same form posted again stores nothing more.
      await operator.post(`${card}/reading`, { ...base, v1: '28500', reason: 'Звонок абонента' });
      assert.equal((await operatorReadings()).length, 1);

      const audit = (await auditRows(t, 'reading')).at(-1)!;
      assert.equal(audit.staffUserId, operatorId);
      assert.equal(audit.account, DEMO_ACCOUNT.number);
      assert.equal(audit.details!.staffReason, 'Звонок абонента');
      assert.deepEqual(audit.details!.before, { lastAccepted: { date: '2026-06-03', values: [28470] } });
      assert.deepEqual(audit.details!.after, {
        date: '2026-06-10',
        values: [28500],
        channel: 'operator',
        status: 'accepted',
      });

      const { text } = await openCabinet(t.app, '10.81.1.1', DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      assert.match(text, /28\s500\s*Оператор\s*принято/);
    });

    test('a doubtful reading on the customer’s behalf asks to confirm, then goes to review', async () => {
      const form = await operator.get(`${card}/reading`);
      const base = { meter: meterIn(form.body), key: keyIn(form.body), reason: 'Абонент в офисе' };
      const ask = await operator.post(`${card}/reading`, { ...base, v1: '28000' });
      assert.equal(ask.statusCode, 200);
      assert.match(textOf(ask.body), /Показание вызывает сомнение/);
      assert.equal((await operatorReadings()).length, 1);
      const res = await operator.post(`${card}/reading`, { ...base, v1: '28000', confirm: 'yes' });
      assert.equal(res.statusCode, 303);
      assert.deepEqual((await operatorReadings()).at(-1), {
        value1: 28000,
        status: 'review',
        channel: 'operator',
      });
    });

    test('unlocking a login: reason required; the failures are forgotten and the holder logs in; audited', async () => {
      const stranger = new Agent(t.app, '10.81.2.1');
      for (let i = 0; i < 5; i++) {
        await stranger.login(DEMO_ACCOUNT.number, 'Неиванов');
      }
      assert.equal((await stranger.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 429);

      const page = await operator.get(`${card}/unlock`);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Неудачных попыток входа за последние 15 минут: 5\./);
      const refused = await operator.post(`${card}/unlock`, { reason: '' });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /id="unlock-reason-error"[^>]*>Укажите причину/);
      assert.equal((await stranger.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 429);

      const res = await operator.post(`${card}/unlock`, {
        reason: 'Абонент позвонил, личность подтверждена',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, card);
      assert.equal((await stranger.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);

      const audit = (await auditRows(t, 'login_unlock')).at(-1)!;
      assert.equal(audit.staffUserId, operatorId);
      assert.equal(audit.account, DEMO_ACCOUNT.number);
      assert.equal(audit.details!.reason, 'Абонент позвонил, личность подтверждена');
      assert.deepEqual(audit.details!.before, { failuresInWindow: 5, lockedForAll: false });
      assert.deepEqual(audit.details!.after, {
        failuresInWindow: 0,
        lockedForAll: false,
        failuresForgotten: 5,
      });
    });

    test('sending a bill again: to a confirmed address only, once while queued, audited', async () => {
      const latest = await t.db.kysely
        .selectFrom('charges')
        .select((eb) => eb.fn.max('period').as('p'))
        .where('account_id', '=', demoId)
        .executeTakeFirstOrThrow();
      const period = String(latest.p);
      const page = await operator.get(`${card}/resend-bill`);
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`<option value="${period}" selected`));

      const noAddress = await operator.post(`${card}/resend-bill`, { period, reason: 'просьба абонента' });
      assert.equal(noAddress.statusCode, 400);
      assert.match(noAddress.body, /id="period-error"[^>]*>У абонента нет подтверждённого адреса/);
      const noReason = await operator.post(`${card}/resend-bill`, { period, reason: ' ' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /id="resend-reason-error"[^>]*>Укажите причину/);

      await subscribeAccounts(t.db, [demoId]);
      const noBill = await operator.post(`${card}/resend-bill`, { period: '2020-01', reason: 'просьба' });
      assert.equal(noBill.statusCode, 400);
      assert.match(textOf(noBill.body), /Квитанции за январь 2020 г\. нет/);
      const outbox = () =>
        t.db.kysely
          .selectFrom('mail_outbox')
          .select(['period', 'kind', 'status'])
          .where('account_id', '=', demoId)
          .execute();
      assert.deepEqual(await outbox(), []);

      const res = await operator.post(`${card}/resend-bill`, { period, reason: 'Письмо не дошло' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, card);
      assert.deepEqual(await outbox(), [{ period, kind: 'bill', status: 'queued' }]);
      const twice = await operator.post(`${card}/resend-bill`, { period, reason: 'Письмо не дошло' });
      assert.equal(twice.statusCode, 400);
      assert.match(twice.body, /уже в очереди на отправку/);

      // Sent since: asked again, the same message is queued again.
      await t.db.kysely
        .updateTable('mail_outbox')
        .set({ status: 'sent' })
        .where('account_id', '=', demoId)
        .execute();
      assert.equal(
        (await operator.post(`${card}/resend-bill`, { period, reason: 'Ещё раз' })).statusCode,
        303,
      );
      assert.deepEqual(await outbox(), [{ period, kind: 'bill', status: 'queued' }]);

      const audit = await auditRows(t, 'bill_resend');
      assert.deepEqual(
        audit.map((a) => [a.staffUserId, a.account, a.details!.reason, a.details!.before, a.details!.after]),
        [
          [operatorId, DEMO_ACCOUNT.number, 'Письмо не дошло', { outbox: null }, { outbox: 'queued' }],
          [operatorId, DEMO_ACCOUNT.number, 'Ещё раз', { outbox: 'sent' }, { outbox: 'queued' }],
        ],
      );
    });

    test('an unknown account is 404; other roles get 403; a post without the CSRF token is refused', async () => {
      assert.equal((await operator.get('/office/accounts/999999/unlock')).statusCode, 404);
      assert.equal((await operator.post('/office/accounts/999999/unlock', { reason: 'x' })).statusCode, 404);
      for (const action of ['reading', 'unlock', 'resend-bill']) {
        assert.equal((await accountant.get(`${card}/${action}`)).statusCode, 403, action);
        assert.equal((await accountant.post(`${card}/${action}`, { reason: 'x' })).statusCode, 403, action);
      }
      const before = (await auditRows(t, 'login_unlock')).length;
      const saved = operator.csrf;
      operator.csrf = '';
      try {
        for (const action of ['reading', 'unlock', 'resend-bill']) {
          const res = await operator.post(`${card}/${action}`, { reason: 'без токена', v1: '28600' });
          assert.equal(res.statusCode, 403, action);
        }
      } finally {
        operator.csrf = saved;
      }
      assert.equal((await auditRows(t, 'login_unlock')).length, before);
      assert.equal((await operatorReadings()).length, 2);
    });

    test('any input to any of the forms: a page or a redirect, never a 5xx; nothing stored without a reason', async () => {
      const form = await operator.get(`${card}/reading`);
      const held = await t.db.kysely
        .selectFrom('readings')
        .select('id')
        .where('status', '=', 'review')
        .executeTakeFirst();
      const reviewId = held ? Number(held.id) : 1;
      const count = async () =>
        Number(
          (
            await t.db.kysely
              .selectFrom('audit_log')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('staff_user_id', 'is not', null)
              .where('event', 'in', [
                'reading',
                'reading_review',
                'login_unlock',
                'bill_resend',
                'residents_change',
                'email_change',
                'email_subscription',
                'email_delete',
              ])
              .executeTakeFirstOrThrow()
          ).n,
        );
      const text = fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom('', ' ', "1'; drop table readings; --", '9'.repeat(40), '\r\nX: y', '2026-13', '-1'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            `${card}/reading`,
            `${card}/unlock`,
            `${card}/resend-bill`,
            `${card}/residents`,
            `${card}/email`,
            `/office/review/${reviewId}`,
            '/office/review',
          ),
          fc.record({
            meter: fc.oneof(fc.constant(meterIn(form.body)), text),
            key: fc.oneof(fc.uuid(), text),
            v1: text,
            period: text,
            residents: text,
            email: text,
            subscribed: text,
            action: fc.oneof(fc.constantFrom('save', 'delete'), text),
            ids: text,
            decision: fc.oneof(fc.constantFrom('accepted', 'rejected'), text),
            blankReason: fc.boolean(),
          }),
          async (url, f) => {
            const before = await count();
            const { blankReason, ...fields } = f;
            // Blank reasons refuse everything; otherwise no decision (nothing else is valid by chance).
            const res = await operator.post(url, {
              ...fields,
              reason: blankReason ? ' ' : 'проверка ввода',
              decision: blankReason ? f.decision : 'none',
            });
            assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
            assert.ok([200, 303, 400, 404].includes(res.statusCode), `${url}: ${res.statusCode}`);
            if (blankReason || res.statusCode !== 303) {
              assert.equal(await count(), before, `${url} stored nothing`);
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
