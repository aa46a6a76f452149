import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import type { Db } from '../../platform/db/connect.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { gridReadingsFormat } from './readings.format.ts';
import { changesNothing } from './summary.ts';

// The network company's readings (issue 19, item 5) through the import engine: stored with
// channel 'grid' by the customer's rules (zones, digits, the review hold), bad lines rejected
// with their line numbers and Russian messages, nothing stored by a dry run, the same file twice
// stores nothing.

const NOW = '2026-06-10T05:00:00.000Z';
const SAMPLE = path.join(import.meta.dirname, '../../../samples/readings.csv');
const DEMO = '1705057190'; // meter 168077: 5 digits, 1 zone, last accepted reading below 28 550

async function importFile(
  db: Db,
  file: string,
  apply: boolean,
): Promise<{ summary: ImportSummary; report: string[][] }> {
  const clock = new ManualClock(NOW);
  const format = gridReadingsFormat({ clock, timeZone: 'Asia/Krasnoyarsk', readingsLastDay: 25 });
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-grid-report-')), 'report.csv');
  const summary = await runImport(db.kysely, format, file, { apply, clock, reportPath });
  const report = fs
    .readFileSync(reportPath, 'utf8')
    .replace(/^\ufeff/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(';'));
  return { summary, report };
}

function tmpFile(content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-grid-')), 'readings.csv');
  fs.writeFileSync(file, content);
  return file;
}

async function gridReadings(db: Db) {
  const rows = await db.kysely
    .selectFrom('readings')
    .innerJoin('meters', 'meters.id', 'readings.meter_id')
    .select([
      'meters.serial',
      'readings.reading_date',
      'readings.value1',
      'readings.value2',
      'readings.status',
    ])
    .where('readings.channel', '=', 'grid')
    // The demo's history has the network company's rounds of earlier years.
    .where('readings.reading_date', '>=', '2026-06-01')
    .orderBy('meters.serial')
    .execute();
  return rows.map((r) => ({
    serial: r.serial,
    date: r.reading_date,
    values: [r.value1, r.value2].filter((v) => v !== null).map(Number),
    status: r.status,
  }));
}

