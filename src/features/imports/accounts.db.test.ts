import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { accountsFormat } from './accounts.format.ts';
import { summaryLines } from './summary.ts';

// The accounts import (import-accounts) on both databases: samples/accounts.csv, updates with
// their audit entry, the same file twice, --full, and each kind of bad input.

const SAMPLE = path.join(import.meta.dirname, '../../../samples/accounts.csv');
const NOW = '2026-06-10T05:00:00.000Z';
const REGION = 'Республика Хакасия';
const HEADER =
  'Лицевой счёт;Фамилия;Имя;Отчество;Населённый пункт;Улица;Дом;Квартира;Проживающих;Площадь;Тарифная группа;Адрес доставки;Телефон;E-mail';

function tmpFile(content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-accounts-')), 'accounts.csv');
  fs.writeFileSync(file, content);
  return file;
}

async function importAccounts(
  db: Db,
  file: string,
  opts: { apply?: boolean; full?: boolean; branch?: string } = {},
): Promise<{ summary: ImportSummary; report: string; lines: string[] }> {
  const clock = new ManualClock(NOW);
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const format = accountsFormat({ region: REGION, full: opts.full ?? false, branch: opts.branch, clock });
  const summary = await runImport(db.kysely, format, file, {
    apply: opts.apply ?? true,
    clock,
    reportPath,
    source: { encoding: 'auto', delimiter: 'auto' },
  });
  return {
    summary,
    report: fs.readFileSync(reportPath, 'utf8'),
    lines: summaryLines(summary, format.labels, 'Строк с лицевыми счетами'),
  };
}

async function withDb(dialect: 'sqlite' | 'postgres', fn: (t: TestDb) => Promise<void>): Promise<void> {
  const t = await createTestDb(dialect);
  try {
    await ensureDemoData(t.db, new Date(NOW));
    await fn(t);
  } finally {
    await t.drop();
  }
}

async function account(db: Db, number: string) {
  return db.kysely
    .selectFrom('accounts as a')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .innerJoin('tariff_plans as t', 't.id', 'a.tariff_plan_id')
    .select([
      'a.surname',
      'a.first_name',
      'a.patronymic',
      'a.object_address',
      'a.delivery_address',
      'a.area_e2',
      'a.residents',
      'a.phone',
      'a.imported_email',
      'a.settlement_code',
      'a.address_key',
      'b.code as branch',
      't.code as tariff',
    ])
    .where('a.number', '=', number)
    .executeTakeFirst();
}

async function countAccounts(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function importAudits(db: Db) {
  const rows = await db.kysely
    .selectFrom('audit_log')
    .select(['account_number', 'outcome', 'details'])
    .where('event', '=', 'account_import')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? '{}') as Record<string, unknown> }));
}

/** A valid line; any field can be replaced. */
function line(number: string, f: Partial<Record<number, string>> = {}): string {
  const fields = [
    number,
    'Смирнов',
    'Иван',
    'Иванович',
    'г. Абакан',
    'ул. Мира',
    '10',
    '5',
    '2',
    '48,5',
    'single',
    '',
    '',
    '',
  ];
  for (const [i, v] of Object.entries(f)) {
    fields[Number(i)] = v!;
  }
  return fields.join(';');
}

