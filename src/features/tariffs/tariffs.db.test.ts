import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { chargeKopecks } from '../../domain/money.ts';
import type { Db } from '../../platform/db/connect.ts';
import { closeMonth } from '../billing/close-month.ts';
import { recalculate } from '../billing/recalculate.ts';
import { setTariffPrice, TariffRefused, type PriceInput } from './tariffs.service.ts';

// `tariff-set`'s rules (added, the same again, replaced, each refusal with nothing stored), and
// what prices do to the billing: a closing after a change uses the new prices, a recalculation of
// an earlier month that month's.

const AT = new Date('2026-06-10T05:00:00Z');
const ACTOR = { by: 'admin', source: 'tariff-set', reason: 'Приказ № 45-п' };

async function withDb(dialect: 'sqlite' | 'postgres', fn: (db: Db) => Promise<void>): Promise<void> {
  const t: TestDb = await createTestDb(dialect);
  try {
    await ensureReferenceData(t.db.kysely, 2026);
    await fn(t.db);
  } finally {
    await t.drop();
  }
}

const input = (p: Partial<PriceInput> = {}): PriceInput => ({
  plan: 'single',
  zone: 'single',
  band: 'base',
  from: '2026-07-01',
  price: '5,47',
  ...p,
});

/** Everything a price change may touch. */
async function snapshot(db: Db) {
  const prices = await db.kysely
    .selectFrom('tariff_prices')
    .select(['plan_id', 'zone', 'band', 'valid_from', 'price_e5'])
    .orderBy('id')
    .execute();
  const audit = await db.kysely
    .selectFrom('audit_log')
    .select(['event', 'outcome', 'details'])
    .where('event', '=', 'tariff_price')
    .orderBy('id')
    .execute();
  return { prices: prices.map((p) => ({ ...p, price_e5: Number(p.price_e5) })), audit };
}

async function priceOf(db: Db, plan: string, zone: string, validFrom: string): Promise<number | undefined> {
  const r = await db.kysely
    .selectFrom('tariff_prices')
    .innerJoin('tariff_plans', 'tariff_plans.id', 'tariff_prices.plan_id')
    .select('price_e5')
    .where('tariff_plans.code', '=', plan)
    .where('zone', '=', zone)
    .where('band', '=', 'base')
    .where('valid_from', '=', validFrom)
    .executeTakeFirst();
  return r && Number(r.price_e5);
}

