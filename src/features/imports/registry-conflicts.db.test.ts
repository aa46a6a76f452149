import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { summaryLines } from './summary.ts';
import { REGISTRY_LABELS } from './registry.format.ts';
import { importFile, SAMPLES, sber, sberFile, stateOf, tmpFile, withDb } from './registry-fixture.db.test.ts';

// A payment whose (source, operation id) was recorded before but whose data differ: never
// credited twice, and not silently «без изменений» either: a note on its line, a counter apart.

for (const dialect of await testDialects()) {
  describe(`registry payments sent again with other data (${dialect})`, () => {
    test('reported with what differs, counted apart, not applied; the same data stay unchanged', async () => {
      await withDb(dialect, async ({ db }) => {
        const first = await importFile(db, path.join(SAMPLES, 'registry-sberbank.txt'));
        assert.equal(first.summary.status, 'applied');
        const before = await stateOf(db);
        // Line 1: the sample's first payment with another amount; 2: its second with another
        // date and account, carrying a reading; 3: its third, the same; 4: a new payment.
        const line = (op: string, f: { date?: string; account?: string; amount?: string; more?: string }) =>
          `${f.date ?? '05-06-2026'};10:15:32;8602;0012;${op};${f.account ?? '1705057190'};ИВАНОВ ПЁТР СЕРГЕЕВИЧ;г. Черногорск;0526;${f.amount ?? '1500,00'};${f.more ?? ''}`;
        const lines = [
          line('100000000001', { amount: '1600,00', more: '15,00;28550' }),
          line('100000000002', {
            account: '1000000012',
            date: '06-06-2026',
            amount: '250,50',
            more: '2,51;28600',
          }),
          '06-06-2026;09:40:00;8602;0031;100000000003;1799999999;ПЕТРОВА АННА ИВАНОВНА;г. Черногорск, ул. Советская 1;0526;700,00;7,00;',
          sber('100000000004'),
        ];
        const file = tmpFile('again.txt', sberFile(lines, '=4;2650,50;25,51;2624,99'));

        const dry = await importFile(db, file, { apply: false });
        assert.equal(dry.summary.status, 'dry_run', dry.report);
        assert.deepEqual(
          [dry.summary.counts.credited, dry.summary.counts.unchanged, dry.summary.counts.conflict],
          [1, 1, 2],
        );

        const r = await importFile(db, file);
        assert.equal(r.summary.status, 'applied', r.report);
        assert.deepEqual(
          [r.summary.counts.credited, r.summary.counts.unchanged, r.summary.counts.conflict],
          [1, 1, 2],
        );
        assert.match(
          r.report,
          /\n1;замечание;Номер операции;"?Операция № 100000000001 уже зачислена \(запуск № \d+, строка 1\) с другими данными: сумма: было 1\s500,00 руб\., в этой строке 1\s600,00 руб\.; строка не применена\."?\n/,
        );
        assert.match(
          r.report,
          /\n2;замечание;Номер операции;"?Операция № 100000000002 уже зачислена \(запуск № \d+, строка 2\) с другими данными: лицевой счёт: было 1705057190, в этой строке 1000000012; дата: было 05\.06\.2026, в этой строке 06\.06\.2026; строка не применена\."?\n/,
        );
        assert.doesNotMatch(r.report, /\n3;/, 'the same payment again: no note');
        assert.doesNotMatch(r.report, /Показание/, 'a line not applied brings no reading');
        assert.match(
          summaryLines(r.summary, REGISTRY_LABELS).join('\n'),
          /уже были загружены раньше с другими данными \(не применены\): 2/,
        );

        // Credited once, as first sent: only the new payment added.
        const after = await stateOf(db);
        assert.deepEqual(
          [after.payments, after.kop, after.registry, after.bankReadings],
          [before.payments + 1, before.kop + 10_000, before.registry + 1, before.bankReadings],
        );
        const kept = await db.kysely
          .selectFrom('registry_payments')
          .select(['amount_kop', 'account_number', 'paid_on'])
          .where('operation_id', 'in', ['100000000001', '100000000002'])
          .orderBy('operation_id')
          .execute();
        assert.deepEqual(
          kept.map((k) => [Number(k.amount_kop), k.account_number, k.paid_on]),
          [
            [150_000, '1705057190', '2026-06-05'],
            [25_050, '1705057190', '2026-06-05'],
          ],
        );
      });
    });
  });
}
