import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import {
  account,
  countAccounts,
  HEADER,
  importAccounts,
  line,
  tmpFile,
  withDb,
} from './accounts-fixture.db.test.ts';

// The accounts import's refusals on both databases: each kind of bad line, files refused whole,
// --full (reported, never deleted), and new accounts without a branch.

for (const dialect of await testDialects()) {
  describe(`accounts import: refusals (${dialect})`, () => {
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
