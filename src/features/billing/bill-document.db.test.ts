import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { count, pageText } from '../../../test/pdf-support.ts';
import { ensureReferenceData, TARIFF_COMPONENT_SHARES } from '../../tools/demo/reference-data.ts';
import { SHARE_SCALE } from '../../domain/cost-breakdown.ts';
import { closeMonth } from './close-month.ts';
import { loadBillDocument } from './bill-document.ts';
import { renderBillPdf } from './pdf/bill-pdf.ts';
import type { BillDocument } from './pdf/bill.model.ts';

// The bill's data from closed months: the ОДН line and the house's volumes where the account has
// ОДН, the cost breakdown by the plan's tariff components, corrections that add up.

const DUE_DAY = 10;

/** Each part within one kopeck of its exact share of the charged sum, and all summing to it. */
function assertSplit(doc: BillDocument, shares: ReadonlyMap<string, number>): void {
  const parts = doc.costBreakdown ?? [];
  assert.equal(
    parts.reduce((a, p) => a + p.amountKop, 0),
    doc.chargedKop,
  );
  const total = [...shares.values()].reduce((a, s) => a + s, 0);
  for (const p of parts) {
    const exact = (doc.chargedKop * (shares.get(p.component) ?? NaN)) / total;
    assert.ok(Math.abs(p.amountKop - exact) < 1, `${p.component}: ${p.amountKop} vs ${exact}`);
  }
}

