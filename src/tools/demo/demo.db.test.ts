import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Agent, createTestApp, testDialects } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import { demoYear, ensureDemoData } from './seed-demo.ts';
import { DEMO_ACCOUNT } from './demo-account.ts';
import { dateInZone } from '../../domain/dates.ts';
import { demoClosing, loadConfig } from '../../app/config.ts';

const TZ = 'Asia/Krasnoyarsk';

test("the seed's 2014 becomes this year from the date of its last reading (3 June), last year before", () => {
  assert.equal(demoYear('2027-01-01'), 2026);
  assert.equal(demoYear('2027-06-02'), 2026);
  assert.equal(demoYear('2027-06-03'), 2027);
  assert.equal(demoYear('2027-12-31'), 2027);
  assert.equal(demoYear('2028-02-29'), 2027);
});

for (const dialect of await testDialects()) {
  describe(`demo data (${dialect})`, () => {
    test('started in December, the demo bills every month to November by the rules after the meter ran out', async () => {
      const t = await createTestDb(dialect);
      try {
        const config = loadConfig({});
        const now = new Date('2026-12-07T03:00:00.000Z');
        assert.equal(await ensureDemoData(t.db, now, TZ, demoClosing(config)), true);
        const k = t.db.kysely;
        const charges = await k
          .selectFrom('charges')
          .innerJoin('accounts', 'accounts.id', 'charges.account_id')
          .select(['period', 'method', 'kwh', 'reading_id'])
          .where('accounts.number', '=', DEMO_ACCOUNT.number)
          .where('period', '>=', '2026-05')
          .orderBy('period')
          .execute();
        // Up to May by the meter's readings; its verification ran out on 1 June, so п.59's average
        // for three months (AVERAGE_MAX_PERIODS), then п.60's norm; no reading is used after May.
        assert.deepEqual(
          charges.map((c) => [c.period, c.method, c.reading_id === null]),
          [
            ['2026-05', 'readings', false],
            ['2026-06', 'average', true],
            ['2026-07', 'average', true],
            ['2026-08', 'average', true],
            ['2026-09', 'norm', true],
            ['2026-10', 'norm', true],
            ['2026-11', 'norm', true],
          ],
        );
        const closed = await k
          .selectFrom('billing_periods')
          .select((eb) => eb.fn.max('period').as('p'))
          .where('status', '=', 'closed')
          .executeTakeFirstOrThrow();
        assert.equal(closed.p, '2026-11', 'the last closed month is the one before today');
        const meter = await k
          .selectFrom('meters')
          .select('verification_due')
          .where('serial', '=', '168077')
          .executeTakeFirstOrThrow();
        assert.equal(meter.verification_due, '2026-06-01');
      } finally {
        await t.drop();
      }
    });

    test("started on the manual's day, nothing is billed after May", async () => {
      const t = await createTestDb(dialect);
      try {
        const now = new Date('2026-06-10T03:00:00.000Z');
        assert.equal(await ensureDemoData(t.db, now, TZ, demoClosing(loadConfig({}))), true);
        const last = await t.db.kysely
          .selectFrom('charges')
          .select((eb) => eb.fn.max('period').as('p'))
          .executeTakeFirstOrThrow();
        assert.equal(last.p, '2026-05');
      } finally {
        await t.drop();
      }
    });

    // 10 February: before the seed's June; 27 November: after it.
    for (const iso of ['2027-02-10T03:00:00.000Z', '2026-11-27T03:00:00.000Z']) {
      const now = new Date(iso);
      const today = dateInZone(now, TZ);
      test(`seeded on ${today}: no reading, payment, charge or closed month lies in the future`, async () => {
        const t = await createTestDb(dialect);
        try {
          assert.equal(await ensureDemoData(t.db, now, TZ), true);
          const k = t.db.kysely;
          const account = await k
            .selectFrom('accounts')
            .select('id')
            .where('number', '=', DEMO_ACCOUNT.number)
            .executeTakeFirstOrThrow();
          const latest = await k
            .selectFrom('readings')
            .select((eb) => eb.fn.max('reading_date').as('d'))
            .where('account_id', '=', account.id)
            .executeTakeFirstOrThrow();
          // The seed's last reading, 2014-06-03, in the year the seed's 2014 became.
          assert.equal(latest.d, `${demoYear(today)}-06-03`);
          const paid = await k
            .selectFrom('payments')
            .select((eb) => eb.fn.max('paid_on').as('d'))
            .executeTakeFirstOrThrow();
          const billed = await k
            .selectFrom('charges')
            .select((eb) => eb.fn.max('billed_on').as('d'))
            .executeTakeFirstOrThrow();
          const closed = await k
            .selectFrom('billing_periods')
            .select((eb) => eb.fn.max('period').as('p'))
            .where('status', '=', 'closed')
            .executeTakeFirstOrThrow();
          assert.ok(String(paid.d) <= today, `payment ${paid.d} after ${today}`);
          assert.ok(String(billed.d) <= today, `charge billed ${billed.d} after ${today}`);
          assert.ok(
            String(closed.p) < today.slice(0, 7),
            `period ${closed.p} closed before it ended (${today})`,
          );
          // The tariff in force for the demo's charges is in the price list from their first month on.
          const prices = await sql<{
            valid_from: string;
          }>`select valid_from from tariff_prices where price_e5 = 161000 order by valid_from`.execute(k);
          assert.ok(
            prices.rows.some((p) => p.valid_from <= `${demoYear(today) - 1}-01-01`),
            JSON.stringify(prices.rows),
          );
        } finally {
          await t.drop();
        }
      });
    }

    test('demo mode prints the demo credentials on both login pages, and only demo mode', async () => {
      for (const demo of [true, false]) {
        const t = await createTestApp(dialect, { env: { DEMO_MODE: String(demo) } });
        try {
          for (const url of ['/', '/cabinet']) {
            const body = (await new Agent(t.app).get(url)).body;
            const shown =
              /class="demo-credentials"[^]*?<code>1705057190<\/code>[^]*?<code>Иванов<\/code>/.test(body);
            assert.equal(shown, demo, `${url} with DEMO_MODE=${demo}`);
          }
        } finally {
          await t.close();
        }
      }
    });
  });
}