async function refused(db: Db, p: Partial<PriceInput>, field: string, message: RegExp): Promise<void> {
  const before = await snapshot(db);
  await assert.rejects(setTariffPrice(db.kysely, input(p), ACTOR, AT), (err: unknown) => {
    assert.ok(err instanceof TariffRefused, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(await snapshot(db), before, 'a refused price stored something');
}

/** The period's charges: tariff and amount against kWh. */
async function charges(db: Db, period: string) {
  const rows = await db.kysely
    .selectFrom('charges')
    .select(['kwh', 'amount_kop', 'tariff_e5'])
    .where('period', '=', period)
    .execute();
  return rows.map((r) => ({ kwh: Number(r.kwh), amount: Number(r.amount_kop), tariff: Number(r.tariff_e5) }));
}

for (const dialect of await testDialects()) {
  describe(`tariff-set (${dialect})`, () => {
    test('a new price is added and audited; the same again changes nothing; another replaces it', async () => {
      await withDb(dialect, async (db) => {
        const first = await setTariffPrice(db.kysely, input({ price: '5,47' }), ACTOR, AT);
        assert.deepEqual([first.status, first.beforeE5, first.entry.priceE5], ['added', null, 547_000]);
        assert.equal(await priceOf(db, 'single', 'single', '2026-07-01'), 547_000);

        const after = await snapshot(db);
        const same = await setTariffPrice(db.kysely, input({ price: '5.47000' }), ACTOR, AT);
        assert.deepEqual([same.status, same.beforeE5], ['unchanged', 547_000]);
        assert.deepEqual(await snapshot(db), after, 'the same price wrote something');

        const other = await setTariffPrice(db.kysely, input({ price: '5.6', from: '01.07.2026' }), ACTOR, AT);
        assert.deepEqual([other.status, other.beforeE5], ['changed', 547_000]);
        assert.equal(await priceOf(db, 'single', 'single', '2026-07-01'), 560_000);

        const { audit } = await snapshot(db);
        assert.deepEqual(
          audit.map((a) => [a.outcome, JSON.parse(a.details!) as unknown]),
          [
            [
              'added',
              {
                plan: 'single',
                zone: 'single',
                band: 'base',
                validFrom: '2026-07-01',
                before: null,
                after: 547_000,
                by: 'admin',
                source: 'tariff-set',
                reason: 'Приказ № 45-п',
              },
            ],
            [
              'changed',
              {
                plan: 'single',
                zone: 'single',
                band: 'base',
                validFrom: '2026-07-01',
                before: 547_000,
                after: 560_000,
                by: 'admin',
                source: 'tariff-set',
                reason: 'Приказ № 45-п',
              },
            ],
          ],
        );
      });
    });

    test('each bad price is refused with its field and message, and nothing is stored', async () => {
      await withDb(dialect, async (db) => {
        await refused(
          db,
          { plan: 'urban' },
          'plan',
          /^Тарифа с кодом «urban» нет\. Есть: single, three-zone, two-zone\.$/,
        );
        await refused(
          db,
          { plan: 'two-zone', zone: 'peak' },
          'zone',
          /У тарифа «two-zone» 2 зоны \(day, night\): зоны peak у него нет/,
        );
        await refused(db, { zone: 'evening' }, 'zone', /«evening» — не зона/);
        await refused(db, { band: 'social' }, 'band', /«social» — не диапазон/);
        await refused(db, { from: '2026-07-15' }, 'from', /только с 1-го числа месяца/);
        await refused(db, { from: '31.02.2026' }, 'from', /«31\.02\.2026»: такой даты нет в календаре/);
        await refused(db, { price: '-5,47' }, 'price', /не может быть отрицательной/);
        await refused(db, { price: 'пять' }, 'price', /«пять» — не цена/);
        await refused(db, { price: '5,470001' }, 'price', /не больше пяти знаков после запятой/);
      });
    });

    test('a month closed (or a later one) refuses prices from it, and says to recalculate instead', async () => {
      await withDb(dialect, async (db) => {
        await bulkAccounts(db, 12);
        await setTariffPrice(db.kysely, input({ from: '2026-05-01', price: '1,70' }), ACTOR, AT);
        await closeMonth(db, { ...CLOSE_OPTS, period: '2026-05' });
        // May is closed: neither a new price nor a different one for it, nor for an earlier month.
        await refused(
          db,
          { from: '2026-05-01', price: '1,80' },
          'from',
          /май 2026 г\. уже закрыт.*перерасчётом \(recalculate\).*с 01\.06\.2026/,
        );
        await refused(db, { from: '2026-03-01', price: '1,80' }, 'from', /записать нельзя/);
        // Setting May's own price again is refused too: a closed month's prices are not touched.
        await refused(db, { from: '2026-05-01', price: '1,70' }, 'from', /уже закрыт/);
        // A period being closed locks its prices as well.
        await db.kysely
          .insertInto('billing_periods')
          .values({ period: '2026-06', status: 'closing', started_at: 0, closed_at: null })
          .execute();
        await refused(db, { from: '2026-06-01', price: '1,80' }, 'from', /июнь 2026 г\. сейчас закрывается/);
        const july = await setTariffPrice(db.kysely, input({ from: '2026-07-01', price: '1,80' }), ACTOR, AT);
        assert.equal(july.status, 'added');
      });
    });
  });

  describe(`prices over time in the billing (${dialect})`, () => {
    test('a closing after a change uses the new prices; a recalculation of an earlier month its own', async () => {
      await withDb(dialect, async (db) => {
        await bulkAccounts(db, 30);
        // The indexation from June is set before May is closed: May keeps 1,61.
        await setTariffPrice(db.kysely, input({ from: '2026-06-01', price: '2,00' }), ACTOR, AT);
        await closeMonth(db, { ...CLOSE_OPTS, period: '2026-05' });
        const may = await charges(db, '2026-05');
        assert.equal(may.length, 30);
        for (const c of may) {
          assert.deepEqual(c, { kwh: c.kwh, amount: chargeKopecks(c.kwh, 161_000), tariff: 161_000 });
        }
        // June is still open: its price can be corrected, and the closing takes the corrected one.
        const fix = await setTariffPrice(db.kysely, input({ from: '2026-06-01', price: '2,10' }), ACTOR, AT);
        assert.equal(fix.status, 'changed');
        await closeMonth(db, { ...CLOSE_OPTS, currentPeriod: '2026-07', period: '2026-06' });
        const june = await charges(db, '2026-06');
        assert.equal(june.length, 30);
        assert.ok(june.some((c) => c.kwh > 0));
        for (const c of june) {
          assert.deepEqual(c, { kwh: c.kwh, amount: chargeKopecks(c.kwh, 210_000), tariff: 210_000 });
        }

        // A reading of 20 May for account 0 (charged by the norm, 120 kWh) turns up late: May is
        // recalculated at May's 1,61, not at June's 2,10.
        const acc = await db.kysely
          .selectFrom('accounts')
          .innerJoin('meters', 'meters.account_id', 'accounts.id')
          .select(['accounts.id', 'meters.id as meter_id'])
          .where('accounts.number', '=', '1100000000')
          .executeTakeFirstOrThrow();
        await db.kysely
          .insertInto('readings')
          .values({
            account_id: Number(acc.id),
            meter_id: Number(acc.meter_id),
            reading_date: '2026-05-20',
            value1: 10_030,
            value2: null,
            value3: null,
            channel: 'operator',
            status: 'accepted',
            reason: null,
            submitted_at: 0,
            submitted_ip: null,
          })
          .execute();
        const res = await recalculate(
          db.kysely,
          { account: '1100000000', period: '2026-05', reason: 'показание принято после закрытия' },
          CLOSE_OPTS,
        );
        assert.deepEqual(res, {
          status: 'recorded',
          amountKop: chargeKopecks(30, 161_000) - chargeKopecks(120, 161_000),
          kwh: -90,
          method: 'readings',
        });
      });
    });
  });
}
