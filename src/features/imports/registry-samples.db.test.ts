import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { importFile, SAMPLES, stateOf, withDb } from './registry-fixture.db.test.ts';

// The registry samples of the generic profile beyond its CSV: a KOI8-R file (its encoding
// detected) and an .xlsx workbook (made by scripts/make-xlsx-sample.mjs).

for (const dialect of await testDialects()) {
  describe(`registry samples: KOI8-R and .xlsx (${dialect})`, () => {
    test('samples/registry-generic-koi8r.csv: KOI8-R detected, Russian names read right', async () => {
      await withDb(dialect, async ({ db }) => {
        const file = path.join(SAMPLES, 'registry-generic-koi8r.csv');
        const r = await importFile(db, file, { profile: 'generic' });
        assert.equal(r.summary.status, 'applied', r.report);
        assert.deepEqual([r.summary.encoding, r.summary.delimiter], ['koi8-r', ';']);
        assert.deepEqual([r.summary.counts.credited, r.summary.counts.unallocated], [1, 1]);
        const rows = await db.kysely
          .selectFrom('registry_payments')
          .select(['operation_id', 'payer_name', 'payer_address', 'amount_kop', 'status'])
          .orderBy('operation_id')
          .execute();
        assert.deepEqual(
          rows.map((p) => [p.operation_id, p.payer_name, p.payer_address, Number(p.amount_kop), p.status]),
          [
            ['P-2001', 'Иванов Пётр Сергеевич', 'г. Черногорск, ул. Бограда 71', 80_000, 'credited'],
            ['P-2002', 'Петрова Анна Ивановна', 'г. Черногорск, ул. Советская 1', 35_025, 'unallocated'],
          ],
        );
      });
    });

    test('samples/registry-generic.xlsx: date and number cells, a sum typed as text', async () => {
      await withDb(dialect, async ({ db }) => {
        const file = path.join(SAMPLES, 'registry-generic.xlsx');
        const dry = await importFile(db, file, { profile: 'generic', apply: false });
        assert.equal(dry.summary.status, 'dry_run', dry.report);
        assert.deepEqual([dry.summary.encoding, dry.summary.delimiter], [null, null]);
        const r = await importFile(db, file, { profile: 'generic' });
        assert.equal(r.summary.status, 'applied', r.report);
        assert.deepEqual(
          [r.summary.records, r.summary.counts.credited, r.summary.counts.unallocated],
          [3, 2, 1],
        );
        const s = await stateOf(db);
        assert.deepEqual([s.payments, s.kop, s.commission, s.unallocated], [2, 52_049, 420, 1]);
        const dates = await db.kysely
          .selectFrom('registry_payments')
          .select(['operation_id', 'paid_on'])
          .orderBy('operation_id')
          .execute();
        assert.deepEqual(
          dates.map((d) => [d.operation_id, d.paid_on]),
          [
            ['X-3001', '2026-06-08'],
            ['X-3002', '2026-06-08'],
            ['X-3003', '2026-06-09'],
          ],
        );
      });
    });
  });
}
