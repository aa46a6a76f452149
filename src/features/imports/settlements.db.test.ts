import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  addAccount,
  Agent,
  createTestApp,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { settlementsFormat } from './settlements.format.ts';
import { summaryLines } from './summary.ts';

// Settlement codes as reference data: settlements-load through the import engine, and the login
// and the /individuals page reading the codes from the settlements table.

const SAMPLE = path.join(import.meta.dirname, '../../../samples/settlements.csv');

function tmpFile(content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-settlements-')), 'settlements.csv');
  fs.writeFileSync(file, content);
  return file;
}

async function load(
  db: Db,
  file: string,
  opts: { apply?: boolean; full?: boolean } = {},
): Promise<{ summary: ImportSummary; report: string; lines: string[] }> {
  const clock = new ManualClock('2026-06-10T05:00:00.000Z');
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const format = settlementsFormat({ full: opts.full ?? false });
  const summary = await runImport(db.kysely, format, file, { apply: opts.apply ?? true, clock, reportPath });
  return {
    summary,
    report: fs.readFileSync(reportPath, 'utf8'),
    lines: summaryLines(summary, format.labels, 'Строк с населёнными пунктами'),
  };
}

async function settlements(db: Db): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('settlements as s')
    .leftJoin('branches as b', 'b.id', 's.branch_id')
    .select(['s.code', 's.name', 'b.code as branch'])
    .orderBy('s.code')
    .execute();
  return rows.map((r) => `${r.code} ${r.name} ${r.branch ?? '-'}`);
}

async function accountMessage(t: TestApp, account: string): Promise<{ status: number; message: string }> {
  const res = await new Agent(t.app, '10.9.0.1').login(account, 'Иванов');
  const m = /id="cabinet-account-error"[^>]*>([^<]*)</.exec(res.body);
  return { status: res.statusCode, message: m?.[1] ?? '' };
}

for (const dialect of await testDialects()) {
  describe(`settlement codes as reference data (${dialect})`, () => {
    test('the login checks the codes of the settlements table, with the same messages', async () => {
      const t = await createTestApp(dialect);
      try {
        assert.deepEqual(await accountMessage(t, '9905057190'), {
          status: 400,
          message:
            'Номер лицевого счёта начинается с кода населённого пункта; кода «99» нет. Проверьте номер по квитанции (поле «Код абонента»).',
        });
        const individuals = textOf((await new Agent(t.app).get('/individuals')).body);
        assert.doesNotMatch(individuals, /Новый посёлок/);
        assert.match(individuals, /Черногорск и Пригорск 17/);

        await load(t.db, tmpFile('99;Новый посёлок\n'));
        // A code loaded is a code the login knows: now the number is checked against the accounts.
        const known = await accountMessage(t, '9905057190');
        assert.equal(known.status, 401);
        assert.equal(known.message, '');
        assert.match(textOf((await new Agent(t.app).get('/individuals')).body), /Новый посёлок 99/);

        // A code removed is a code the login refuses.
        await load(t.db, tmpFile('17;Черногорск и Пригорск\n99;Новый посёлок\n'), { full: true });
        assert.match((await accountMessage(t, '1505057190')).message, /кода «15» нет/);
      } finally {
        await t.close();
      }
    });

    test('settlements-load: a dry run stores nothing; apply adds and renames; the same file again changes nothing', async () => {
      const t = await createTestApp(dialect);
      try {
        const before = await settlements(t.db);
        const file = tmpFile(
          'Код;Населённый пункт;Отделение\n17;г. Черногорск;chernogorsk\n30;Новый район;smo\n10;Усть-Абаканский район и Абакан;abakan\n',
        );
        const dry = await load(t.db, file, { apply: false });
        assert.equal(dry.summary.status, 'dry_run');
        assert.deepEqual(
          [dry.summary.counts.added, dry.summary.counts.changed, dry.summary.counts.unchanged],
          [1, 1, 1],
        );
        assert.deepEqual(await settlements(t.db), before);

        const applied = await load(t.db, file);
        assert.deepEqual(
          [applied.summary.counts.added, applied.summary.counts.changed, applied.summary.counts.unchanged],
          [1, 1, 1],
        );
        const after = await settlements(t.db);
        assert.ok(after.includes('17 г. Черногорск chernogorsk'));
        assert.ok(after.includes('30 Новый район smo'));
        // Not a full file: the codes it does not name stay.
        assert.equal(after.length, before.length + 1);

        const again = await load(t.db, file);
        assert.deepEqual([again.summary.counts.added, again.summary.counts.changed], [0, 0]);
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));
      } finally {
        await t.close();
      }
    });

    test('--full removes the unused codes missing from the file and keeps, reported, those accounts have', async () => {
      const t = await createTestApp(dialect);
      try {
        await addAccount(t.db, { number: '2000000012', surname: 'Саяногорский' });
        const dry = await load(t.db, SAMPLE, { apply: false, full: true });
        // 13 demo codes; the sample names 10, 17, 20. 17 (the demo account) and 20 are in use,
        // and in the file; the other ten are not in use.
        assert.equal(dry.summary.counts.removed, 10);
        assert.equal((await settlements(t.db)).length, 13);

        await addAccount(t.db, { number: '1500000012', surname: 'Ширинский' });
        const { summary, report } = await load(t.db, SAMPLE, { full: true });
        assert.equal(summary.counts.removed, 9);
        assert.equal(summary.counts.kept, 1);
        assert.match(
          report,
          /\n;замечание;Код;Кода «15» нет в файле, но у лицевых счетов \(1\) он есть: код оставлен\./,
        );
        assert.match(report, /\n;замечание;Код;Кода «25» нет в файле, лицевых счетов с ним нет: удалён\./);
        assert.deepEqual(
          (await settlements(t.db)).map((s) => s.slice(0, 2)),
          ['10', '15', '17', '20'],
        );
      } finally {
        await t.close();
      }
    });

    test('bad lines are refused with their line numbers; a file with no code is refused whole', async () => {
      const t = await createTestApp(dialect);
      try {
        const before = await settlements(t.db);
        const file = tmpFile(
          [
            '30;Хороший',
            '7;Короткий код',
            'ab;Буквы',
            '31',
            '30;Повтор',
            '32;=HYPERLINK("http://evil.example")',
            '33;Посёлок;nowhere',
          ].join('\n'),
        );
        const { summary, report } = await load(t.db, file);
        assert.equal(summary.rejected, 6);
        assert.equal(summary.counts.added, 1);
        const expect: Array<[number, RegExp]> = [
          [2, /;Код;«7» — не код населённого пункта: код — две цифры/],
          [3, /;Код;«ab» — не код населённого пункта/],
          [4, /;;В строке 1 поле, а нужно не меньше 2/],
          [5, /;Код;Код «30» уже есть в строке 1 этого файла\./],
          [6, /;Название;.*начинается со знака «=», как формула/],
          [7, /;Отделение;"?Отделения «nowhere» нет; есть: abakan, chernogorsk, smo\./],
        ];
        for (const [n, message] of expect) {
          const row = report.split('\n').find((r) => r.startsWith(`${n};отклонена;`));
          assert.ok(row, `line ${n}:\n${report}`);
          assert.match(row, message);
        }
        assert.deepEqual(await settlements(t.db), [...before, '30 Хороший -'].sort());

        for (const content of ['', 'Код;Название\n']) {
          const refused = await load(t.db, tmpFile(content));
          assert.equal(refused.summary.status, 'refused');
        }
      } finally {
        await t.close();
      }
    });
  });
}
