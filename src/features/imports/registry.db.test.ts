import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { addAccount, Agent, createTestApp, testDialects, textOf } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import { allocatePayment, AllocationRefused, listUnallocated } from './registry.allocate.ts';
import {
  deps,
  EMPTY,
  importFile,
  NOW,
  profiles,
  SAMPLES,
  sber,
  sberFile,
  stateOf,
  tmpFile,
  withDb,
  zipOf,
} from './registry-fixture.db.test.ts';

// Payment registries through the import engine: samples/, bad input, idempotency, allocation.

/** A workbook of the generic profile with one payment, as bytes. */
async function workbook(sheets = 1): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (let i = 0; i < sheets; i++) {
    const ws = wb.addWorksheet(`Лист${i + 1}`);
    ws.addRow(['date', 'operation_id', 'account', 'amount']);
    ws.addRow(['08.06.2026', `W-${i}`, '1705057190', '100,00']);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const BOOK = await workbook();
const NO_SHEETS = await workbook(0);
const DOCX = zipOf({
  '[Content_Types].xml': '<?xml version="1.0"?><Types/>',
  'word/document.xml': '<?xml version="1.0"?><w:document/>',
});

for (const dialect of await testDialects()) {
  describe(`payment registries (${dialect})`, () => {
    test('the Sberbank sample: a dry run stores nothing, apply credits once, again changes nothing', async () => {
      await withDb(dialect, async ({ db }) => {
        const file = path.join(SAMPLES, 'registry-sberbank.txt');
        const dry = await importFile(db, file, { apply: false });
        assert.equal(dry.summary.status, 'dry_run');
        assert.equal(dry.summary.encoding, 'windows-1251');
        assert.deepEqual(
          [dry.summary.counts.credited, dry.summary.counts.unallocated, dry.summary.rejected],
          [2, 1, 0],
        );
        assert.deepEqual(await stateOf(db), EMPTY);
        assert.match(
          dry.report,
          /^\ufeffСтрока;Результат;Поле;Сообщение\n3;замечание;Лицевой счёт;Лицевого счёта с таким номером нет: 1799999999\./,
        );

        const applied = await importFile(db, file);
        assert.equal(applied.summary.status, 'applied');
        assert.deepEqual(await stateOf(db), {
          payments: 2,
          kop: 175_050,
          commission: 1_751,
          registry: 3,
          unallocated: 1,
          bankReadings: 1,
        });
        const reading = await db.kysely
          .selectFrom('readings')
          .select(['value1', 'reading_date', 'status'])
          .where('channel', '=', 'bank')
          .executeTakeFirstOrThrow();
        assert.deepEqual(reading, { value1: 28550, reading_date: '2026-06-05', status: 'accepted' });

        const again = await importFile(db, file);
        assert.equal(again.summary.counts.credited, 0);
        assert.equal(again.summary.counts.unchanged, 3);
        assert.equal(again.summary.alreadyApplied, applied.summary.runId);
        assert.equal((await stateOf(db)).payments, 2);
        assert.equal((await stateOf(db)).bankReadings, 1);
      });
    });

    test('one payment in two files is credited once', async () => {
      await withDb(dialect, async ({ db }) => {
        await importFile(db, path.join(SAMPLES, 'registry-sberbank.txt'));
        const second = tmpFile(
          'second.txt',
          sberFile(
            [sber('100000000001', { amount: '1500,00' }), sber('200000000001')],
            '=2;1600,00;2,00;1598,00',
          ),
        );
        const r = await importFile(db, second);
        assert.equal(r.summary.status, 'applied');
        assert.deepEqual([r.summary.counts.credited, r.summary.counts.unchanged], [1, 1]);
        const s = await stateOf(db);
        assert.deepEqual([s.payments, s.kop], [3, 185_050]);
      });
    });

    test('the generic CSV: UTF-8 with BOM, commas; a formula in a name stored neutralised', async () => {
      await withDb(dialect, async ({ db }) => {
        const r = await importFile(db, path.join(SAMPLES, 'registry-generic.csv'), { profile: 'generic' });
        assert.equal(r.summary.status, 'applied');
        assert.deepEqual([r.summary.encoding, r.summary.delimiter], ['utf-8', ',']);
        assert.deepEqual([r.summary.counts.credited, r.summary.counts.unallocated], [1, 1]);
        assert.match(r.report, /\n3;замечание;ФИО;Поле начинается со знака «=», как формула/);
        assert.match(
          r.report,
          /\n3;замечание;Лицевой счёт;"?«9912345678» — не лицевой счёт: .*кода «99» нет/,
        );
        const [u] = await listUnallocated(db.kysely);
        assert.equal(u?.payerName, `'=HYPERLINK("http://example.com","Иванов")`);
        assert.equal(u?.accountNumber, '9912345678');
      });
    });

    test('KOI8-R is detected; a Windows-1251 file read as UTF-8 is refused with its line', async () => {
      await withDb(dialect, async ({ db }) => {
        const text = [sber('k1', { name: 'ПЕТРОВА анна ивановна' }), '=1;100,00;1,00;99,00', ''].join('\n');
        const wrong = await importFile(db, tmpFile('w.txt', iconv.encode(text, 'windows-1251')), {
          encoding: 'utf-8',
        });
        assert.equal(wrong.summary.status, 'refused');
        assert.match(wrong.report, /\n1;отклонена;;Строка не читается в кодировке UTF-8/);
        assert.deepEqual(await stateOf(db), EMPTY);

        const koi = await importFile(db, tmpFile('k.txt', iconv.encode(text, 'koi8-r')), {
          encoding: 'auto',
        });
        assert.equal(koi.summary.encoding, 'koi8-r');
        assert.equal(koi.summary.counts.credited, 1);
        const row = await db.kysely
          .selectFrom('registry_payments')
          .select('payer_name')
          .executeTakeFirstOrThrow();
        assert.equal(row.payer_name, 'ПЕТРОВА анна ивановна');
      });
    });

    test('an .xlsx registry (the generic profile) is read from its first sheet', async () => {
      await withDb(dialect, async ({ db }) => {
        const wb = new ExcelJS.Workbook();
        const ws = wb.addWorksheet('Реестр');
        ws.addRow(['date', 'operation_id', 'account', 'name', 'address', 'period', 'amount', 'commission']);
        ws.addRow([
          new Date(Date.UTC(2026, 5, 8)),
          'X-1',
          '1705057190',
          'Иванов',
          'Черногорск',
          '06.2026',
          420.5,
          0,
        ]);
        ws.addRow(['08.06.2026', 'X-2', 1705057190, 'Иванов', '', '', '99.99', '']);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-xlsx-')), 'registry.xlsx');
        await wb.xlsx.writeFile(file);
        const r = await importFile(db, file, { profile: 'generic' });
        assert.equal(r.summary.status, 'applied', r.report);
        assert.equal(r.summary.counts.credited, 2);
        const s = await stateOf(db);
        assert.deepEqual([s.payments, s.kop], [2, 52_049]);
      });
    });

    test('an unallocated payment is credited once by payments-allocate, with an audit row', async () => {
      await withDb(dialect, async ({ db }) => {
        await importFile(db, path.join(SAMPLES, 'registry-sberbank.txt'));
        const [u] = await listUnallocated(db.kysely);
        assert.ok(u);
        const clock = new ManualClock(NOW);
        const input = { id: u.id, accountNumber: '1705057190', by: 'buh', reason: 'письмо плательщика' };
        await allocatePayment(db.kysely, deps(clock), profiles, input);
        await assert.rejects(allocatePayment(db.kysely, deps(clock), profiles, input), AllocationRefused);
        const s = await stateOf(db);
        assert.deepEqual([s.payments, s.kop, s.unallocated], [3, 245_050, 0]);
        const audit = await db.kysely
          .selectFrom('audit_log')
          .select(['account_number', 'details'])
          .where('outcome', '=', 'allocated')
          .execute();
        assert.equal(audit.length, 1);
        assert.match(audit[0]!.details!, /"by":"buh".*"reason":"письмо плательщика"/);
        // The file again: the allocated payment stays credited once.
        await importFile(db, path.join(SAMPLES, 'registry-sberbank.txt'));
        assert.equal((await stateOf(db)).payments, 3);
        await assert.rejects(
          allocatePayment(db.kysely, deps(clock), profiles, { ...input, accountNumber: '9912345678' }),
          /кода «99» нет/,
        );
      });
    });

    test('the customer sees the registry payment with its date and source', async () => {
      const t = await createTestApp(dialect, { now: NOW });
      try {
        await importFile(t.db, path.join(SAMPLES, 'registry-sberbank.txt'));
        await addAccount(t.db, { number: '1000000025', surname: 'Петрова' });
        const agent = new Agent(t.app, '10.80.1.1');
        assert.equal((await agent.login('1705057190', 'Иванов')).statusCode, 303);
        const page = textOf((await agent.get('/cabinet/history/payments')).body);
        assert.match(
          page,
          /Дата Сумма руб\. Источник 2026-06-05 250,50 Сбербанк 2026-06-05 1 500,00 Сбербанк 2026-05-26 600,00 Банк/,
        );
      } finally {
        await t.close();
      }
    });

    describe('bad input: the file is refused whole with a line-numbered message, nothing stored', () => {
      const ok = (op: string) => sber(op);
      const cases: Array<{ name: string; file: string | Buffer; expect: RegExp; profile?: string }> = [
        {
          name: 'broken quotes',
          file: sberFile([ok('1'), sber('2', { name: '"ИВАНОВ ПЁТР' }), ok('3')], '=3;300,00;3,00;297,00'),
          expect: /\n2;отклонена;;Кавычка открыта и не закрыта/,
        },
        {
          name: 'a line with too few columns',
          file: sberFile(
            [ok('1'), '05-06-2026;10:00:00;8602;0012;2;1705057190;ИВАНОВ'],
            '=2;200,00;2,00;198,00',
          ),
          expect: /\n2;отклонена;;В строке 7 полей, а нужно не меньше 10/,
        },
        {
          name: 'a non-numeric amount',
          file: sberFile([sber('1', { amount: 'сто' })], '=1;100,00;1,00;99,00'),
          expect: /\n1;отклонена;Сумма;«сто»: Сумма записывается цифрами/,
        },
        {
          name: 'a negative amount',
          file: sberFile([sber('1', { amount: '-100,00' })], '=1;100,00;1,00;99,00'),
          expect: /\n1;отклонена;Сумма;«-100,00»: сумма не может быть отрицательной/,
        },
        {
          name: 'a three-decimal amount',
          file: sberFile([sber('1', { amount: '100,005' })], '=1;100,00;1,00;99,00'),
          expect: /\n1;отклонена;Сумма;«100,005»: В сумме не может быть больше двух знаков/,
        },
        {
          name: 'the date 31.02',
          file: sberFile([ok('1'), sber('2', { date: '31-02-2026' })], '=2;200,00;2,00;198,00'),
          expect: /\n2;отклонена;Дата;«31-02-2026»: такой даты нет в календаре/,
        },
        {
          name: 'a duplicate operation id within the file',
          file: sberFile([ok('7'), ok('8'), ok('7')], '=3;300,00;3,00;297,00'),
          expect: /\n3;отклонена;Номер операции;Операция № 7 уже есть в строке 1 этого файла/,
        },
        {
          name: 'totals that disagree',
          file: sberFile([ok('1'), ok('2')], '=2;300,00;2,00;298,00'),
          expect: /;файл отклонён;;Итоговая строка 3: сумма в итогах 300,00 руб\., а по строкам 200,00 руб\./,
        },
        {
          name: 'a count in the totals that disagrees',
          file: sberFile([ok('1'), ok('2')], '=3;200,00;2,00;198,00'),
          expect: /;файл отклонён;;Итоговая строка 3: в итогах 3 платежей, а в файле 2/,
        },
        {
          name: 'no totals line',
          file: iconv.encode([ok('1'), ok('2'), ''].join('\r\n'), 'windows-1251'),
          expect: /;файл отклонён;;В файле нет итоговой строки/,
        },
        { name: 'an empty file', file: '', expect: /;файл отклонён;;Файл пуст/ },
        {
          name: 'a binary file',
          file: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x10, 0x3e]),
          expect: /;файл отклонён;;Файл не текстовый/,
        },
        {
          name: 'a very long line',
          file: sberFile(
            [ok('1'), sber('2', { name: 'Я'.repeat(20_000) }), ok('3')],
            '=3;300,00;3,00;297,00',
          ),
          expect: /\n2;отклонена;;Строка длиннее 10000 знаков/,
        },
        {
          name: 'a generic file without the columns it needs',
          file: 'date;account;amount\n01.06.2026;1705057190;100\n',
          profile: 'generic',
          expect: /\n1;отклонена;;В заголовке нет столбцов: operation_id/,
        },
        {
          name: 'a UTF-8 file where the profile says Windows-1251',
          file: [sber('1'), '=1;100,00;1,00;99,00', ''].join('\r\n'),
          expect:
            /;файл отклонён;;Файл записан в кодировке UTF-8, а указана Windows-1251: русские буквы прочитались бы неверно/,
        },
        {
          name: 'an amount with a point where the profile has a comma',
          file: sberFile([sber('1', { amount: '100.00' })], '=1;100,00;1,00;99,00'),
          expect: /\n1;отклонена;Сумма;"?«100\.00»: в этом реестре рубли от копеек отделяет запятая/,
        },
        {
          name: 'an amount with a comma where the profile has a point',
          file: 'date,operation_id,account,name,address,period,amount,commission\n01.06.2026,1,1705057190,,,,"1,500",0\n',
          profile: 'generic',
          expect: /\n2;отклонена;Сумма;"?«1,500»: в этом реестре рубли от копеек отделяет точка/,
        },
        {
          name: 'a workbook cut short',
          file: BOOK.subarray(0, Math.floor(BOOK.length / 2)),
          profile: 'generic',
          expect: /;файл отклонён;;Файл не читается как книга Excel \(\.xlsx\): он повреждён или обрезан/,
        },
        {
          name: 'a .docx (a ZIP that is no workbook)',
          file: DOCX,
          expect: /;файл отклонён;;В файле нет ни одного листа Excel/,
        },
        {
          name: 'a plain ZIP archive',
          file: zipOf({ 'registry.txt': sber('1') }),
          expect: /;файл отклонён;;В файле нет ни одного листа Excel/,
        },
        {
          name: 'a workbook without sheets',
          file: NO_SHEETS,
          profile: 'generic',
          expect: /;файл отклонён;;В файле нет ни одного листа Excel/,
        },
      ];
      for (const c of cases) {
        test(c.name, async () => {
          await withDb(dialect, async ({ db }) => {
            const { summary, report } = await importFile(db, tmpFile('bad.txt', c.file), {
              profile: c.profile ?? 'sberbank',
            });
            assert.equal(summary.status, 'refused', report);
            assert.match(report, c.expect);
            assert.deepEqual(await stateOf(db), EMPTY);
            const run = await db.kysely.selectFrom('import_runs').select('status').executeTakeFirstOrThrow();
            assert.equal(run.status, 'refused');
          });
        });
      }

      test('an unknown settlement code is no account: kept unallocated, noted with its line', async () => {
        await withDb(dialect, async ({ db }) => {
          const file = tmpFile(
            'u.txt',
            sberFile([ok('1'), sber('2', { account: '9912345678' })], '=2;200,00;2,00;198,00'),
          );
          const { summary, report } = await importFile(db, file);
          assert.equal(summary.status, 'applied');
          assert.match(report, /\n2;замечание;Лицевой счёт;"«9912345678» — не лицевой счёт: .*кода «99» нет/);
          const s = await stateOf(db);
          assert.deepEqual([s.payments, s.registry, s.unallocated], [1, 2, 1]);
        });
      });
    });
  });
}
