import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, reopenDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { JOB_TIMEOUTS, openDb, type Db } from '../../platform/db/connect.ts';
import { closeMonth, ClosingRefused } from '../billing/close-month.ts';
import { loadTariffReference, setTariffPrice, TariffRefused, writePrices } from './tariffs.service.ts';

// A tariff write and a month's closing take turns, across connections (as across processes): a
// closing that starts while a write is between its check and its commit waits, then charges the
// written price; a write while the month is closing is refused with the message. A closing
// refused for a missing price leaves its month open, so that the price can be added.

const AT = new Date('2026-06-10T05:00:00Z');
const ACTOR = { by: 'admin', source: 'tariff-set', reason: 'Приказ № 45-п' };
const ACCOUNTS = 30;
/** The demo's price of the single rate in 2026 (1/100000 rub.), and the one written for May. */
const OLD = 161_000;
const NEW = 250_000;

/**
 * Another connection to the test database, as another process has: on SQLite one that waits for
 * the write lock with timers (as the server does), so that this process's other connection can
 * go on and commit meanwhile.
 */
function secondConnection(t: TestDb): Db {
  return t.url.startsWith('postgres')
    ? openDb({ databaseUrl: t.url, poolSize: 3 })
    : openDb({ sqlitePath: t.url, timeouts: { ...JOB_TIMEOUTS, asyncLockWait: true, lockWaitMs: 30_000 } });
}

async function withAccounts(dialect: 'sqlite' | 'postgres', fn: (t: TestDb, other: Db) => Promise<void>) {
  const t = await createTestDb(dialect);
  const other = secondConnection(t);
  try {
    await ensureReferenceData(t.db.kysely, 2026);
    await bulkAccounts(t.db, ACCOUNTS);
    await fn(t, other);
  } finally {
    await other.close();
    await t.drop();
  }
}

/** The tariffs charged for the period, each once. */
async function chargedTariffs(db: Db, period: string): Promise<{ charges: number; tariffs: number[] }> {
  const rows = await db.kysely
    .selectFrom('charges')
    .select('tariff_e5')
    .where('period', '=', period)
    .execute();
  return { charges: rows.length, tariffs: [...new Set(rows.map((r) => Number(r.tariff_e5)))] };
}

async function periodStatus(db: Db, period: string): Promise<string | undefined> {
  const r = await db.kysely
    .selectFrom('billing_periods')
    .select('status')
    .where('period', '=', period)
    .executeTakeFirst();
  return r?.status;
}

