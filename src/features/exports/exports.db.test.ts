import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import {
  bytesOf,
  exportsSetUp,
  FORMULA_SURNAME,
  recordsOf,
  textOf,
  type ExportsSetUp,
} from '../../../test/exports-support.ts';
import {
  balancesExport,
  BALANCES_COLUMNS,
  chargesExport,
  CHARGES_COLUMNS,
  debtorsExport,
  ExportRefused,
  paymentsExport,
  PAYMENTS_COLUMNS,
  type ExportFile,
} from './exports.service.ts';
import type { ExportEncoding } from './csv.ts';
import * as repo from './exports.repository.ts';
import * as registryRepo from './registry.repository.ts';

// Every export's columns and values on a small set-up (exports-support.ts: April and May closed,
// a debt, a credit, a formula for a surname), in both encodings, on both databases.

const NEUTRALISED = `'${FORMULA_SURNAME} Анна Ивановна`;
const ADDRESS = 'г. Абакан, ул. Ленина, 1';

for (const dialect of await testDialects()) {
  describe(`exports (${dialect})`, () => {
    let t: TestDb;
    let s: ExportsSetUp;
    before(async () => {
      t = await createTestDb(dialect);
      s = await exportsSetUp(t.db);
    });
    after(async () => t.drop());

    async function read(file: ExportFile, encoding: ExportEncoding): Promise<string[][]> {
      return recordsOf(await bytesOf(file.open()), encoding);
    }

    for (const encoding of ['utf8', 'cp1251'] as const) {
      test(`charges of May in ${encoding}: the documented columns, rubles with a comma, the formula neutralised`, async () => {
        const file = await chargesExport(t.db.kysely, { period: '2026-05', encoding });
        assert.equal(file.fileName, 'charges-2026-05.csv');
        assert.equal(file.contentType, `text/csv; charset=${encoding === 'utf8' ? 'utf-8' : 'windows-1251'}`);
        const [header, ...rows] = await read(file, encoding);
        assert.deepEqual(
          header,
          CHARGES_COLUMNS.map((c) => c.title),
        );
        assert.equal(header?.length, 14);
        assert.deepEqual(rows, [
          [
            '1000000001',
            'Иванова Анна Ивановна',
            ADDRESS,
            '2026-05',
            'по показаниям',
            '810',
            '1,61000',
            '1304,10',
            '7',
            '12,34',
            '-5,00',
            '500,00',
            '1600,00',
            '211,44',
          ],
          [
            '1000000002',
            NEUTRALISED,
            ADDRESS,
            '2026-05',
            'по нормативу',
            '0',
            '1,61000',
            '500,00',
            '0',
            '0,00',
            '0,00',
            '2000,00',
            '0,00',
            '2500,00',
          ],
          [
            '1000000003',
            'Петрова Анна Ивановна',
            ADDRESS,
            '2026-05',
            'по нормативу',
            '0',
            '1,61000',
            '0,00',
            '0',
            '0,00',
            '0,00',
            '-100,00',
            '200,00',
            '-300,00',
          ],
          [
            '1000000004',
            'Сидорова Анна Ивановна',
            ADDRESS,
            '2026-05',
            'по нормативу',
            '0',
            '1,61000',
            '1500,00',
            '0',
            '0,00',
            '0,00',
            '0,00',
            '0,00',
            '1500,00',
          ],
        ]);
        assert.equal(file.rows, 4);
      });
    }

    test('the Windows-1251 file is not UTF-8: its Cyrillic is one byte a letter, with no BOM', async () => {
      const utf = await bytesOf(
        (await chargesExport(t.db.kysely, { period: '2026-05', encoding: 'utf8' })).open(),
      );
      const cp = await bytesOf(
        (await chargesExport(t.db.kysely, { period: '2026-05', encoding: 'cp1251' })).open(),
      );
      assert.notEqual(cp[0], 0xef);
      // «Л» of «Лицевой счёт»: 0xCB in Windows-1251.
      assert.equal(cp[0], 0xcb);
      assert.ok(cp.length < utf.length);
      assert.equal(textOf(cp, 'cp1251'), textOf(utf, 'utf8'));
    });

    test('a period not closed, or still closing, is refused before a byte', async () => {
      await assert.rejects(
        chargesExport(t.db.kysely, { period: '2026-07', encoding: 'utf8' }),
        (e: unknown) => e instanceof ExportRefused && /Период 2026-07 не закрыт/.test(e.message),
      );
      await assert.rejects(
        chargesExport(t.db.kysely, { period: '2026-06', encoding: 'utf8' }),
        (e: unknown) => e instanceof ExportRefused && /2026-06 ещё закрывается/.test(e.message),
      );
    });

    test('balances on 10 June: the May debt less the payments since; a credit negative; no charge at all', async () => {
      const file = balancesExport(t.db.kysely, { date: '2026-06-10', today: '2026-06-10', encoding: 'utf8' });
      assert.equal(file.fileName, 'balances-2026-06-10.csv');
      const [header, ...rows] = await read(file, 'utf8');
      assert.deepEqual(
        header,
        BALANCES_COLUMNS.map((c) => c.title),
      );
      const row = (n: string) => rows.find((r) => r[0] === n)?.slice(3);
      assert.deepEqual(row('1000000001'), ['10.06.2026', '2026-05', '211,44', '100,00', '111,44']);
      assert.deepEqual(row('1000000002'), ['10.06.2026', '2026-05', '2500,00', '0,00', '2500,00']);
      assert.deepEqual(row('1000000003'), ['10.06.2026', '2026-05', '-300,00', '0,00', '-300,00']);
      assert.deepEqual(row('1700000005'), ['10.06.2026', '', '0,00', '50,00', '-50,00']);
      assert.equal(rows.length, 5);
      assert.equal(rows[1]![1], NEUTRALISED);
    });

    test('balances on 15 May: April is the last period billed by then, and the 20 May payment is not yet in', async () => {
      const rows = await read(
        balancesExport(t.db.kysely, { date: '2026-05-15', today: '2026-06-10', encoding: 'utf8' }),
        'utf8',
      );
      const row = (n: string) => rows.find((r) => r[0] === n)?.slice(4);
      assert.deepEqual(row('1000000001'), ['2026-04', '500,00', '0,00', '500,00']);
      // The post payment of 10 May came after April's billing date.
      assert.deepEqual(row('1000000003'), ['2026-04', '-100,00', '200,00', '-300,00']);
    });

    test('a balance on a date to come is refused', () => {
      assert.throws(
        () => balancesExport(t.db.kysely, { date: '2026-06-11', today: '2026-06-10', encoding: 'utf8' }),
        (e: unknown) =>
          e instanceof ExportRefused && e.field === 'date' && /ещё не наступила/.test(e.message),
      );
    });

    test('payments of May and of June: date, account, amount, commission, channel, source, external id', async () => {
      const may = await read(
        paymentsExport(t.db.kysely, { from: '2026-05-01', to: '2026-05-31', encoding: 'cp1251' }),
        'cp1251',
      );
      assert.deepEqual(
        may[0],
        PAYMENTS_COLUMNS.map((c) => c.title),
      );
      assert.deepEqual(
        may.slice(1).map((r) => r.slice(1)),
        [
          [
            '20.05.2026',
            '1000000001',
            'Иванова Анна Ивановна',
            '1600,00',
            '16,00',
            'Банк',
            'Сбербанк',
            'registry:sberbank:100000000001',
          ],
          ['10.05.2026', '1000000003', 'Петрова Анна Ивановна', '200,00', '0,00', 'Почта России', '', ''],
        ],
      );
      const june = await read(
        paymentsExport(t.db.kysely, { from: '2026-06-01', to: '2026-06-30', encoding: 'utf8' }),
        'utf8',
      );
      assert.deepEqual(
        june.slice(1).map((r) => [r[2], r[4], r[6], r[8]]),
        [
          ['1000000001', '100,00', 'Банковская карта', 'order-7'],
          // An external id that starts like a formula is text from outside: neutralised.
          ['1700000005', '50,00', 'Касса', "'@cmd"],
        ],
      );
      assert.throws(
        () => paymentsExport(t.db.kysely, { from: '2026-06-02', to: '2026-06-01', encoding: 'utf8' }),
        ExportRefused,
      );
    });

    test('debtors: over 1000 rub. for 2 months takes the account with two such months, not the one with one', async () => {
      const two = await read(
        await debtorsExport(t.db.kysely, { minKop: 100_000, months: 2, encoding: 'utf8' }),
        'utf8',
      );
      assert.deepEqual(two.slice(1), [['1000000002', NEUTRALISED, ADDRESS, '2500,00', '2', '2026-04', '']]);
      const one = await read(
        await debtorsExport(t.db.kysely, { minKop: 100_000, months: 1, encoding: 'utf8' }),
        'utf8',
      );
      assert.deepEqual(
        one.slice(1).map((r) => [r[0], r[3], r[4], r[5]]),
        [
          ['1000000002', '2500,00', '2', '2026-04'],
          ['1000000004', '1500,00', '1', '2026-05'],
        ],
      );
      const three = await read(
        await debtorsExport(t.db.kysely, { minKop: 100_000, months: 3, encoding: 'utf8' }),
        'utf8',
      );
      assert.equal(three.length, 1, 'only the header: nobody owes over 1000 rub. three months in a row');
    });

    test('debtors: "over" is strict, and a month at the threshold ends the run', async () => {
      // A at 500,00 in April and 211,44 in May; over 211,44 is not 211,44.
      const rows = await read(
        await debtorsExport(t.db.kysely, { minKop: 21_144, months: 1, encoding: 'utf8' }),
        'utf8',
      );
      assert.ok(!rows.some((r) => r[0] === '1000000001'));
      const lower = await read(
        await debtorsExport(t.db.kysely, { minKop: 21_143, months: 2, encoding: 'utf8' }),
        'utf8',
      );
      assert.deepEqual(
        lower.slice(1).map((r) => [r[0], r[4], r[6]]),
        [
          ['1000000001', '2', '20.05.2026'],
          ['1000000002', '2', ''],
        ],
      );
      // The period asked for must be closed; April alone gives B one month.
      const april = await read(
        await debtorsExport(t.db.kysely, { minKop: 100_000, months: 1, period: '2026-04', encoding: 'utf8' }),
        'utf8',
      );
      assert.deepEqual(
        april.slice(1).map((r) => [r[0], r[3], r[4]]),
        [['1000000002', '2000,00', '1']],
      );
      await assert.rejects(
        debtorsExport(t.db.kysely, { minKop: 0, months: 1, period: '2026-06', encoding: 'utf8' }),
        ExportRefused,
      );
    });

    test('the pages follow on by account id: one row a page gives the rows of one big page', async () => {
      const all = async <T extends { accountId: number }>(page: (after: number) => Promise<T[]>) => {
        const out: number[] = [];
        for (let after = 0, rows = await page(after); rows.length > 0; rows = await page(after)) {
          assert.equal(rows.length, 1);
          out.push(...rows.map((r) => r.accountId));
          after = rows[0]!.accountId;
        }
        return out;
      };
      const k = t.db.kysely;
      assert.deepEqual(await all((after) => repo.chargesPage(k, '2026-05', after, 1)), [s.a, s.b, s.c, s.d]);
      assert.deepEqual(await all((after) => repo.balancesPage(k, '2026-06-10', after, 1)), [
        s.a,
        s.b,
        s.c,
        s.d,
        s.e,
      ]);
      // D owes over 0 in May only, one month: not a debtor for two.
      assert.deepEqual(await all((after) => repo.debtorsPage(k, '2026-05', 0, 2, after, 1)), [s.a, s.b]);
      assert.deepEqual(await all((after) => registryRepo.registryPage(k, '2026-05', null, after, 1)), [
        s.a,
        s.b,
        s.c,
        s.d,
      ]);
    });
  });
}
