import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import type { Db } from '../../platform/db/connect.ts';
import { loadTariffReference, type TariffReference } from '../tariffs/tariffs.service.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { summaryLines } from './summary.ts';
import { tariffFormat } from './tariffs.format.ts';

// Tariff tables through the import engine: the sample, dry run then apply, the same file again,
// encodings, delimiters and .xlsx, each bad line with its line number and message, and the whole
// file applied or nothing.

const SAMPLES = path.join(import.meta.dirname, '../../../samples');
const NOW = '2026-06-10T05:00:00.000Z';
const HEADER = 'Тариф;Зона;Диапазон;Действует с;Цена, руб./кВт·ч';

function tmpFile(name: string, content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-tariffs-')), name);
  fs.writeFileSync(file, content);
  return file;
}

async function importFile(
  db: Db,
  file: string,
  opts: { apply?: boolean; ref?: TariffReference } = {},
): Promise<{ summary: ImportSummary; report: string; lines: string[] }> {
  const clock = new ManualClock(NOW);
  const format = tariffFormat(opts.ref ?? (await loadTariffReference(db.kysely)), { by: 'admin' }, clock);
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const summary = await runImport(db.kysely, format, file, { apply: opts.apply ?? true, clock, reportPath });
  return {
    summary,
    report: fs.readFileSync(reportPath, 'utf8'),
    lines: summaryLines(summary, format.labels, format.recordsTitle),
  };
}

/** The prices, and the audit rows of prices. */
async function stateOf(db: Db) {
  const prices = await db.kysely
    .selectFrom('tariff_prices')
    .innerJoin('tariff_plans', 'tariff_plans.id', 'tariff_prices.plan_id')
    .select(['tariff_plans.code', 'zone', 'band', 'valid_from', 'price_e5'])
    .orderBy('tariff_plans.code')
    .orderBy('zone')
    .orderBy('band')
    .orderBy('valid_from')
    .execute();
  const audit = await db.kysely
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event', '=', 'tariff_price')
    .executeTakeFirstOrThrow();
  return {
    prices: prices.map((p) => `${p.code}/${p.zone}/${p.band}/${p.valid_from}=${Number(p.price_e5)}`),
    audit: Number(audit.n),
  };
}

async function withDb(dialect: 'sqlite' | 'postgres', fn: (db: Db) => Promise<void>): Promise<void> {
  const t: TestDb = await createTestDb(dialect);
  try {
    await ensureReferenceData(t.db.kysely, 2026);
    await fn(t.db);
  } finally {
    await t.drop();
  }
}

/** The report's rows of a line: result, field, message. */
function reportOf(report: string, line: number): string[][] {
  return report
    .replace(/^\ufeff/, '')
    .split('\n')
    .map((row) => row.split(';'))
    .filter((cells) => cells[0] === String(line))
    .map((cells) => [cells[1]!, cells[2]!, cells.slice(3).join(';')]);
}

