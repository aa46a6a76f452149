import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { createTestApp, testDialects, textOf, type TestApp, type Agent } from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { dayStartMs, formatAuditTime } from './audit.service.ts';

// The admin's audit viewer: filters by staff user, account, action and the supplier's days,
// newest first a page at a time, and the CSV of everything a filter matches.

const ACCOUNT = '1900000001';
const OTHER = '1900000002';

for (const dialect of await testDialects()) {
  describe(`audit viewer (${dialect})`, () => {
    let t: TestApp;
    let admin: Agent;

    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      admin = (await staffAgent(t, 'auditor', ['admin'], '10.0.0.5')).agent;
      await staffAgent(t, 'clerk', ['operator'], '10.0.0.6');
      // 120 readings of one account a minute apart, ending the day before "now", and one of another.
      const k = t.db.kysely;
      const start = Date.parse('2026-06-09T12:00:00Z');
      for (let i = 0; i < 120; i++) {
        await recordAudit(k, new Date(start + i * 60_000), {
          event: 'reading',
          outcome: 'ok',
          accountNumber: ACCOUNT,
          ip: '10.1.1.1',
          details: { n: i, note: 'a; b "c"' },
        });
      }
      await recordAudit(k, new Date(start), { event: 'login', outcome: 'refused', accountNumber: OTHER });
      // Either side of the supplier's midnight (Asia/Krasnoyarsk, UTC+7) between 9 and 10 June.
      await recordAudit(k, new Date('2026-06-09T16:59:59Z'), { event: 'edge_before', outcome: 'ok' });
      await recordAudit(k, new Date('2026-06-09T17:00:00Z'), { event: 'edge_after', outcome: 'ok' });
    });
    after(async () => t.close());

    /** The events, account numbers and staff logins of a page's rows. */
    async function rowsOf(url: string) {
      const res = await admin.get(url);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.body;
      const rows = [...body.matchAll(/<tr><td data-label="Время">(.*?)<\/tr>/g)].map((m) =>
        [...m[0].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!)),
      );
      const next = /<a href="([^"]+)">Более ранние записи<\/a>/.exec(body)?.[1]?.replace(/&amp;/g, '&');
      return { rows, next, body };
    }

    test('newest first, 50 a page; the next page starts where the last ended, and the last has no link', async () => {
      const seen: string[] = [];
      let url: string | undefined = `/office/audit?account=${ACCOUNT}`;
      const sizes: number[] = [];
      while (url) {
        const page = await rowsOf(url);
        sizes.push(page.rows.length);
        seen.push(...page.rows.map((r) => r[6]!));
        url = page.next;
      }
      assert.deepEqual(sizes, [50, 50, 20]);
      const numbers = seen.map((d) => (JSON.parse(d) as { n: number }).n);
      assert.deepEqual(
        numbers,
        Array.from({ length: 120 }, (_, i) => 119 - i),
      );
    });

    test('by account, by staff login and by the beginning of the action', async () => {
      const other = await rowsOf(`/office/audit?account=${OTHER}`);
      assert.deepEqual(
        other.rows.map((r) => [r[1], r[2], r[3]]),
        [['login', 'отказано', OTHER]],
      );
      const clerk = await rowsOf('/office/audit?staff=CLERK');
      assert.ok(clerk.rows.length > 0);
      assert.ok(
        clerk.rows.every((r) => r[4] === 'clerk' && r[1]!.startsWith('staff.')),
        JSON.stringify(clerk.rows),
      );
      const staff = await rowsOf('/office/audit?event=staff.');
      // The staff users' own logins, and their enrollment by the CLI, where no staff user acted.
      const logins = new Set(staff.rows.map((r) => r[4]));
      assert.deepEqual([...logins].sort(), ['auditor', 'clerk', '—']);
      assert.ok(staff.rows.every((r) => r[1]!.startsWith('staff.')));
      const edges = await rowsOf('/office/audit?event=edge_');
      assert.deepEqual(
        edges.rows.map((r) => r[1]),
        ['edge_after', 'edge_before'],
        'the prefix is text: `_` matches only itself',
      );
      assert.equal((await rowsOf('/office/audit?event=edgex')).rows.length, 0);
    });

    test("dates are the supplier's days, both ends included", async () => {
      const tenth = await rowsOf('/office/audit?event=edge&from=2026-06-10&to=2026-06-10');
      assert.deepEqual(
        tenth.rows.map((r) => [r[0], r[1]]),
        [['2026-06-10 00:00:00', 'edge_after']],
      );
      const ninth = await rowsOf('/office/audit?event=edge&to=2026-06-09');
      assert.deepEqual(
        ninth.rows.map((r) => [r[0], r[1]]),
        [['2026-06-09 23:59:59', 'edge_before']],
      );
      assert.equal(dayStartMs('2026-06-10', 'Asia/Krasnoyarsk'), Date.parse('2026-06-09T17:00:00Z'));
      // A zone with summer time: the day of the change starts at the winter offset.
      assert.equal(dayStartMs('2026-03-29', 'Europe/Berlin'), Date.parse('2026-03-28T23:00:00Z'));
      assert.equal(dayStartMs('2026-03-30', 'Europe/Berlin'), Date.parse('2026-03-29T22:00:00Z'));
      assert.equal(
        formatAuditTime(Date.parse('2026-06-09T17:00:00Z'), 'Asia/Krasnoyarsk'),
        '2026-06-10 00:00:00',
      );
    });

    test('a wrong filter gets its message next to its field, keeps what was typed and finds nothing', async () => {
      const res = await admin.get('/office/audit?account=123&from=2026-13-01&to=&staff=Иван');
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /id="audit-account-error"[^>]*>Номер лицевого счёта — 10 цифр\./);
      assert.match(res.body, /id="audit-from-error"[^>]*>Дата в виде ГГГГ-ММ-ДД/);
      assert.match(res.body, /id="audit-staff-error"[^>]*>Логин сотрудника/);
      assert.match(res.body, /name="account"[^>]*value="123"/);
      assert.doesNotMatch(res.body, /<table[^>]*id="audit"/);
      assert.doesNotMatch(res.body, /audit\.csv/);
      const order = await admin.get('/office/audit?from=2026-06-10&to=2026-06-09');
      assert.equal(order.statusCode, 400);
      assert.match(order.body, /id="audit-to-error"[^>]*>Дата «по» раньше даты «с»\./);
      const csv = await admin.get('/office/audit.csv?account=12');
      assert.equal(csv.statusCode, 303);
      assert.equal(csv.headers['location'], '/office/audit?account=12');
    });

    test('the CSV holds everything the filter matches, beyond one page, and reads back as written', async () => {
      const res = await admin.get(`/office/audit.csv?account=${ACCOUNT}`);
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/csv; charset=utf-8/);
      assert.equal(res.headers['content-disposition'], 'attachment; filename="audit.csv"');
      assert.ok(res.body.startsWith('\uFEFF'), 'a BOM, so that Excel reads it as UTF-8');
      const records: string[][] = parse(res.body.slice(1), { delimiter: ';' });
      assert.deepEqual(records[0], [
        'Время',
        'Действие',
        'Результат',
        'Лицевой счёт',
        'Сотрудник',
        'Адрес',
        'Подробности',
      ]);
      assert.equal(records.length, 121);
      assert.deepEqual(records[1], [
        '2026-06-09 20:59:00',
        'reading',
        'ok',
        ACCOUNT,
        '',
        '10.1.1.1',
        '{"n":119,"note":"a; b \\"c\\""}',
      ]);
    });

    test('an operator may not open it', async () => {
      const operator = (await staffAgent(t, 'reader', ['operator'], '10.0.0.7')).agent;
      assert.equal((await operator.get('/office/audit')).statusCode, 403);
      assert.equal((await operator.get('/office/audit.csv')).statusCode, 403);
    });
  });
}
