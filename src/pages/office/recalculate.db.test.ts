import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { bulkAccounts } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth } from '../../features/billing/close-month.ts';

// The accountant's recalculation of a closed month: refused input next to its field, a preview
// that stores nothing, the apply step refused when the data changed since the preview, and the
// applied difference recorded once with its staff audit row.

for (const dialect of await testDialects()) {
  describe(`recalculation in the back office (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let accountantId: number;
    let operator: Agent;
    let changed: { id: number; number: string; readingId: number };
    let unchanged: number;

    const recalcs = () => t.db.kysely.selectFrom('recalculations').selectAll().orderBy('id').execute();

    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      const k = t.db.kysely;
      await ensureReferenceData(k, 2026);
      await bulkAccounts(t.db, 6, '2026-04');
      await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      const byReadings = await k
        .selectFrom('charges')
        .innerJoin('accounts', 'accounts.id', 'charges.account_id')
        .select(['accounts.id', 'accounts.number', 'charges.reading_id'])
        .where('charges.period', '=', '2026-05')
        .where('charges.method', '=', 'readings')
        .orderBy('accounts.id')
        .execute();
      assert.ok(byReadings.length >= 2);
      const [a, b] = byReadings as [(typeof byReadings)[0], (typeof byReadings)[0]];
      changed = { id: Number(a.id), number: a.number, readingId: Number(a.reading_id) };
      unchanged = Number(b.id);
      // The May reading was mistyped: 100 kWh more were used than billed.
      const reading = await k
        .selectFrom('readings')
        .select('value1')
        .where('id', '=', changed.readingId)
        .executeTakeFirstOrThrow();
      await k
        .updateTable('readings')
        .set({ value1: Number(reading.value1) + 100 })
        .where('id', '=', changed.readingId)
        .execute();
      const s = await staffAgent(t, 'buh', ['accountant'], '10.0.0.8');
      accountant = s.agent;
      accountantId = s.id;
      operator = (await staffAgent(t, 'oper', ['operator'], '10.0.0.9')).agent;
    });
    after(async () => t.close());

    const url = (id: number) => `/office/accounts/${id}/recalculate`;

    test('accountants only: an operator is refused the form and the action', async () => {
      assert.equal((await operator.get(url(changed.id))).statusCode, 403);
      const res = await operator.post(url(changed.id), { period: '2026-05', reason: 'x' });
      assert.equal(res.statusCode, 403);
      const form = await accountant.get(url(changed.id));
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /<option value="2026-05" selected>2026 Май<\/option>/);
      assert.match(form.body, /<option value="2026-04">2026 Апрель<\/option>/);
      assert.equal((await accountant.get(url(999_999))).statusCode, 404);
    });

    test('refused input gets its message next to the field and stores nothing', async () => {
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [{ period: '2026-05', reason: '  ' }, 'recalc-reason-error', /Укажите причину/],
        [{ period: 'май', reason: 'ошибка' }, 'period-error', /Выберите месяц из списка/],
        [{ period: '2026-06', reason: 'ошибка' }, 'period-error', /Этот месяц не закрыт/],
        [{ period: '2026-03', reason: 'ошибка' }, 'period-error', /Этот месяц не закрыт/],
      ];
      for (const [form, field, message] of cases) {
        const res = await accountant.post(url(changed.id), form);
        assert.equal(res.statusCode, 400, JSON.stringify(form));
        assert.match(res.body, new RegExp(`id="${field}"[^>]*>${message.source}`), JSON.stringify(form));
      }
      assert.equal(
        (await accountant.post(url(changed.id), { period: '2026-05', reason: 'x', _csrf: '' })).statusCode,
        403,
      );
      assert.equal((await recalcs()).length, 0);
    });

    test('the preview shows the difference and stores nothing; an unchanged charge has nothing to apply', async () => {
      const res = await accountant.post(url(changed.id), {
        period: '2026-05',
        reason: 'опечатка в показании',
      });
      assert.equal(res.statusCode, 200);
      const text = textOf(res.body);
      assert.match(text, /Разница: \+100\s?кВт·ч\s?, \+161,00\s?₽/);
      assert.match(res.body, /name="apply" value="yes"/);
      assert.equal((await recalcs()).length, 0);
      const same = await accountant.post(url(unchanged), { period: '2026-05', reason: 'проверка' });
      assert.equal(same.statusCode, 200);
      assert.match(textOf(same.body), /Начисление не изменилось: перерасчёт не нужен\./);
      assert.doesNotMatch(same.body, /name="apply"/);
    });

    test('applied: the previewed difference is recorded once and audited; a stale preview is refused', async () => {
      const form = { period: '2026-05', reason: 'опечатка в показании', apply: 'yes', kwh: '100' };
      const stale = await accountant.post(url(changed.id), { ...form, amount: '10000' });
      assert.equal(stale.statusCode, 409);
      assert.match(textOf(stale.body), /Данные изменились после предварительного расчёта/);
      assert.equal((await recalcs()).length, 0);

      const res = await accountant.post(url(changed.id), { ...form, amount: '16100' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/office/accounts/${changed.id}`);
      const rows = await recalcs();
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0]!.account_id), changed.id);
      assert.equal(rows[0]!.period, '2026-05');
      assert.equal(Number(rows[0]!.kwh), 100);
      assert.equal(Number(rows[0]!.amount_kop), 16100);
      assert.equal(rows[0]!.reason, 'опечатка в показании');
      assert.equal(rows[0]!.applied_period, null);
      const audit = await auditRows(t, 'recalculation');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.staffUserId, accountantId);
      assert.equal(audit[0]!.account, changed.number);
      assert.equal(audit[0]!.ip, '10.0.0.8');
      assert.equal(audit[0]!.details!.reason, 'опечатка в показании');
      assert.deepEqual(audit[0]!.details!.after, {
        kwh: (audit[0]!.details!.before as { kwh: number }).kwh + 100,
        kop: (audit[0]!.details!.before as { kop: number }).kop + 16100,
        differenceKwh: 100,
        differenceKop: 16100,
      });

      // The same form again: the difference is now recorded, so nothing is left to recalculate.
      const again = await accountant.post(url(changed.id), { ...form, amount: '16100' });
      assert.equal(again.statusCode, 409);
      assert.equal((await recalcs()).length, 1);
      const preview = await accountant.post(url(changed.id), { period: '2026-05', reason: 'ещё раз' });
      assert.match(textOf(preview.body), /Прежние перерасчёты: \+100\s?кВт·ч, \+161,00\s?₽/);
      assert.match(textOf(preview.body), /Начисление не изменилось/);
      // The card lists it.
      assert.match(
        textOf((await accountant.get(`/office/accounts/${changed.id}`)).body),
        /опечатка в показании/,
      );
    });
  });
}