/** A promise to wait on, and the function that settles it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

for (const dialect of await testDialects()) {
  describe(`tariff prices and the closing (${dialect})`, () => {
    test('a closing started while a price is being written waits for its commit, then charges it', async () => {
      await withAccounts(dialect, async (t, other) => {
        const single = (await loadTariffReference(t.db.kysely)).plans.get('single')!;
        const checked = gate();
        const commit = gate();
        // The write has checked that May is open and written its price, and has not committed yet.
        const writing = t.db.kysely.transaction().execute(async (tx) => {
          const entry = {
            plan: single,
            zone: 'single',
            band: 'base',
            validFrom: '2026-05-01',
            priceE5: NEW,
          } as const;
          const [w] = await writePrices(tx, [entry], ACTOR, AT);
          assert.equal(w?.status, 'added');
          checked.open();
          await commit.wait;
        });
        await Promise.race([checked.wait, writing]);
        const closing = closeMonth(other, { ...CLOSE_OPTS, period: '2026-05' });
        closing.catch(() => {}); // met below
        // Read on a third connection: on SQLite each of the other two is busy in its transaction.
        const watcher = reopenDb(t.url);
        try {
          await sleep(500);
          assert.equal(await periodStatus(watcher, '2026-05'), undefined, 'the closing waits for the write');
          assert.equal((await chargedTariffs(watcher, '2026-05')).charges, 0);
        } finally {
          // Also when an assertion failed: an open transaction would keep the database from closing.
          commit.open();
          await writing;
          await closing.catch(() => {});
          await watcher.close();
        }
        assert.equal((await closing).status, 'closed');
        assert.deepEqual(await chargedTariffs(t.db, '2026-05'), { charges: ACCOUNTS, tariffs: [NEW] });
      });
    });

    test('a price for a month being closed is refused with the message, and the closing charges the old one', async () => {
      await withAccounts(dialect, async (t, other) => {
        const paused = gate();
        const resume = gate();
        let batches = 0;
        const closing = closeMonth(t.db, {
          ...CLOSE_OPTS,
          period: '2026-05',
          batchSize: 10,
          onProgress: async () => {
            if (batches++ === 0) {
              paused.open();
              await resume.wait;
            }
          },
        });
        await paused.wait;
        try {
          const input = { plan: 'single', zone: 'single', band: 'base', from: '2026-05-01', price: '2,50' };
          await assert.rejects(setTariffPrice(other.kysely, input, ACTOR, AT), (err: unknown) => {
            assert.ok(err instanceof TariffRefused, String(err));
            assert.equal(err.field, 'from');
            assert.match(err.message, /Цену с 01\.05\.2026 записать нельзя: май 2026 г\. сейчас закрывается/);
            return true;
          });
          // June's price is not the closing's business: it is written meanwhile.
          const june = await setTariffPrice(other.kysely, { ...input, from: '2026-06-01' }, ACTOR, AT);
          assert.equal(june.status, 'added');
        } finally {
          resume.open();
        }
        assert.equal((await closing).status, 'closed');
        assert.deepEqual(await chargedTariffs(t.db, '2026-05'), { charges: ACCOUNTS, tariffs: [OLD] });
        const may = await t.db.kysely
          .selectFrom('tariff_prices')
          .select('id')
          .where('valid_from', '=', '2026-05-01')
          .execute();
        assert.deepEqual(may, [], 'no price of May was written');
      });
    });
    test('a closing without a price for the month leaves it open: the price is set, the closing runs', async () => {
      await withAccounts(dialect, async (t) => {
        const single = (await loadTariffReference(t.db.kysely)).plans.get('single')!;
        await t.db.kysely.deleteFrom('tariff_prices').where('plan_id', '=', single.id).execute();
        const noPrice = (err: unknown) => {
          assert.ok(err instanceof ClosingRefused, String(err));
          assert.match(
            err.message,
            /^Нет цены, действующей на 01\.05\.2026: тарифная группа «single», зона single \(лицевых счетов: 30\)\. Месяц не закрывается/,
          );
          assert.match(err.message, /tariff-set --plan single --zone single --from 2026-05-01/);
          return true;
        };
        await assert.rejects(closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' }), noPrice);
        assert.equal(await periodStatus(t.db, '2026-05'), undefined, 'the month is not marked closing');
        assert.equal((await chargedTariffs(t.db, '2026-05')).charges, 0);

        // A month that an earlier version left «closing» on this, without a charge, is released.
        await t.db.kysely
          .insertInto('billing_periods')
          .values({ period: '2026-05', status: 'closing', started_at: 0, closed_at: null })
          .execute();
        await assert.rejects(closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' }), noPrice);
        assert.equal(await periodStatus(t.db, '2026-05'), undefined, 'released');

        const input = { plan: 'single', zone: 'single', band: 'base', from: '2026-05-01', price: '1,61' };
        assert.equal((await setTariffPrice(t.db.kysely, input, ACTOR, AT)).status, 'added');
        const res = await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
        assert.equal(res.status, 'closed');
        assert.deepEqual(await chargedTariffs(t.db, '2026-05'), { charges: ACCOUNTS, tariffs: [OLD] });
      });
    });

    test('a month closing with charges already written keeps its mark, whatever the prices', async () => {
      await withAccounts(dialect, async (t) => {
        let batches = 0;
        await assert.rejects(
          closeMonth(t.db, {
            ...CLOSE_OPTS,
            period: '2026-05',
            batchSize: 10,
            onProgress: () => {
              if (++batches === 1) {
                throw new Error('stopped');
              }
            },
          }),
          /stopped/,
        );
        await t.db.kysely.deleteFrom('tariff_prices').execute();
        await assert.rejects(closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' }), ClosingRefused);
        assert.equal(
          await periodStatus(t.db, '2026-05'),
          'closing',
          'its charges were computed at its prices',
        );
        assert.equal((await chargedTariffs(t.db, '2026-05')).charges, 10);
      });
    });
  });
}
