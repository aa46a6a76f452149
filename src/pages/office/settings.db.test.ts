import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { testConfig } from '../../../test/helpers.ts';
import { formatTariffRu } from '../../domain/format.ts';
import { formatAuditTime } from '../../features/office/audit.service.ts';

// The admin's settings page: the settings in effect with every secret hidden, the reference data
// with its last load and command, the prices in force today; refused to other roles; and an
// empty database.

/** Every variable whose name says it is a credential, each given a value no page may show. */
function credentialEnv(): Record<string, string> {
  const names = testConfig()
    .settings.flatMap((g) => g.settings.map((s) => s.name))
    .filter((n) => /PASSWORD|SECRET|TOKEN|KEY/.test(n));
  assert.ok(names.length >= 4, names.join());
  // Long and printable enough for every such variable's own check (METRICS_TOKEN: 32 or more).
  return Object.fromEntries(names.map((n) => [n, `Zq9-${n.toLowerCase()}-never-shown-0123456789abcdef`]));
}

const SHOWN_ELSEWHERE = {
  DATABASE_URL: 'postgres://portal:Zq9DbPassword@db.example:5432/lk?password=Zq9QueryPassword',
  SMTP_URL: 'smtps://mailer:Zq9SmtpPassword@smtp.example:465',
  RBS_USERNAME: 'Zq9-merchant-login',
  SESSION_IDLE_MINUTES: '45',
};

/** A settings row's cells, as text. */
function rowOf(body: string, name: string): { value: string; source: string; description: string } {
  const m = new RegExp(`<tr id="setting-${name}">(.*?)</tr>`).exec(body);
  assert.ok(m, `a row for ${name}`);
  const cells = [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!));
  return { description: cells[1]!, value: cells[2]!, source: cells[3]! };
}