async function readingsCount(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function withDb(dialect: 'sqlite' | 'postgres', fn: (t: TestDb) => Promise<void>): Promise<void> {
  const t = await createTestDb(dialect);
  try {
    await ensureDemoData(t.db, new Date(NOW));
    // Two more accounts: a two-zone meter and a single-zone one, both 6 digits, no readings yet.
    await addAccount(t.db, { number: '1700000011', surname: 'Петрова', serial: 'Z-200' });
    await t.db.kysely.updateTable('meters').set({ zones: 2 }).where('serial', '=', 'Z-200').execute();
    await addAccount(t.db, { number: '1700000022', surname: 'Сидоров', serial: 'S-300' });
    await fn(t);
  } finally {
    await t.drop();
  }
}

const FILE = [
  'Лицевой счёт;Счётчик;Дата;Т1;Т2;Т3',
  `${DEMO};;05.06.2026;28550;;`, // 2: by the account: accepted
  ';Z-200;05.06.2026;1200;800;', // 3: by the serial, two zones: accepted
  '1700000022;S-300;05.06.2026;60000;;', // 4: 60 000 kWh since 0: held for review
  '1799999999;;05.06.2026;100;;', // 5: no such account
  ';X-404;05.06.2026;100;;', // 6: no such meter
  `${DEMO};Z-200;05.06.2026;100;;`, // 7: a serial of another account
  '1700000022;;31.02.2026;100;;', // 8: no such date
  `;168077;04.06.2026;123456;;`, // 9: six digits on a five-digit meter
  ';Z-200;04.06.2026;1200;;', // 10: one value for a two-zone meter
  '1700000022;;04.06.2026;-5;;', // 11: negative
  ';Z-200;05.06.2026;1200;800;', // 12: repeats line 3
  ';;05.06.2026;100;;', // 13: neither account nor meter
  '1700000022;;11.06.2026;100;;', // 14: tomorrow
  '',
].join('\r\n');

/** The report's rows as line → messages. */
function rejectedByLine(report: string[][]): Map<number, string> {
  const out = new Map<number, string>();
  for (const [line, kind, , message] of report) {
    if (kind === 'отклонена') {
      out.set(Number(line), `${out.get(Number(line)) ?? ''}${message}`);
    }
  }
  return out;
}

for (const dialect of await testDialects()) {
  describe(`network readings import (${dialect})`, () => {
    test('a dry run stores nothing and says what each line would do, with line-numbered messages', async () => {
      await withDb(dialect, async (t) => {
        const before = await readingsCount(t.db);
        const { summary, report } = await importFile(t.db, tmpFile(FILE), false);
        assert.equal(summary.status, 'dry_run');
        assert.equal(await readingsCount(t.db), before);
        assert.equal(summary.records, 13);
        assert.equal(summary.counts.readingStored, 2);
        assert.equal(summary.counts.readingReview, 1);
        assert.equal(summary.rejected, 10);
        const rejected = rejectedByLine(report);
        assert.deepEqual(
          [...rejected.keys()].sort((a, b) => a - b),
          [5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        );
        assert.match(rejected.get(5)!, /Лицевого счёта 1799999999 нет в портале/);
        assert.match(rejected.get(6)!, /Счётчика с заводским номером X-404 нет/);
        assert.match(
          rejected.get(7)!,
          /Z-200 стоит на другом лицевом счёте \(1700000011\), а не на 1705057190/,
        );
        assert.match(rejected.get(8)!, /31\.02\.2026.*такой даты нет/);
        assert.match(rejected.get(9)!, /у счётчика № 168077 5 разрядов, а в показании 6 цифр/);
        assert.match(rejected.get(10)!, /Показаний 1, а счётчик № Z-200 двухзонный/);
        assert.match(rejected.get(11)!, /не может быть отрицательным/);
        assert.match(rejected.get(12)!, /повторяет строку 3/);
        assert.match(rejected.get(13)!, /ни лицевой счёт, ни заводской номер/);
        assert.match(rejected.get(14)!, /ещё не наступила/);
      });
    });

    test('apply stores the good lines with channel grid, holds the suspicious one; again changes nothing', async () => {
      await withDb(dialect, async (t) => {
        const file = tmpFile(FILE);
        const first = await importFile(t.db, file, true);
        assert.equal(first.summary.status, 'applied');
        assert.equal(first.summary.counts.readingStored, 2);
        assert.equal(first.summary.counts.readingReview, 1);
        assert.equal(first.summary.rejected, 10);
        assert.deepEqual(await gridReadings(t.db), [
          { serial: '168077', date: '2026-06-05', values: [28550], status: 'accepted' },
          { serial: 'S-300', date: '2026-06-05', values: [60000], status: 'review' },
          { serial: 'Z-200', date: '2026-06-05', values: [1200, 800], status: 'accepted' },
        ]);
        const count = await readingsCount(t.db);

        const again = await importFile(t.db, file, true);
        assert.equal(again.summary.counts.readingUnchanged, 3);
        assert.ok(changesNothing(again.summary));
        assert.equal(await readingsCount(t.db), count);

        // Another value for the same meter and day: not stored, and the report says so.
        const other = await importFile(t.db, tmpFile(`${DEMO};;05.06.2026;28600;;\r\n`), true);
        assert.equal(other.summary.counts.readingUnchanged, 1);
        assert.ok(changesNothing(other.summary));
        assert.match(other.report.map((r) => r[3]).join(' '), /уже записано показание 28550/);
        assert.equal(await readingsCount(t.db), count);
      });
    });

    test('the sample, in Windows-1251: one reading accepted, one unknown account rejected', async () => {
      await withDb(dialect, async (t) => {
        const file = tmpFile(iconv.encode(fs.readFileSync(SAMPLE, 'utf8'), 'windows-1251'));
        const { summary, report } = await importFile(t.db, file, true);
        assert.equal(summary.encoding, 'windows-1251');
        assert.equal(summary.counts.readingStored, 1);
        assert.equal(summary.rejected, 1);
        assert.deepEqual([...rejectedByLine(report).keys()], [3]);
      });
    });
  });
}
