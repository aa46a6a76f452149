import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { rowsOf } from '../../../test/imports-support.ts';
import { importFile, sber, sberFile, stateOf, tmpFile, withDb } from './registry-fixture.db.test.ts';

// A reading carried in a registry line goes through the readings service: a suspicious one is
// held for review, an invalid one is refused with a note on its own line; the payment is
// credited either way.

const withReading = (op: string, reading: string) => sber(op).replace(/;$/, `;${reading}`);

for (const dialect of await testDialects()) {
  describe(`readings carried by registry payments (${dialect})`, () => {
    test('a suspicious reading is held for review, an invalid one refused; the payments credited', async () => {
      await withDb(dialect, async ({ db }) => {
        // Line 1 carries no reading; 2 a reading that is no number; 3 one below the last (a
        // rollover of the register: suspicious).
        const lines = [sber('r-1'), withReading('r-2', 'двести'), withReading('r-3', '100')];
        const file = tmpFile('readings.txt', sberFile(lines, '=3;300,00;3,00;297,00'));
        const { summary, report } = await importFile(db, file);
        assert.equal(summary.status, 'applied', report);
        assert.deepEqual(
          [summary.counts.credited, summary.counts.readingStored, summary.counts.readingRefused],
          [3, 1, 1],
        );
        assert.deepEqual(rowsOf(report, 1), []);
        const refused = rowsOf(report, 2);
        assert.equal(refused.length, 1, report);
        assert.deepEqual(refused[0]!.slice(0, 2), ['замечание', 'Показание']);
        assert.match(refused[0]![2]!, /^Показание не принято: /);
        assert.deepEqual(rowsOf(report, 3), []);

        const s = await stateOf(db);
        assert.deepEqual([s.payments, s.kop, s.bankReadings], [3, 30_000, 1]);
        const held = await db.kysely
          .selectFrom('readings')
          .select(['value1', 'status', 'reading_date'])
          .where('channel', '=', 'bank')
          .executeTakeFirstOrThrow();
        assert.deepEqual(
          [Number(held.value1), held.status, held.reading_date],
          [100, 'review', '2026-06-05'],
        );
      });
    });
  });
}