for (const dialect of await testDialects()) {
  describe(`the bill's data (${dialect})`, () => {
    let t: TestDb;
    let inHouse: number;
    let alone: number;
    const load = (accountId: number, period: string) =>
      loadBillDocument(t.db.kysely, accountId, period, DUE_DAY).then((d) => {
        assert.ok(d, `a bill of ${period}`);
        return d;
      });

    before(async () => {
      t = await createTestDb(dialect);
      const k = t.db.kysely;
      await ensureReferenceData(k, 2026);
      inHouse = await addAccount(t.db, { number: '1100000001', surname: 'Домова' });
      alone = await addAccount(t.db, { number: '1100000002', surname: 'Особнякова', serial: '900002' });
      const building = await k
        .insertInto('buildings')
        .values({ address: 'г. Абакан, ул. Ленина, 1', flats_area_e2: 500_000 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .updateTable('accounts')
        .set({ building_id: Number(building.id) })
        .where('id', '=', inHouse)
        .execute();
      // Common use in May: 12 000 − 1 000 − 4 000 − 5 000 = 2 000 kWh; none reported for June.
      await k
        .insertInto('building_volumes')
        .values({
          building_id: Number(building.id),
          period: '2026-05',
          total_kwh: 12_000,
          nonresidential_kwh: 1_000,
          unmetered_flats_kwh: 4_000,
          metered_flats_kwh: 5_000,
        })
        .execute();
      await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      await closeMonth(t.db, { ...CLOSE_OPTS, currentPeriod: '2026-07', period: '2026-06' });
    });
    after(async () => t.drop());

    test('ОДН is its own line, with the house volumes, only where the account has ОДН that month', async () => {
      const may = await load(inHouse, '2026-05');
      const odn = may.lines.filter((l) => l.title === 'ОДН');
      // 2 000 kWh × 50 m² of the flat / 5 000 m² of the flats = 20 kWh at the plan's 1,61000.
      assert.deepEqual(odn, [{ title: 'ОДН', kwh: 20, priceE5: 161_000, amountKop: 3220 }]);
      assert.deepEqual(may.building, { totalKwh: 12_000, odnKwh: 2_000 });
      const { text } = await pageText(await renderBillPdf(may));
      assert.equal(count(text, 'ОДН 20 1,61000 32,20'), 2);
      assert.equal(count(text, 'по общедомовому счетчику: 12 000 кВтч, в т.ч. ОДН: 2 000 кВтч'), 2);

      for (const doc of [await load(alone, '2026-05'), await load(inHouse, '2026-06')]) {
        assert.deepEqual(
          doc.lines.map((l) => l.title),
          ['Электроэнергия'],
          `${doc.customer.account} ${doc.period}: no ОДН`,
        );
        assert.equal(doc.building, null);
        const { text: other } = await pageText(await renderBillPdf(doc));
        assert.ok(!other.includes('ОДН') && !other.includes('общедомовому'));
      }
    });

    test('the cost breakdown: the plan components in force on the first day, summing to the charge', async () => {
      const demo = new Map<string, number>(TARIFF_COMPONENT_SHARES.map((c) => [c.component, c.shareE6]));
      const may = await load(inHouse, '2026-05');
      assert.ok(may.chargedKop > 0);
      assert.deepEqual(
        may.costBreakdown?.map((p) => p.component),
        ['purchase', 'transmission', 'sales', 'other'],
      );
      assertSplit(may, demo);

      // New shares of the plan from 1 June: June's bills take them, May's keep the old ones;
      // shares from 2 June are not in force for June.
      const k = t.db.kysely;
      const plan = await k
        .selectFrom('accounts')
        .select('tariff_plan_id')
        .where('id', '=', alone)
        .executeTakeFirstOrThrow();
      const planId = Number(plan.tariff_plan_id);
      const june = new Map([
        ['transmission', 600_000],
        ['purchase', 400_000],
      ]);
      await k
        .insertInto('tariff_components')
        .values([
          ...[...june].map(([component, share]) => ({
            plan_id: planId,
            valid_from: '2026-06-01',
            component,
            share_e6: share,
          })),
          { plan_id: planId, valid_from: '2026-06-02', component: 'other', share_e6: SHARE_SCALE },
        ])
        .execute();
      const aloneJune = await load(alone, '2026-06');
      assert.deepEqual(
        aloneJune.costBreakdown?.map((p) => p.component),
        ['purchase', 'transmission'],
      );
      assertSplit(aloneJune, june);
      assert.equal((await load(alone, '2026-05')).costBreakdown?.length, 4);

      // With none of its own the plan's bills have none, though the other plans keep theirs.
      await k.deleteFrom('tariff_components').where('plan_id', '=', planId).execute();
      assert.ok((await k.selectFrom('tariff_components').select('id').execute()).length > 0);
      assert.equal((await load(alone, '2026-06')).costBreakdown, null, 'none configured: no breakdown');
      const { text } = await pageText(await renderBillPdf(await load(alone, '2026-06')));
      assert.ok(!text.includes('В том числе'), 'left out, not zeros');
    });

    test('a correction recorded as a sum only gets its own row; the rows add up to the charge', async () => {
      const k = t.db.kysely;
      const before = await load(inHouse, '2026-06');
      assert.deepEqual(before.recalculations, []);
      const details = await k
        .selectFrom('charges')
        .select('details')
        .where('account_id', '=', inHouse)
        .where('period', '=', '2026-06')
        .executeTakeFirstOrThrow();
      const withRecalc = {
        ...(JSON.parse(details.details ?? '{}') as object),
        recalculations: [{ period: '2026-05', amountKop: -200, reason: 'показание принято после закрытия' }],
      };
      await k
        .updateTable('charges')
        .set({ recalc_kop: -500, details: JSON.stringify(withRecalc) })
        .where('account_id', '=', inHouse)
        .where('period', '=', '2026-06')
        .execute();
      const doc = await load(inHouse, '2026-06');
      assert.deepEqual(doc.recalculations, [
        { period: '2026-05', reason: 'показание принято после закрытия', amountKop: -200 },
        { period: null, reason: '', amountKop: -300 },
      ]);
      assert.equal(doc.chargedKop, before.chargedKop - 500);
      const { text } = await pageText(await renderBillPdf(doc));
      for (const s of [
        'Перерасчёт за май 2026 года (показание принято после закрытия): начисление уменьшено на 2,00 руб. −2,00',
        'Корректировка начислений прошлых периодов: уменьшает сумму к оплате на 3,00 руб. −3,00',
        'Перерасчёты уменьшили сумму к оплате на 5,00 руб.',
      ]) {
        assert.equal(count(text, s), 2, s);
      }
    });
  });
}
