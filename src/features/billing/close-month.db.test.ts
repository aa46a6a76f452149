import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, type TestDb } from '../../../test/db.ts';
import { chargeStats, CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { closeMonth, ClosingRefused } from './close-month.ts';
import { recalculate } from './recalculate.ts';

// The monthly closing, its refusals, and a recalculation of a closed month carried by the next.

for (const dialect of await testDialects()) {
  describe(`monthly closing (${dialect})`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, 300);
    });
    after(async () => t.drop());

    test('one charge per account, by readings where a reading came and by the average or norm otherwise', async () => {
      const res = await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      assert.equal(res.status, 'closed');
      assert.equal(res.accounts, 300);
      const stats = await chargeStats(t.db, '2026-05');
      assert.deepEqual([stats.n, stats.accounts], [300, 300]);
      const methods = await t.db.kysely
        .selectFrom('charges')
        .select(['method'])
        .where('period', '=', '2026-05')
        .execute();
      const count = (m: string) => methods.filter((x) => x.method === m).length;
      assert.equal(count('readings'), 200); // two accounts in three sent a reading
      assert.equal(count('norm'), 100); // one reading of history is too little for an average
      // Account 1 (index 1): baseline 10 001, reading 10 001 + 50 + 0 → 50 kWh × 1.61 = 80.50; debt −1000 + 80.50.
      const one = await t.db.kysely
        .selectFrom('charges')
        .innerJoin('accounts', 'accounts.id', 'charges.account_id')
        .select([
          'charges.kwh',
          'charges.amount_kop',
          'charges.debt_start_kop',
          'charges.debt_kop',
          'charges.payments_kop',
          'charges.details',
        ])
        .where('accounts.number', '=', '1100000001')
        .where('charges.period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [
          Number(one.kwh),
          Number(one.amount_kop),
          Number(one.debt_start_kop),
          Number(one.payments_kop),
          Number(one.debt_kop),
        ],
        [50, 8050, -1000, 0, 7050],
      );
      const details = JSON.parse(one.details!) as {
        baseline: { values: number[] };
        reading: { values: number[] };
      };
      assert.deepEqual([details.baseline.values, details.reading.values], [[10_001], [10_051]]);
    });

    test('a closed month is immutable: a second run is a no-op', async () => {
      const before = await chargeStats(t.db, '2026-05');
      // New data arriving after the closing changes nothing in it.
      const acc = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '1100000003')
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('payments')
        .values({
          account_id: Number(acc.id),
          paid_on: '2026-05-20',
          amount_kop: 99_900,
          channel: 'office',
          external_id: null,
          created_at: 0,
        })
        .execute();
      const again = await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      assert.equal(again.status, 'already_closed');
      assert.deepEqual(await chargeStats(t.db, '2026-05'), before);
    });

    test('refusals: a month not yet ended, an earlier month, a gap', async () => {
      await assert.rejects(closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-06' }), ClosingRefused);
      await assert.rejects(
        closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-03' }),
        /2026-05 is already closed/,
      );
      await assert.rejects(
        closeMonth(t.db, { ...CLOSE_OPTS, currentPeriod: '2026-09', period: '2026-08' }),
        /close 2026-06 first/,
      );
      await assert.rejects(closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-13' }), /not a period/);
    });

    test('a recalculation is recorded, leaves the closed charge alone, and is charged on the next bill', async () => {
      // Account 0 sent no reading in May (charged by the norm); a reading of 20 May turns up late.
      const acc = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '1100000000')
        .executeTakeFirstOrThrow();
      const id = Number(acc.id);
      const old = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.equal(old.method, 'norm');
      const meter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .insertInto('readings')
        .values({
          account_id: id,
          meter_id: Number(meter.id),
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
        t.db.kysely,
        { account: '1100000000', period: '2026-05', reason: 'показание принято после закрытия' },
        CLOSE_OPTS,
      );
      // Was: norm 120 kWh × 1 resident = 193.20; now: 30 kWh by readings = 48.30 → −144.90.
      assert.deepEqual(res, { status: 'recorded', amountKop: -14_490, kwh: -90, method: 'readings' });
      const still = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-05')
        .executeTakeFirstOrThrow();
      assert.deepEqual(still, old);

      const june = await closeMonth(t.db, { ...CLOSE_OPTS, currentPeriod: '2026-07', period: '2026-06' });
      assert.equal(june.status, 'closed');
      const next = await t.db.kysely
        .selectFrom('charges')
        .selectAll()
        .where('account_id', '=', id)
        .where('period', '=', '2026-06')
        .executeTakeFirstOrThrow();
      assert.equal(Number(next.recalc_kop), -14_490);
      assert.equal(Number(next.debt_start_kop), Number(old.debt_kop));
      assert.equal(
        Number(next.debt_kop),
        Number(old.debt_kop) +
          Number(next.amount_kop) +
          Number(next.odn_kop) -
          14_490 -
          Number(next.payments_kop),
      );
      const rec = await t.db.kysely
        .selectFrom('recalculations')
        .selectAll()
        .where('account_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(rec.applied_period, '2026-06');
      // A second recalculation with nothing new records nothing.
      const again = await recalculate(
        t.db.kysely,
        { account: '1100000000', period: '2026-05', reason: 'повтор' },
        CLOSE_OPTS,
      );
      assert.equal(again.status, 'no_change');
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select('event')
        .where('event', '=', 'recalculation')
        .execute();
      assert.equal(audit.length, 1);
    });
  });
}
