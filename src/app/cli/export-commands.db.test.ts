import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEnvFor, createTestDb, type TestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import { bytesOf, exportsSetUp, FORMULA_SURNAME, recordsOf, textOf } from '../../../test/exports-support.ts';
import { debtsRegistryExport, ExportRefused } from '../../features/exports/exports.service.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// The export-* commands as an accountant runs them (child processes), and the debts registry's
// file name, number and lines: on both databases.

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const INN = '1901000017';
/** The Черногорск branch's account (the first branch, whose accounts the set-up adds). */
const ACCOUNT = '40702810171020110607';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(dbUrl: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      portalArgs('cli', args),
      { cwd: ROOT, env: cliEnvFor(dbUrl, { LOG_LEVEL: 'silent' }) },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
      },
    );
  });
}

for (const dialect of await testDialects()) {
  describe(`export commands (${dialect})`, () => {
    let t: TestDb;
    let dir: string;
    before(async () => {
      t = await createTestDb(dialect);
      await exportsSetUp(t.db);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-exports-'));
    });
    after(async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      await t.drop();
    });

    test('the registry: INN_ACCOUNT_NNN_MMYY.txt numbered 001, 002 in a month, 001 again in another', async () => {
      const k = t.db.kysely;
      const at = new Date('2026-06-10T05:00:00Z');
      const first = await debtsRegistryExport(k, {
        period: '2026-05',
        branch: 'chernogorsk',
        staffUserId: null,
        at,
      });
      assert.equal(first.fileName, `${INN}_${ACCOUNT}_001_0526.txt`);
      assert.equal(first.contentType, 'text/plain; charset=windows-1251');
      const bytes = await bytesOf(first.open());
      // Windows-1251, no BOM, no header: account; name; address; period MMYY; the amount due.
      assert.equal(bytes[0], 0x31);
      const lines = textOf(bytes, 'cp1251').split('\r\n');
      assert.deepEqual(lines, [
        '1000000001;Иванова Анна Ивановна;г. Абакан, ул. Ленина, 1;0526;211,44',
        `1000000002;'${FORMULA_SURNAME} Анна Ивановна;г. Абакан, ул. Ленина, 1;0526;2500,00`,
        // An overpayment is nothing to pay.
        '1000000003;Петрова Анна Ивановна;г. Абакан, ул. Ленина, 1;0526;0,00',
        '1000000004;Сидорова Анна Ивановна;г. Абакан, ул. Ленина, 1;0526;1500,00',
        '',
      ]);
      const second = await debtsRegistryExport(k, {
        period: '2026-05',
        branch: 'chernogorsk',
        staffUserId: null,
        at,
      });
      assert.equal(second.fileName, `${INN}_${ACCOUNT}_002_0526.txt`);
      const april = await debtsRegistryExport(k, {
        period: '2026-04',
        branch: 'chernogorsk',
        staffUserId: null,
        at,
      });
      assert.equal(april.fileName, `${INN}_${ACCOUNT}_001_0426.txt`);
      // Another INN and account given: numbered on their own, every account of every branch.
      const other = await debtsRegistryExport(k, {
        period: '2026-05',
        inn: '123456789012',
        account: '40702810000000000001',
        staffUserId: null,
        at,
      });
      assert.equal(other.fileName, '123456789012_40702810000000000001_001_0526.txt');
      // A file that could not be made gives its number back.
      const third = await debtsRegistryExport(k, {
        period: '2026-05',
        branch: 'chernogorsk',
        staffUserId: null,
        at,
      });
      assert.equal(third.fileName, `${INN}_${ACCOUNT}_003_0526.txt`);
      await third.failed();
      const again = await debtsRegistryExport(k, {
        period: '2026-05',
        branch: 'chernogorsk',
        staffUserId: null,
        at,
      });
      assert.equal(again.fileName, `${INN}_${ACCOUNT}_003_0526.txt`);
    });

    test('registries made at the same moment get different numbers', async () => {
      const k = t.db.kysely;
      const at = new Date();
      const files = await Promise.all(
        Array.from({ length: 5 }, () =>
          debtsRegistryExport(k, {
            period: '2026-04',
            inn: '1111111111',
            account: ACCOUNT,
            staffUserId: null,
            at,
          }),
        ),
      );
      assert.deepEqual(
        files.map((f) => f.fileName).sort(),
        ['001', '002', '003', '004', '005'].map((n) => `1111111111_${ACCOUNT}_${n}_0426.txt`),
      );
    });

    test('the registry is refused for a period not closed, and without a branch when there are several', async () => {
      const k = t.db.kysely;
      const at = new Date();
      const before = await k.selectFrom('debt_registry_files').select('id').execute();
      await assert.rejects(
        debtsRegistryExport(k, { period: '2026-06', branch: 'chernogorsk', staffUserId: null, at }),
        (e: unknown) => e instanceof ExportRefused && /2026-06 ещё закрывается/.test(e.message),
      );
      await assert.rejects(
        debtsRegistryExport(k, { period: '2026-05', staffUserId: null, at }),
        (e: unknown) =>
          e instanceof ExportRefused && /Укажите филиал.*chernogorsk, abakan, smo/.test(e.message),
      );
      await assert.rejects(
        debtsRegistryExport(k, { period: '2026-05', branch: 'nowhere', staffUserId: null, at }),
        (e: unknown) => e instanceof ExportRefused && /Филиала «nowhere» нет/.test(e.message),
      );
      assert.equal((await k.selectFrom('debt_registry_files').select('id').execute()).length, before.length);
    });

    test('export-charges writes the file in Windows-1251; export-debts-registry takes the next number', async () => {
      const out = path.join(dir, 'charges.csv');
      const run = await cli(
        t.url,
        'export-charges',
        '--period',
        '2026-05',
        '--encoding',
        'cp1251',
        '--out',
        out,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /Записано строк: 4/);
      const rows = recordsOf(fs.readFileSync(out), 'cp1251');
      assert.equal(rows[0]![0], 'Лицевой счёт');
      assert.deepEqual(rows[1]!.slice(-1), ['211,44']);
      const reg = await cli(
        t.url,
        'export-debts-registry',
        '--period',
        '2026-05',
        '--branch',
        'chernogorsk',
        '--dir',
        dir,
      );
      assert.equal(reg.code, 0, reg.stderr);
      // The numbers 001–003 were taken by the test above.
      assert.ok(fs.existsSync(path.join(dir, `${INN}_${ACCOUNT}_004_0526.txt`)));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['charges.csv', `${INN}_${ACCOUNT}_004_0526.txt`].sort());
    });

    test('bad arguments: a Russian message, exit 2, and no file left behind', async () => {
      const empty = fs.mkdtempSync(path.join(dir, 'bad-'));
      const cases: Array<[string[], RegExp]> = [
        [
          ['export-charges', '--period', '2026-07', '--out', path.join(empty, 'c.csv')],
          /Период 2026-07 не закрыт/,
        ],
        [
          ['export-balances', '--date', '2026-02-31', '--out', path.join(empty, 'b.csv')],
          /Даты 2026-02-31 нет в календаре/,
        ],
        [
          ['export-debtors', '--min-rub', '-5', '--months', '2', '--out', path.join(empty, 'd.csv')],
          /не может быть отрицательной/,
        ],
        [
          [
            'export-payments',
            '--from',
            '2026-06-02',
            '--to',
            '2026-06-01',
            '--out',
            path.join(empty, 'p.csv'),
          ],
          /позже его конца/,
        ],
        [['export-debts-registry', '--period', '2026-13', '--dir', empty], /не период/],
      ];
      for (const [args, message] of cases) {
        const run = await cli(t.url, ...args);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message, args.join(' '));
      }
      assert.deepEqual(fs.readdirSync(empty), []);
    });
  });
}
