import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { bulkAccounts, createTestDb, type TestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { metersFormat } from './meters.format.ts';
import { summaryLines } from './summary.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { closeMonth } from '../billing/close-month.ts';

// The meters file through the import engine: a meter installed on an account without one, the
// meter in service corrected, a replacement (the old meter closed with the line's final reading),
// every bad line with its number and message and nothing of it stored, the dry run storing
// nothing, and the same file again changing nothing.

const HEADER =
  'Лицевой счёт;Заводской номер;Зон;Разрядность;Коэффициент;Дата установки;Поверка до;Начальное показание;Конечное показание снятого';

// Accounts 1100000000..12 (test/db.ts bulkAccounts): meter M<i>, one zone, 5 digits, factor 1, due
// 01.01.2034, read 10 000 + i on 20 April; accounts 1 and 2 also on 15 May (10 051, 10 053).
// 1100000099 has no meter.
const GOOD = [
  '1100000000;M0;1;5;1;01.01.2020;01.01.2035;10000;', // 2: corrected (verification date)
  '1100000001;N-1;1;6;1;16.05.2026;01.05.2042;0;10111', // 3: replaced
  '1100000099;NEW-99;1;5;10;10.05.2026;01.05.2042;00042;', // 4: installed
  '1100000002;M2;1;5;1;01.01.2020;01.01.2034;0;', // 5: unchanged
];
const BAD: Array<[string, RegExp]> = [
  ['11000000;X-1;1;5;1;10.05.2026;01.05.2042;1;', /Номер лицевого счёта — 10 цифр/],
  ['1100000004;X-2;4;5;1;10.05.2026;01.05.2042;1;', /Число зон — 1, 2 или 3/],
  ['1100000005;X-3;2;5;1;10.05.2026;01.05.2042;1;', /на 2 зон\(ы\), а значений 1/],
  ['1100000000;X-4;1;5;1;10.05.2026;01.05.2042;1;', /Лицевой счёт 1100000000 уже был в строке 2/],
  ['1199999999;X-5;1;5;1;10.05.2026;01.05.2042;1;', /Лицевого счёта 1199999999 нет в базе/],
  [
    '1100000006;X-6;1;5;1;16.05.2026;01.05.2042;1;',
    /это замена — укажите конечное показание снятого счётчика/,
  ],
  ['1100000007;X-7;2;5;1;16.05.2026;01.05.2042;1/1;2/2', /другое число зон означает другой тарифный план/],
  ['1100000008;X-8;1;5;1;31.02.2026;01.05.2042;1;10100', /Укажите дату замены/],
  ['1100000009;X-9;1;3;1;16.05.2026;01.05.2042;1;10100', /Разрядность — целое число от 4 до 9/],
  ['1100000010;M10;1;6;1;01.01.2020;01.01.2034;0;', /зон 1 и 5 разрядов, в строке — 1 и 6/],
  [
    '1100000011;X-10;1;5;1;16.05.2026;01.05.2042;1;10x',
    /Конечное показание старого счётчика: показание записывается только цифрами/,
  ],
  [
    '1100000012;M3;1;5;1;16.05.2026;01.05.2042;1;10100',
    /Счётчик № M3 уже установлен на лицевом счёте 1100000003/,
  ],
  ['1100000003;N-1;1;6;1;16.05.2026;01.05.2042;0;10100', /Счётчик № N-1 уже был в строке 3\./],
];

function tmpFile(content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-meters-')), 'meters.csv');
  fs.writeFileSync(file, content);
  return file;
}

for (const dialect of await testDialects()) {
  describe(`meters import (${dialect})`, () => {
    let t: TestDb;
    const clock = new ManualClock('2026-05-20T05:00:00.000Z');

    async function importFile(file: string, apply: boolean) {
      const format = metersFormat({
        clock,
        timeZone: 'Asia/Krasnoyarsk',
        readingsLastDay: 25,
        by: { ip: 'cli:test', fileName: 'meters.csv' },
      });
      const reportPath = `${file}.${apply ? 'apply' : 'dry'}.report.csv`;
      const summary: ImportSummary = await runImport(t.db.kysely, format, file, { apply, clock, reportPath });
      return {
        summary,
        report: fs.readFileSync(reportPath, 'utf8'),
        lines: summaryLines(summary, format.labels, format.recordsTitle),
      };
    }
    const state = async () =>
      (
        await t.db.kysely
          .selectFrom('meters as m')
          .innerJoin('accounts as a', 'a.id', 'm.account_id')
          .select([
            'a.number',
            'm.serial',
            'm.digits',
            'm.ratio',
            'm.installed_on',
            'm.removed_on',
            'm.verification_due',
          ])
          .orderBy('a.number')
          .orderBy('m.id')
          .execute()
      ).map((m) => ({ ...m, digits: Number(m.digits), ratio: Number(m.ratio) }));
    const readingCount = async () =>
      Number(
        (
          await t.db.kysely
            .selectFrom('readings')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, 13);
      const a = await t.db.kysely
        .selectFrom('accounts')
        .selectAll()
        .where('number', '=', '1100000002')
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('accounts')
        .values({
          number: '1100000099',
          settlement_code: '11',
          surname: 'Безсчётчиков',
          first_name: a.first_name,
          patronymic: a.patronymic,
          object_address: 'п. Усть-Абакан, ул. Тестовая, 99',
          delivery_address: a.delivery_address,
          area_e2: a.area_e2,
          residents: 1,
          branch_id: a.branch_id,
          tariff_plan_id: a.tariff_plan_id,
          created_at: 0,
        })
        .execute();
    });
    after(async () => t.drop());

    test('a dry run says what each line would do and stores nothing; bad lines get their number and message', async () => {
      const before = { meters: await state(), readings: await readingCount() };
      const file = tmpFile([HEADER, ...GOOD, ...BAD.map(([l]) => l)].join('\n') + '\n');
      const { summary, report, lines } = await importFile(file, false);
      assert.equal(summary.status, 'dry_run');
      assert.deepEqual(summary.counts, { installed: 1, replaced: 1, updated: 1, unchanged: 1 });
      assert.equal(summary.rejected, BAD.length);
      assert.ok(
        lines.includes(`Строк со счётчиками: ${GOOD.length + BAD.length}; отклонено: ${BAD.length}.`),
        lines.join('\n'),
      );
      const rows = report.split(/\r?\n/);
      BAD.forEach(([, message], i) => {
        const line = GOOD.length + 2 + i;
        const row = rows.find((r) => r.startsWith(`${line};отклонена;`));
        assert.ok(row, `line ${line} reported: ${report}`);
        assert.match(row, message, `line ${line}`);
      });
      assert.match(report, /^3;замечание;;Счётчик № M1 заменён на № N-1\.$/m);
      assert.match(report, /^2;замечание;;Счётчик № M0: поверка до 01\.01\.2034 → 01\.01\.2035\.$/m);
      assert.deepEqual({ meters: await state(), readings: await readingCount() }, before);
    });

    test('applied: installed, corrected and replaced, audited; bad lines stored nothing; the same file again changes nothing', async () => {
      const readingsBefore = await readingCount();
      const file = tmpFile(
        iconv.encode([HEADER, ...GOOD, ...BAD.map(([l]) => l)].join('\r\n') + '\r\n', 'windows-1251'),
      );
      const { summary } = await importFile(file, true);
      assert.equal(summary.status, 'applied');
      assert.equal(summary.encoding, 'windows-1251');
      assert.deepEqual(summary.counts, { installed: 1, replaced: 1, updated: 1, unchanged: 1 });
      assert.equal(summary.rejected, BAD.length);
      const meters = await state();
      const mine = new Set(['1100000000', '1100000001', '1100000002', '1100000099']);
      assert.deepEqual(
        meters
          .filter((m) => mine.has(m.number))
          .map((m) => [
            m.number,
            m.serial,
            m.digits,
            m.ratio,
            m.installed_on,
            m.removed_on,
            m.verification_due,
          ]),
        [
          ['1100000000', 'M0', 5, 1, '2020-01-01', null, '2035-01-01'],
          ['1100000001', 'M1', 5, 1, '2020-01-01', '2026-05-16', '2034-01-01'],
          ['1100000001', 'N-1', 6, 1, '2026-05-16', null, '2042-05-01'],
          ['1100000002', 'M2', 5, 1, '2020-01-01', null, '2034-01-01'],
          ['1100000099', 'NEW-99', 5, 10, '2026-05-10', null, '2042-05-01'],
        ],
      );
      // The final reading of M1, the initial ones of N-1 and NEW-99; nothing of a rejected line.
      assert.equal(await readingCount(), readingsBefore + 3);
      const channels = await t.db.kysely
        .selectFrom('readings')
        .select(['channel', 'status'])
        .where('channel', '=', 'import')
        .execute();
      assert.deepEqual(
        new Set(channels.map((c) => `${c.channel}/${c.status}`)),
        new Set(['import/accepted']),
      );
      const events = await t.db.kysely
        .selectFrom('audit_log')
        .select(['event', 'account_number'])
        .where('event', 'in', ['meter_installation', 'meter_replacement', 'meter_change'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => [e.event, e.account_number]),
        [
          ['meter_change', '1100000000'],
          ['meter_replacement', '1100000001'],
          ['meter_installation', '1100000099'],
        ],
      );

      const again = await importFile(tmpFile([HEADER, ...GOOD].join('\n') + '\n'), true);
      assert.deepEqual(again.summary.counts, {
        installed: 0,
        replaced: 0,
        updated: 0,
        unchanged: GOOD.length,
      });
      assert.deepEqual(await state(), meters);
    });

    test('a line for a meter removed since is stale and refused', async () => {
      const { summary, report } = await importFile(
        tmpFile(`${HEADER}\n1100000001;M1;1;5;1;01.01.2020;01.01.2034;10000;\n`),
        false,
      );
      assert.equal(summary.rejected, 1);
      assert.match(
        report,
        /^2;отклонена;Заводской номер;Счётчик № M1 снят 16\.05\.2026, сейчас установлен № N-1: строка устарела\.$/m,
      );
    });

    test('a file without the required columns, or without lines, is refused whole', async () => {
      const noColumns = await importFile(tmpFile('Лицевой счёт;Заводской номер\n1100000000;M0\n'), false);
      assert.equal(noColumns.summary.status, 'refused');
      assert.match(
        noColumns.summary.fileErrors[0]!,
        /в заголовке нет столбцов «Зон», «Разрядность», «Дата установки», «Поверка до», «Начальное показание»/,
      );
      const empty = await importFile(tmpFile(`${HEADER}\n`), false);
      assert.equal(empty.summary.status, 'refused');
      assert.match(empty.summary.fileErrors.join(' '), /нет ни одного счётчика/);
    });

    test('the month of an imported replacement charges both meters', async () => {
      const a = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '1100000001')
        .executeTakeFirstOrThrow();
      const n1 = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('serial', '=', 'N-1')
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: Number(a.id),
          meter_id: Number(n1.id),
          reading_date: '2026-05-19',
          value1: 40,
          value2: null,
          value3: null,
          channel: 'internet',
          status: 'accepted',
          reason: null,
          submitted_at: 0,
          submitted_ip: null,
        })
        .execute();
      await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      const may = await t.db.kysely
        .selectFrom('charges')
        .select(['method', 'kwh', 'details'])
        .where('account_id', '=', Number(a.id))
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      // M1 from its first reading, 10 001 on 20 April, to the file's final 10 111; N-1 from 0 to 40.
      assert.equal(may.method, 'readings');
      assert.equal(Number(may.kwh), 110 + 40);
      assert.deepEqual(
        (JSON.parse(may.details!) as { replaced: { serial: string; zoneKwh: number[] } }).replaced,
        {
          serial: 'M1',
          from: { date: '2026-04-20', values: [10001] },
          to: { date: '2026-05-16', values: [10111] },
          zoneKwh: [110],
        },
      );
    });
  });
}