for (const dialect of await testDialects()) {
  describe(`accounts import (${dialect})`, () => {
    test('the sample: a dry run stores nothing; apply adds three and updates the demo account once, audited', async () => {
      await withDb(dialect, async ({ db }) => {
        const before = await account(db, DEMO_ACCOUNT.number);
        const dry = await importAccounts(db, SAMPLE, { apply: false });
        assert.equal(dry.summary.status, 'dry_run');
        assert.equal(dry.summary.records, 4);
        assert.deepEqual(
          {
            added: dry.summary.counts.added,
            changed: dry.summary.counts.changed,
            rejected: dry.summary.rejected,
          },
          { added: 3, changed: 1, rejected: 0 },
        );
        assert.equal(await countAccounts(db), 1);
        assert.deepEqual(await account(db, DEMO_ACCOUNT.number), before);
        assert.deepEqual(await importAudits(db), []);

        const { summary, report } = await importAccounts(db, SAMPLE);
        assert.equal(summary.status, 'applied');
        assert.deepEqual(
          {
            added: summary.counts.added,
            changed: summary.counts.changed,
            unchanged: summary.counts.unchanged,
          },
          { added: 3, changed: 1, unchanged: 0 },
        );
        assert.equal(await countAccounts(db), 4);
        // Addresses as the portal builds them; branches by settlement; area in hundredths of m².
        assert.deepEqual(await account(db, '1000000029'), {
          surname: 'Сидоров',
          first_name: 'Олег',
          patronymic: '',
          object_address: 'Республика Хакасия, г. Абакан, ул. Ленина, д. 5А, кв. 12',
          delivery_address: '655017, г. Абакан, а/я 15',
          area_e2: 3800,
          residents: 1,
          phone: '89001234567',
          imported_email: null,
          settlement_code: '10',
          address_key: 'ленина 5а 12',
          branch: 'abakan',
          tariff: 'two-zone',
        });
        const sayanogorsk = await account(db, '2000000036');
        assert.equal(sayanogorsk?.branch, 'smo');
        assert.equal(sayanogorsk?.area_e2, 6275);
        assert.equal(sayanogorsk?.delivery_address, sayanogorsk?.object_address);
        assert.equal((await account(db, '1700000011'))?.branch, 'chernogorsk');

        const demo = await account(db, DEMO_ACCOUNT.number);
        assert.equal(demo?.object_address, 'Республика Хакасия, г. Черногорск, ул. Бограда, д. 71');
        assert.equal(demo?.residents, 2);
        assert.equal(demo?.phone, '+73903123456');
        assert.equal(demo?.imported_email, 'ivanov@example.ru');
        // One audit entry for the account, naming each changed field before and after; the
        // e-mail masked; the surname (unchanged here) is the login and never logged.
        const audits = await importAudits(db);
        assert.equal(audits.length, 1);
        assert.equal(audits[0]!.account_number, DEMO_ACCOUNT.number);
        assert.equal(audits[0]!.outcome, 'changed');
        assert.deepEqual(audits[0]!.details.fields, [
          'object_address',
          'delivery_address',
          'residents',
          'phone',
          'imported_email',
        ]);
        assert.deepEqual(audits[0]!.details.before, {
          object_address: before!.object_address,
          delivery_address: before!.delivery_address,
          residents: 1,
          phone: null,
          imported_email: null,
        });
        assert.deepEqual(audits[0]!.details.after, {
          object_address: demo.object_address,
          delivery_address: demo.delivery_address,
          residents: 2,
          phone: '+73903123456',
          imported_email: 'i***@example.ru',
        });
        assert.equal(audits[0]!.details.run, summary.runId);
        assert.match(
          report,
          /\n2;замечание;.*;Лицевой счёт 1705057190: изменено — адрес объекта, адрес доставки, проживающих, телефон, e-mail \(не подтверждён\)\./,
        );
        // The imported e-mail is not an address for bills: nothing in mail_subscriptions.
        const subs = await db.kysely.selectFrom('mail_subscriptions').select('email').execute();
        assert.deepEqual(subs, []);
      });
    });

    test('the same file again changes nothing, and says so', async () => {
      await withDb(dialect, async ({ db }) => {
        const first = await importAccounts(db, SAMPLE);
        const again = await importAccounts(db, SAMPLE);
        assert.equal(again.summary.status, 'applied');
        assert.deepEqual(
          {
            added: again.summary.counts.added,
            changed: again.summary.counts.changed,
            unchanged: again.summary.counts.unchanged,
          },
          { added: 0, changed: 0, unchanged: 4 },
        );
        assert.equal(again.summary.alreadyApplied, first.summary.runId);
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));
        assert.equal(await countAccounts(db), 4);
        assert.equal((await importAudits(db)).length, 1);
      });
    });

    test('a changed field updates the account with an audit entry; a surname change is logged without the surname', async () => {
      await withDb(dialect, async ({ db }) => {
        await importAccounts(db, tmpFile([HEADER, line('1000000012')].join('\n')));
        const { summary } = await importAccounts(
          db,
          tmpFile([HEADER, line('1000000012', { 1: 'Смирнова', 9: '48,51', 10: 'two-zone' })].join('\n')),
        );
        assert.equal(summary.counts.changed, 1);
        const a = await account(db, '1000000012');
        assert.deepEqual([a?.surname, a?.area_e2, a?.tariff], ['Смирнова', 4851, 'two-zone']);
        const audits = await importAudits(db);
        assert.equal(audits.length, 1);
        assert.deepEqual(audits[0]!.details.fields, ['surname', 'area_e2', 'tariff_plan_id']);
        assert.deepEqual(audits[0]!.details.before, {
          surname: '(изменена)',
          area_e2: 4850,
          tariff_plan_id: 'single',
        });
        assert.deepEqual(audits[0]!.details.after, {
          surname: '(изменена)',
          area_e2: 4851,
          tariff_plan_id: 'two-zone',
        });
        assert.doesNotMatch(JSON.stringify(audits), /Смирнов/);
      });
    });

    test('each bad line is refused with its line number and a Russian message; only the good lines are stored', async () => {
      await withDb(dialect, async ({ db }) => {
        const lines = [
          HEADER,
          line('1000000012'), // 2: good
          '1000000029;Петров;Пётр', // 3
          line('9900000011'), // 4
          line('170000001'), // 5
          line('1000000036', { 8: 'два' }), // 6
          line('1000000043', { 8: '-1' }), // 7
          line('1000000050', { 9: 'много' }), // 8
          line('1000000067', { 9: '-5' }), // 9
          line('1000000074', { 9: '54,125' }), // 10
          line('1000000081', { 10: 'gold' }), // 11
          line('1000000098', { 1: '=HYPERLINK("http://evil.example","Смирнов")' }), // 12
          line('1000000012', { 1: 'Другой' }), // 13: the number of line 2 again
          line('1000000104', { 2: '@SUM(A1)' }), // 14
          line('1000000111'), // 15: good
        ];
        const { summary, report } = await importAccounts(db, tmpFile(lines.join('\r\n')));
        assert.equal(summary.status, 'applied');
        assert.equal(summary.records, 14);
        assert.equal(summary.rejected, 12);
        assert.equal(summary.counts.added, 2);
        const expect: Array<[number, string, RegExp]> = [
          [3, '', /В строке 3 поля, а нужно не меньше 11: строка неполная или разделитель не тот\./],
          [4, 'Лицевой счёт', /кода населённого пункта «99» \(первые две цифры номера\) нет в справочнике/],
          [5, 'Лицевой счёт', /«170000001»: Номер лицевого счёта состоит из 10 цифр, а введено 9 цифр\./],
          [6, 'Проживающих', /«два» — не число проживающих: нужно целое число от 0 до 99\./],
          [7, 'Проживающих', /«-1»: число проживающих не может быть отрицательным\./],
          [8, 'Площадь', /«много» — не площадь/],
          [9, 'Площадь', /«-5»: площадь не может быть отрицательной\./],
          [10, 'Площадь', /«54,125»: площадь указывается с точностью до сотых долей м²/],
          [11, 'Тарифная группа', /Тарифной группы «gold» нет; есть: single, three-zone, two-zone\./],
          [
            12,
            'Фамилия',
            /«=HYPERLINK\(""http:\/\/evil\.example"",""Смирнов""\)» начинается со знака «=», как формула/,
          ],
          [13, 'Лицевой счёт', /Лицевой счёт 1000000012 уже есть в строке 2 этого файла\./],
          [14, 'Имя', /«@SUM\(A1\)» начинается со знака «@»/],
        ];
        for (const [n, field, message] of expect) {
          const row = report.split('\n').find((r) => r.startsWith(`${n};отклонена;`));
          assert.ok(row, `line ${n} is in the report:\n${report}`);
          assert.ok(row.startsWith(`${n};отклонена;${field};`), row);
          assert.match(row, message, `line ${n}`);
        }
        // Nothing of a refused line is stored; the duplicate did not overwrite line 2.
        assert.equal(await countAccounts(db), 3);
        assert.equal((await account(db, '1000000012'))?.surname, 'Смирнов');
        assert.ok(await account(db, '1000000111'));
        for (const n of [
          '1000000029',
          '1000000036',
          '1000000043',
          '1000000050',
          '1000000067',
          '1000000074',
          '1000000081',
          '1000000098',
          '1000000104',
        ]) {
          assert.equal(await account(db, n), undefined, n);
        }
      });
    });

    test('an empty file, a binary file and a very long line are refused whole, nothing stored', async () => {
      await withDb(dialect, async ({ db }) => {
        const cases: Array<[string, string | Buffer, RegExp]> = [
          ['empty', '', /Файл пуст/],
          ['header only', `${HEADER}\n`, /В файле нет ни одного лицевого счёта\./],
          [
            'binary',
            Buffer.from([0x50, 0x4b, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x02]),
            /Файл не текстовый/,
          ],
          [
            'long line',
            [HEADER, line('1000000012'), line('1000000029', { 11: 'х'.repeat(12_000) })].join('\n'),
            /Строка 3: Строка длиннее 10000 знаков/,
          ],
        ];
        for (const [name, content, message] of cases) {
          const { summary, report } = await importAccounts(db, tmpFile(content));
          assert.equal(summary.status, 'refused', name);
          assert.match(summary.fileErrors.join('\n'), message, name);
          assert.match(report, /файл отклонён/, name);
        }
        assert.equal(await countAccounts(db), 1);
      });
    });

    test('--full lists the accounts missing from the file and deletes none', async () => {
      await withDb(dialect, async ({ db }) => {
        await addAccount(db, { number: '1000000012', surname: 'Первый' });
        await addAccount(db, { number: '2000000029', surname: 'Второй' });
        const file = tmpFile([HEADER, line('1000000012'), line('1700000011', { 1: '=bad' })].join('\n'));
        const dry = await importAccounts(db, file, { apply: false, full: true });
        assert.equal(dry.summary.counts.missing, 2);
        const { summary, report, lines } = await importAccounts(db, file, { full: true });
        assert.equal(summary.status, 'applied');
        assert.equal(summary.counts.missing, 2);
        assert.match(
          report,
          /\n;замечание;Лицевой счёт;Лицевой счёт 1705057190 есть в базе, но нет в файле: он не удалён\./,
        );
        assert.match(
          report,
          /\n;замечание;Лицевой счёт;Лицевой счёт 2000000029 есть в базе, но нет в файле: он не удалён\./,
        );
        // A refused line still names its account: it is not missing.
        assert.doesNotMatch(report, /1000000012 есть в базе|1700000011 есть в базе/);
        assert.ok(
          lines.some((l) => /есть в базе, но нет в файле.*: 2$/.test(l)),
          lines.join('\n'),
        );
        assert.equal(await countAccounts(db), 3);
        // Without --full nobody is reported missing.
        const partial = await importAccounts(db, file);
        assert.equal(partial.summary.counts.missing, 0);
        assert.doesNotMatch(partial.report, /есть в базе/);
      });
    });

    test('a new account takes --branch; a settlement without a branch and no --branch adds nothing', async () => {
      await withDb(dialect, async ({ db }) => {
        await db.kysely
          .updateTable('settlements')
          .set({ branch_id: null })
          .where('code', '=', '10')
          .execute();
        const file = tmpFile([HEADER, line('1000000012')].join('\n'));
        const { summary, report } = await importAccounts(db, file);
        assert.equal(summary.counts.noBranch, 1);
        assert.match(report, /Новый лицевой счёт 1000000012 не добавлен: для кода «10» не задано отделение/);
        assert.equal(await account(db, '1000000012'), undefined);
        const withBranch = await importAccounts(db, file, { branch: 'smo' });
        assert.equal(withBranch.summary.counts.added, 1);
        assert.equal((await account(db, '1000000012'))?.branch, 'smo');
      });
    });
  });
}