for (const dialect of await testDialects()) {
  describe(`tariff import (${dialect})`, () => {
    test('the sample: a dry run stores nothing, apply adds every price once, again changes nothing', async () => {
      await withDb(dialect, async (db) => {
        const file = path.join(SAMPLES, 'tariffs.csv');
        const before = await stateOf(db);
        const dry = await importFile(db, file, { apply: false });
        assert.equal(dry.summary.status, 'dry_run');
        assert.deepEqual([dry.summary.records, dry.summary.rejected, dry.summary.counts.added], [6, 0, 6]);
        assert.deepEqual(await stateOf(db), before);
        assert.ok(dry.lines.includes('Строк с ценами: 6; отклонено: 0.'), dry.lines.join('\n'));

        const applied = await importFile(db, file);
        assert.equal(applied.summary.status, 'applied');
        assert.deepEqual(applied.summary.counts, { added: 6, changed: 0, unchanged: 0 });
        const after = await stateOf(db);
        assert.equal(after.audit, 6);
        assert.deepEqual(
          after.prices.filter((p) => p.includes('2027-07-01')),
          [
            'single/single/base/2027-07-01=175000',
            'three-zone/half_peak/base/2027-07-01=338000',
            'three-zone/night/base/2027-07-01=213000',
            'three-zone/peak/base/2027-07-01=458000',
            'two-zone/day/base/2027-07-01=382000',
            'two-zone/night/base/2027-07-01=213000',
          ],
        );
        const audit = await db.kysely
          .selectFrom('audit_log')
          .select(['outcome', 'details'])
          .where('event', '=', 'tariff_price')
          .orderBy('id')
          .executeTakeFirstOrThrow();
        assert.equal(audit.outcome, 'added');
        assert.deepEqual(JSON.parse(audit.details!), {
          plan: 'single',
          zone: 'single',
          band: 'base',
          validFrom: '2027-07-01',
          before: null,
          after: 175_000,
          by: 'admin',
          source: 'import',
          importRun: applied.summary.runId,
        });

        const again = await importFile(db, file);
        assert.deepEqual(again.summary.counts, { added: 0, changed: 0, unchanged: 6 });
        assert.equal(again.summary.alreadyApplied, applied.summary.runId);
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));
        assert.deepEqual(await stateOf(db), after);
      });
    });

    test('a changed price is replaced and noted old → new; a repeated line changes nothing', async () => {
      await withDb(dialect, async (db) => {
        await importFile(db, path.join(SAMPLES, 'tariffs.csv'));
        const file = tmpFile(
          'fix.csv',
          [
            HEADER,
            'single;single;base;01.07.2027;1,80',
            'two-zone;day;;2027-07-01;3.82',
            'single;single;base;01.07.2027;1.8',
            '',
          ].join('\n'),
        );
        const dry = await importFile(db, file, { apply: false });
        assert.deepEqual(dry.summary.counts, { added: 0, changed: 1, unchanged: 2 });
        const { summary, report } = await importFile(db, file);
        assert.deepEqual(summary.counts, { added: 0, changed: 1, unchanged: 2 });
        assert.deepEqual(reportOf(report, 2), [
          ['замечание', 'Цена', 'Цена single/single/base с 01.07.2027 меняется: 1,75000 → 1,80000.'],
        ]);
        assert.deepEqual(reportOf(report, 4), [
          [
            'замечание',
            '',
            'Повтор строки 2: та же цена single/single/base с 01.07.2027, строка ничего не добавляет.',
          ],
        ]);
        assert.ok((await stateOf(db)).prices.includes('single/single/base/2027-07-01=180000'));
        assert.equal((await stateOf(db)).audit, 7);
      });
    });

    test('each bad line is refused with its line number and message, and the file stores nothing', async () => {
      await withDb(dialect, async (db) => {
        await db.kysely
          .insertInto('billing_periods')
          .values({ period: '2026-05', status: 'closed', started_at: 0, closed_at: 0 })
          .execute();
        const file = tmpFile(
          'bad.csv',
          [
            HEADER,
            'single;single;base;01.07.2027;1,75', // 2: good
            'urban;single;base;01.07.2027;1,75', // 3
            'two-zone;peak;base;01.07.2027;4,00', // 4
            'single;single;base;15.07.2027;1,75', // 5
            'single;single;base;31.02.2027;1,75', // 6
            'two-zone;day;base;01.07.2027;-3,82', // 7
            'two-zone;night;base;01.07.2027;дёшево', // 8
            'three-zone;peak;base;01.07.2027;4,580001', // 9
            'single;single;base;01.07.2027;1,76', // 10: line 2's key, another price
            'single;single;base;01.05.2026;1,75', // 11: May 2026 is closed
            'single;single', // 12
            'three-zone;night;base;01.07.2027;2,13', // 13: good
            '',
          ].join('\n'),
        );
        const before = await stateOf(db);
        for (const apply of [false, true]) {
          const { summary, report } = await importFile(db, file, { apply });
          assert.equal(summary.status, 'refused');
          assert.deepEqual([summary.records, summary.rejected], [12, 10]);
          const expected: Array<[number, string, RegExp]> = [
            [3, 'Тариф', /^Тарифа с кодом «urban» нет\. Есть: single, three-zone, two-zone\.$/],
            [4, 'Зона', /^У тарифа «two-zone» 2 зоны \(day, night\): зоны peak у него нет\.$/],
            [5, 'Действует с', /^«15\.07\.2027»: цены меняются только с 1-го числа месяца/],
            [6, 'Действует с', /^«31\.02\.2027»: такой даты нет в календаре\.$/],
            [7, 'Цена', /^«-3,82»: цена не может быть отрицательной\.$/],
            [8, 'Цена', /^«дёшево» — не цена/],
            [9, 'Цена', /^«4,580001»: в цене не больше пяти знаков после запятой/],
            [
              10,
              'Цена',
              /^Цена single\/single\/base с 01\.07\.2027 уже задана в строке 2 \(1,75000\), здесь другая \(1,76000\)/,
            ],
            [
              11,
              'Действует с',
              /^Цену с 01\.05\.2026 записать нельзя: май 2026 г\. уже закрыт.*перерасчётом/,
            ],
            [12, '', /^В строке 2 поля, а нужно не меньше 5/],
          ];
          for (const [line, field, message] of expected) {
            const rows = reportOf(report, line);
            assert.equal(rows.length, 1, `line ${line}: ${JSON.stringify(rows)}`);
            assert.equal(rows[0]![0], 'отклонена');
            assert.equal(rows[0]![1], field, `line ${line}`);
            assert.match(rows[0]![2]!, message, `line ${line}`);
          }
          assert.deepEqual(reportOf(report, 2), []);
          assert.deepEqual(reportOf(report, 13), []);
          assert.match(
            report,
            /файл отклонён;;Файл отклонён целиком: в нём 10 строк\(и\) с ошибками, а таблица цен применяется только вся сразу/,
          );
          assert.deepEqual(await stateOf(db), before);
        }
      });
    });

    test('Windows-1251 with tabs and English names, and .xlsx with date and number cells', async () => {
      await withDb(dialect, async (db) => {
        const cp1251 = tmpFile(
          'tariffs.txt',
          iconv.encode(
            [
              'plan\tzone\tband\tfrom\tprice',
              'two-zone\tДень\t\t01.01.2028\t4,01',
              'two-zone\tночь\t\t01.01.2028\t2,2',
            ].join('\r\n'),
            'windows-1251',
          ),
        );
        const text = await importFile(db, cp1251);
        assert.deepEqual([text.summary.encoding, text.summary.delimiter], ['windows-1251', '\t']);
        assert.deepEqual(text.summary.counts, { added: 2, changed: 0, unchanged: 0 });

        const wb = new ExcelJS.Workbook();
        const ws = wb.addWorksheet('Цены');
        ws.addRow(['Код тарифа', 'Зона', 'Диапазон', 'Действует с', 'Цена, руб./кВт·ч']);
        ws.addRow(['single', 'single', 'base', new Date(Date.UTC(2028, 0, 1)), 1.9]);
        ws.addRow(['two-zone', 'day', 'base', '01.01.2028', 4.01]);
        const xlsx = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-tariffs-')), 'tariffs.xlsx');
        await wb.xlsx.writeFile(xlsx);
        const book = await importFile(db, xlsx);
        assert.equal(book.summary.status, 'applied');
        assert.deepEqual(book.summary.counts, { added: 1, changed: 0, unchanged: 1 });
        const { prices } = await stateOf(db);
        for (const p of [
          'single/single/base/2028-01-01=190000',
          'two-zone/day/base/2028-01-01=401000',
          'two-zone/night/base/2028-01-01=220000',
        ]) {
          assert.ok(prices.includes(p), p);
        }
      });
    });

    test('a file without the header, or with no prices, is refused whole', async () => {
      await withDb(dialect, async (db) => {
        const before = await stateOf(db);
        const noHeader = await importFile(db, tmpFile('a.csv', 'single;single;base;01.07.2027;1,75\n'));
        assert.equal(noHeader.summary.status, 'refused');
        assert.match(
          noHeader.summary.fileErrors.join(' '),
          /^Строка 1: в заголовке нет столбцов «Тариф», «Зона», «Действует с», «Цена»/,
        );
        const onlyHeader = await importFile(db, tmpFile('b.csv', `${HEADER}\n`));
        assert.deepEqual(onlyHeader.summary.fileErrors, [
          'В файле нет ни одной цены: только заголовок или пустые строки.',
        ]);
        const empty = await importFile(db, tmpFile('c.csv', ''));
        assert.match(empty.summary.fileErrors.join(' '), /Файл пуст/);
        assert.deepEqual(await stateOf(db), before);
      });
    });

    test('atomic per file: a closing begun after the check refuses the file after its first batch, and nothing of it stays', async () => {
      await withDb(dialect, async (db) => {
        // More lines than a batch, so that the first batch is written before the last is refused.
        const lines = [HEADER];
        for (let i = 0; i < 250; i++) {
          const month = `${2040 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`;
          lines.push(`single;single;base;${month};2,00`, `single;single;above_norm;${month};3,00`);
        }
        lines.push('single;single;base;2027-01-01;1,90');
        const file = tmpFile('big.csv', lines.join('\n'));
        const ref = await loadTariffReference(db.kysely);
        await db.kysely
          .insertInto('billing_periods')
          .values({ period: '2027-01', status: 'closing', started_at: 0, closed_at: null })
          .execute();
        const before = await stateOf(db);
        const { summary, report } = await importFile(db, file, { ref });
        assert.equal(summary.status, 'refused');
        assert.deepEqual(summary.counts, { added: 0, changed: 0, unchanged: 0 });
        assert.deepEqual(summary.fileErrors, [
          'Ничего не записано: Цену с 01.01.2027 записать нельзя: январь 2027 г. сейчас закрывается, а начисления закрытых месяцев меняются перерасчётом (recalculate), а не новыми ценами. Новая цена может действовать с 01.02.2027 или позже.',
        ]);
        assert.match(report, /\n;файл отклонён;;Ничего не записано: Цену с 01\.01\.2027 записать нельзя/);
        assert.deepEqual(await stateOf(db), before);
        const runs = await db.kysely.selectFrom('import_runs').select(['id', 'status']).execute();
        assert.deepEqual(
          runs.map((r) => [Number(r.id), r.status]),
          [[summary.runId, 'refused']],
          'the applying run stayed',
        );
      });
    });
  });
}