for (const dialect of await testDialects()) {
  describe(`office settings page (${dialect})`, () => {
    const secrets = credentialEnv();
    let t: TestApp;
    let admin: Agent;

    before(async () => {
      t = await createTestApp(dialect, { env: { ...secrets, ...SHOWN_ELSEWHERE } });
      admin = (await staffAgent(t, 'settings-admin', ['admin'], '10.0.0.5')).agent;
    });
    after(async () => t.close());

    test('the admin sees each setting with its description, value and source; secrets only as «задан»', async () => {
      const res = await admin.get('/office/settings');
      assert.equal(res.statusCode, 200);
      const body = res.body;
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(!body.includes(value), `${name}'s value is not in the page`);
        assert.equal(rowOf(body, name).value, 'задан', name);
      }
      for (const part of ['Zq9DbPassword', 'Zq9QueryPassword', 'Zq9SmtpPassword', 'Zq9-merchant-login']) {
        assert.ok(!body.includes(part), `${part} is not in the page`);
      }
      assert.ok(!/Zq9/.test(body), 'no secret at all');
      assert.equal(rowOf(body, 'RBS_USERNAME').value, 'задан');
      assert.deepEqual(rowOf(body, 'DATABASE_URL'), {
        description: 'База PostgreSQL (postgres://…); без неё — SQLite в каталоге данных',
        value: 'postgres://db.example:5432/lk',
        source: 'задан в окружении',
      });
      assert.equal(rowOf(body, 'SMTP_URL').value, 'smtps://smtp.example:465');
      assert.deepEqual(rowOf(body, 'SESSION_IDLE_MINUTES'), {
        description: 'Сеанс клиента завершается после стольких минут без запросов',
        value: '45',
        source: 'задан в окружении',
      });
      assert.equal(t.config.session.idleMs, 45 * 60_000, 'the value shown is the one in effect');
      // Not given: the default, said to be one; an optional one without a default is «не задан».
      assert.deepEqual(rowOf(body, 'PORT'), {
        description: 'HTTP-порт портала',
        value: '3000',
        source: 'по умолчанию',
      });
      assert.deepEqual(
        { value: rowOf(body, 'PDF_THREADS').value, source: rowOf(body, 'PDF_THREADS').source },
        { value: '—', source: 'не задан' },
      );
      // Every setting of the configuration has its row, under its feature's heading.
      for (const g of t.config.settings) {
        assert.ok(body.includes(`>${g.title}</h3>`), g.title);
        for (const s of g.settings) {
          rowOf(body, s.name);
        }
      }
      const text = textOf(body);
      assert.match(text, /\/etc\/lk-portal\/portal\.env/);
      assert.match(text, /перезапустите службы/);
    });

    test('the reference data: counts, the last load from the audit log, the command; prices in force today', async () => {
      const k = t.db.kysely;
      const count = async (table: 'settlements' | 'branches' | 'tariff_plans') =>
        Number(
          (
            await k
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const loadedAt = new Date(t.clock.now().getTime() - 86_400_000);
      await recordAudit(k, loadedAt, {
        event: 'branch_import',
        outcome: 'changed',
        details: { run: 1, by: 'deploy-user', code: 'abakan' },
      });
      const { id: staffId } = await staffAgent(t, 'tariff-admin', ['admin'], '10.0.0.6');
      await recordAudit(k, t.clock.now(), {
        event: 'tariff_price',
        outcome: 'added',
        staffUserId: staffId,
        details: { plan: 'single', by: `staff:${staffId}` },
      });

      const res = await admin.get('/office/settings');
      assert.equal(res.statusCode, 200);
      const row = (kind: string) => {
        const m = new RegExp(`<tr id="reference-${kind}">(.*?)</tr>`).exec(res.body);
        assert.ok(m, kind);
        return [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!));
      };
      const settlements = row('settlements');
      assert.equal(settlements[1], String(await count('settlements')));
      assert.ok(Number(settlements[1]) > 0, 'the demo has settlements');
      assert.equal(settlements[2], 'не записывается в журнал аудита');
      assert.equal(settlements[3], 'npm run cli -- settlements-load ФАЙЛ --full --apply');

      const branches = row('branches');
      assert.equal(branches[1], String(await count('branches')));
      assert.equal(
        branches[2],
        `${formatAuditTime(loadedAt.getTime(), t.config.timeZone)}, командная строка (пользователь deploy-user)`,
      );
      assert.equal(branches[3], 'npm run cli -- branches-load ФАЙЛ --apply');

      const plans = row('plans');
      assert.equal(plans[1], String(await count('tariff_plans')));
      assert.equal(plans[2], 'в журнале аудита нет');

      const prices = row('prices');
      assert.match(prices[2]!, /, сотрудник tariff-admin$/);
      assert.equal(prices[3], 'npm run cli -- import-tariffs ФАЙЛ --apply');

      // The single-rate plan's price, found here with a query of its own: the latest date not after today.
      const today = '2026-06-10';
      const single = await k
        .selectFrom('tariff_prices as p')
        .innerJoin('tariff_plans as t', 't.id', 'p.plan_id')
        .select(['p.price_e5', 't.name'])
        .where('t.code', '=', 'single')
        .where('p.zone', '=', 'single')
        .where('p.band', '=', 'base')
        .where('p.valid_from', '<=', today)
        .orderBy('p.valid_from', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      const table = /<table class="history" id="prices-in-force"[\s\S]*?<\/table>/.exec(res.body)?.[0];
      assert.ok(table);
      const priceRows = [...table.matchAll(/<tr><td(.*?)<\/tr>/g)].map((m) =>
        [...`<td${m[1]!}`.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '')),
      );
      const singleRow = priceRows.find((cells) => cells[0] === `${single.name} (single)`);
      assert.ok(singleRow, 'the single-rate plan has its row');
      assert.equal(singleRow[2], formatTariffRu(Number(single.price_e5)));
      assert.match(textOf(res.body), /Цены на 10\.06\.2026/);
      // The count of prices in force is the rows that have one.
      assert.equal(Number(prices[1]), priceRows.filter((cells) => cells[2] !== 'не задана').length);
      assert.ok(priceRows.length > 0);
    });

    test("operators and accountants are refused; the admin's navigation links the page", async () => {
      for (const role of ['operator', 'accountant'] as const) {
        const { agent } = await staffAgent(
          t,
          `settings-${role}`,
          [role],
          role === 'operator' ? '10.0.1.1' : '10.0.1.2',
        );
        const res = await agent.get('/office/settings');
        assert.equal(res.statusCode, 403, role);
        assert.ok(!res.body.includes('Zq9'), role);
        assert.ok(!(await agent.get('/office')).body.includes('href="/office/settings"'), role);
      }
      const start = await admin.get('/office');
      assert.equal(start.body.match(/href="\/office\/settings"/g)?.length, 1, "the start page's navigation");
    });
  });

  describe(`office settings page, empty reference data (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { demo: false });
    });
    after(async () => t.close());

    test('renders with no settlements, branches, plans or prices', async () => {
      const { agent } = await staffAgent(t, 'first-admin', ['admin'], '10.0.0.7');
      const res = await agent.get('/office/settings');
      assert.equal(res.statusCode, 200);
      for (const kind of ['settlements', 'branches', 'plans', 'prices']) {
        const m = new RegExp(`<tr id="reference-${kind}">(.*?)</tr>`).exec(res.body);
        assert.ok(m, kind);
        const cells = [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!));
        assert.equal(cells[1], '0', kind);
      }
      assert.match(res.body, /id="prices-empty"/);
      assert.ok(!res.body.includes('id="prices-in-force"'));
    });
  });
}
