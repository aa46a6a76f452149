import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import {
  exportsSetUp,
  FORMULA_SURNAME,
  recordsOf,
  textOf as fileText,
} from '../../../test/exports-support.ts';

// The accountant's exports page: each form downloads its file (streamed, named by
// Content-Disposition, audited); bad input comes back next to its field with nothing made; other
// roles and posts without the CSRF token are refused.

const REGISTRY = '1901000017_40702810171020110607';

for (const dialect of await testDialects()) {
  describe(`exports page (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let accountantId: number;
    let operator: Agent;
    let admin: Agent;

    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      await exportsSetUp(t.db);
      const a = await staffAgent(t, 'buh', ['accountant'], '10.0.0.8');
      accountant = a.agent;
      accountantId = a.id;
      operator = (await staffAgent(t, 'oper', ['operator'], '10.0.0.9')).agent;
      admin = (await staffAgent(t, 'adm', ['admin'], '10.0.0.10')).agent;
    });
    after(async () => t.close());

    const registryFiles = async () =>
      (await t.db.kysely.selectFrom('debt_registry_files').select('file_name').orderBy('id').execute()).map(
        (r) => r.file_name,
      );

    test('the start page links the exports for accountants only; the page has a form per file', async () => {
      assert.match(
        (await accountant.get('/office')).body,
        /<a href="\/office\/exports">Открыть выгрузки<\/a>/,
      );
      assert.doesNotMatch((await operator.get('/office')).body, /\/office\/exports/);
      const res = await accountant.get('/office/exports');
      assert.equal(res.statusCode, 200);
      for (const kind of ['charges', 'balances', 'payments', 'debts-registry', 'debtors']) {
        assert.match(res.body, new RegExp(`<form method="post" action="/office/exports/${kind}"`), kind);
      }
      // Filled in with the latest closed period and today.
      assert.match(res.body, /id="charges-period" name="period" type="text" value="2026-05"/);
      assert.match(res.body, /id="balances-date" name="date" type="text" value="2026-06-10"/);
      assert.match(textOf(res.body), /Последний закрытый период: май 2026/);
    });

    test('an accountant downloads the charges in Windows-1251: named, streamed, the formula neutralised, audited', async () => {
      const res = await accountant.post('/office/exports/charges', { period: '2026-05', encoding: 'cp1251' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/csv; charset=windows-1251');
      assert.equal(res.headers['content-disposition'], 'attachment; filename="charges-2026-05.csv"');
      assert.equal(res.headers['cache-control'], 'no-store');
      const rows = recordsOf(res.rawPayload, 'cp1251');
      assert.equal(rows.length, 5);
      assert.equal(rows[0]![0], 'Лицевой счёт');
      assert.deepEqual(rows[2]!.slice(0, 2), ['1000000002', `'${FORMULA_SURNAME} Анна Ивановна`]);
      const audit = (await auditRows(t, 'export')).at(-1);
      assert.deepEqual(audit, {
        staffUserId: accountantId,
        outcome: 'charges',
        account: null,
        ip: '10.0.0.8',
        details: { file: 'charges-2026-05.csv' },
      });
    });

    test('the other files download too, in UTF-8 with a BOM by default', async () => {
      const cases: Array<[string, Record<string, string>, string, number]> = [
        ['balances', { date: '10.06.2026' }, 'balances-2026-06-10.csv', 6],
        ['payments', { from: '2026-05-01', to: '2026-06-30' }, 'payments-2026-05-01-2026-06-30.csv', 5],
        ['debtors', { minRub: '1000', months: '2', period: '' }, 'debtors-2026-05.csv', 2],
      ];
      for (const [kind, form, name, lines] of cases) {
        const res = await accountant.post(`/office/exports/${kind}`, form);
        assert.equal(res.statusCode, 200, `${kind}: ${res.body.slice(0, 200)}`);
        assert.equal(res.headers['content-disposition'], `attachment; filename="${name}"`);
        assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
        assert.equal(recordsOf(res.rawPayload, 'utf8').length, lines, kind);
      }
    });

    test('the debts registry: 001 then 002 for the month, listed on the page with who made it', async () => {
      for (const seq of ['001', '002']) {
        const res = await accountant.post('/office/exports/debts-registry', {
          period: '2026-05',
          branch: 'chernogorsk',
          inn: '',
          account: '',
        });
        assert.equal(res.statusCode, 200);
        assert.equal(
          res.headers['content-disposition'],
          `attachment; filename="${REGISTRY}_${seq}_0526.txt"`,
        );
        assert.equal(res.headers['content-type'], 'text/plain; charset=windows-1251');
        assert.equal(
          fileText(res.rawPayload, 'cp1251').split('\r\n')[0],
          '1000000001;Иванова Анна Ивановна;г. Абакан, ул. Ленина, 1;0526;211,44',
        );
      }
      const page = textOf((await accountant.get('/office/exports')).body);
      assert.match(page, new RegExp(`${REGISTRY}_002_0526\\.txt \\S+ \\S+ buh`));
    });

    test('bad input: the page again with the message next to the field, no file, no number taken', async () => {
      const before = await registryFiles();
      const cases: Array<[string, Record<string, string>, string, RegExp]> = [
        ['charges', { period: '2026-13' }, 'charges-period', /не период/],
        ['charges', { period: '2026-07' }, 'charges-period', /Период 2026-07 не закрыт/],
        ['balances', { date: '31.02.2026' }, 'balances-date', /Даты 31\.02\.2026 нет в календаре/],
        ['balances', { date: '2026-06-11' }, 'balances-date', /ещё не наступила/],
        ['payments', { from: '2026-06-02', to: '2026-06-01' }, 'payments-to', /позже его конца/],
        ['debtors', { minRub: '-5', months: '2' }, 'debtors-min', /не может быть отрицательной/],
        ['debtors', { minRub: '5', months: '0' }, 'debtors-months', /от 1 до 120/],
        [
          'debts-registry',
          { period: '2026-06', branch: 'chernogorsk' },
          'registry-period',
          /ещё закрывается/,
        ],
        [
          'debts-registry',
          { period: '2026-05', branch: 'chernogorsk', inn: '12' },
          'registry-inn',
          /ИНН — 10 или 12 цифр/,
        ],
        ['debts-registry', { period: '2026-05', branch: 'x' }, 'registry-branch', /Филиала «x» нет/],
      ];
      for (const [kind, form, field, message] of cases) {
        const res = await accountant.post(`/office/exports/${kind}`, form);
        const what = `${kind} ${JSON.stringify(form)}`;
        assert.equal(res.statusCode, 400, what);
        assert.match(res.headers['content-type'] as string, /^text\/html/, what);
        assert.equal(res.headers['content-disposition'], undefined, what);
        const error = new RegExp(`<p class="field-error" id="${field}-error" role="alert">([^<]*)</p>`).exec(
          res.body,
        );
        assert.ok(error, `${what}: a message next to ${field}`);
        assert.match(error[1]!, message, what);
        // The form keeps what was typed.
        const typed = Object.values(form).find((v) => v !== '' && v !== 'chernogorsk');
        if (typed) {
          assert.ok(res.body.includes(`value="${typed}"`), `${what}: keeps ${typed}`);
        }
      }
      assert.deepEqual(await registryFiles(), before);
    });

    test('operators and admins are refused; a post without the CSRF token is refused and makes nothing', async () => {
      for (const agent of [operator, admin]) {
        assert.equal((await agent.get('/office/exports')).statusCode, 403);
        const res = await agent.post('/office/exports/debts-registry', {
          period: '2026-05',
          branch: 'chernogorsk',
        });
        assert.equal(res.statusCode, 403);
        assert.match(res.body, /Недостаточно прав/);
      }
      const before = await registryFiles();
      const audits = (await auditRows(t, 'export')).length;
      const res = await accountant.app.inject({
        method: 'POST',
        url: '/office/exports/debts-registry',
        payload: 'period=2026-05&branch=chernogorsk',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: Object.entries(accountant.jar)
            .map(([k, v]) => `${k}=${v}`)
            .join('; '),
        },
        remoteAddress: accountant.ip,
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.headers['content-disposition'], undefined);
      assert.deepEqual(await registryFiles(), before);
      assert.equal((await auditRows(t, 'export')).length, audits);
    });
  });
}
