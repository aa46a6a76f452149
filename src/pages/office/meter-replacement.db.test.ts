import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The operators' meter replacement page on the account card (issue 18): the form names the meter
// it replaces, keeps what was typed with each message next to its field, needs a reason, stores
// the replacement audited with the operator, and is refused to an accountant.

for (const dialect of await testDialects()) {
  describe(`office meter replacement (${dialect})`, () => {
    let t: TestApp;
    let operator: Agent;
    let operatorId: number;
    let accountant: Agent;
    let demoId: number;
    let page: string;

    before(async () => {
      t = await createTestApp(dialect);
      ({ agent: operator, id: operatorId } = await staffAgent(t, 'operator5', ['operator'], '10.85.0.1'));
      ({ agent: accountant } = await staffAgent(t, 'accountant5', ['accountant'], '10.85.0.2'));
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      demoId = Number(demo.id);
      page = `/office/accounts/${demoId}/meter`;
    });
    after(async () => t.close());

    const meters = () =>
      t.db.kysely
        .selectFrom('meters')
        .select(['serial', 'removed_on'])
        .where('account_id', '=', demoId)
        .orderBy('id')
        .execute();

    test('the card links the form, which names the meter in service and its last reading', async () => {
      const card = await operator.get(`/office/accounts/${demoId}`);
      assert.match(card.body, new RegExp(`href="${page}"`));
      const form = await operator.get(page);
      assert.equal(form.statusCode, 200);
      const [old] = await meters();
      assert.match(
        textOf(form.body),
        new RegExp(
          `Снимается счётчик № ${old!.serial} .*Последнее принятое показание 28\\s470 от 03\\.06\\.2026`,
        ),
      );
      assert.match(form.body, /name="meter" value="\d+"/);
    });

    test('bad fields and a missing reason: 400 with the messages beside the fields, the input kept, nothing stored', async () => {
      const form = await operator.get(page);
      const meter = /name="meter" value="(\d+)"/.exec(form.body)![1]!;
      const before = await meters();
      const fields = {
        meter,
        date: '09.06.2026',
        f1: '28600',
        serial: 'NEW-77',
        digits: '6',
        ratio: '1',
        due: '01.06.2040',
        i1: '7',
      };
      const noReason = await operator.post(page, { ...fields, reason: ' ' });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.body, /id="meter-reason-error"[^>]*>Укажите причину/);
      assert.match(noReason.body, /value="NEW-77"/);
      const bad = await operator.post(page, {
        ...fields,
        date: '11.06.2026',
        digits: '3',
        reason: 'Акт № 5',
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="date-error"[^>]*>Дата замены не может быть позже сегодняшней/);
      assert.match(bad.body, /id="digits-error"[^>]*>Разрядность — целое число от 4 до 9/);
      assert.match(bad.body, /value="11.06.2026"/);
      assert.deepEqual(await meters(), before);
    });

    test('a valid form replaces the meter, audited with the operator, and returns to the card', async () => {
      const form = await operator.get(page);
      const meter = /name="meter" value="(\d+)"/.exec(form.body)![1]!;
      const [old] = await meters();
      const res = await operator.post(page, {
        meter,
        date: '09.06.2026',
        f1: '28600',
        serial: 'NEW-77',
        digits: '6',
        ratio: '1',
        due: '01.06.2040',
        i1: '7',
        reason: 'Акт замены № 5',
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/office/accounts/${demoId}`);
      assert.deepEqual(await meters(), [
        { serial: old!.serial, removed_on: '2026-06-09' },
        { serial: 'NEW-77', removed_on: null },
      ]);
      const audit = (await auditRows(t, 'meter_replacement')).at(-1)!;
      assert.equal(audit.staffUserId, operatorId);
      assert.equal(audit.account, DEMO_ACCOUNT.number);
      assert.equal(audit.details?.reason, 'Акт замены № 5');
      // The same (now stale) form again: refused, nothing more stored.
      const again = await operator.post(page, {
        meter,
        date: '09.06.2026',
        f1: '1',
        serial: 'NEW-78',
        digits: '6',
        ratio: '1',
        due: '01.06.2040',
        i1: '7',
        reason: 'x',
      });
      assert.equal(again.statusCode, 400);
      assert.match(textOf(again.body), /Счётчик уже заменён: сейчас установлен № NEW-77/);
      assert.equal((await meters()).length, 2);
    });

    test('an accountant may not replace a meter', async () => {
      assert.equal((await accountant.get(page)).statusCode, 403);
      const res = await accountant.post(page, { date: '09.06.2026', reason: 'x' });
      assert.equal(res.statusCode, 403);
    });
  });
}
