import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { oraclePopulation } from '../../../test/oracle-population.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import type { Db } from '../../platform/db/connect.ts';
import { closeMonth } from './close-month.ts';
import { oracleCharges, type OracleCharge, type OracleRules } from './charge-oracle.sql.ts';

// The monthly closing against the oracle (charge-oracle.sql.ts): the same rules written a second
// time as one SQL query. A generated population is closed month after month by the portal's own
// closing, and every account's charge of every month is compared with the oracle's.

const ACCOUNTS = Number(process.env.ORACLE_ACCOUNTS ?? 10_000);
/**
 * The months closed, in order: ten, so that the last one has runs of estimates as long as the
 * closing's window of recent charges (8 periods) and readings older than its window (13 months).
 */
const PERIODS = [
  '2025-08',
  '2025-09',
  '2025-10',
  '2025-11',
  '2025-12',
  '2026-01',
  '2026-02',
  '2026-03',
  '2026-04',
  '2026-05',
];
const RULES: OracleRules = {
  readingsLastDay: CLOSE_OPTS.readingsLastDay,
  averageMaxPeriods: CLOSE_OPTS.limits.averageMaxPeriods,
  averageMaxPeriodsFault: CLOSE_OPTS.limits.averageMaxPeriodsFault,
  normCoefficientE3: CLOSE_OPTS.limits.normCoefficientE3,
};

interface Stored {
  number: string;
  method: string;
  zoneKwh: number[];
  amountKop: number;
  odnKwh: number;
  odnKop: number;
}

/** The closing's charges of a period, by account id. */
async function storedCharges(db: Db, period: string): Promise<Map<number, Stored>> {
  const rows = await db.kysely
    .selectFrom('charges as c')
    .innerJoin('accounts as a', 'a.id', 'c.account_id')
    .select([
      'c.account_id',
      'a.number',
      'c.method',
      'c.kwh',
      'c.amount_kop',
      'c.odn_kwh',
      'c.odn_kop',
      'c.details',
    ])
    .where('c.period', '=', period)
    .execute();
  return new Map(
    rows.map((r) => {
      const details = JSON.parse(r.details ?? '{}') as { zones?: Array<{ kwh: number }> };
      return [
        Number(r.account_id),
        {
          number: r.number,
          method: r.method,
          zoneKwh: details.zones?.map((z) => z.kwh) ?? [Number(r.kwh)],
          amountKop: Number(r.amount_kop),
          odnKwh: Number(r.odn_kwh),
          odnKop: Number(r.odn_kop),
        },
      ];
    }),
  );
}

const show = (c: Omit<Stored, 'number'>) =>
  `${c.method} ${JSON.stringify(c.zoneKwh)} kWh ${c.amountKop} kop, ОДН ${c.odnKwh} kWh ${c.odnKop} kop`;

/** Every account whose charge differs between the closing and the oracle, as a line naming it. */
async function compare(db: Db, period: string): Promise<{ oracle: OracleCharge[]; differences: string[] }> {
  const oracle = await oracleCharges(db.kysely, db.dialect, period, RULES);
  const stored = await storedCharges(db, period);
  const differences: string[] = [];
  for (const o of oracle) {
    const s = stored.get(o.accountId);
    const same =
      s &&
      s.method === o.method &&
      JSON.stringify(s.zoneKwh) === JSON.stringify(o.zoneKwh) &&
      s.amountKop === o.amountKop &&
      s.odnKwh === o.odnKwh &&
      s.odnKop === o.odnKop;
    if (!same) {
      differences.push(`${period} account ${o.number}: closing ${s ? show(s) : 'none'}; oracle ${show(o)}`);
    }
  }
  if (stored.size !== oracle.length) {
    differences.push(`${period}: ${stored.size} charges stored, ${oracle.length} accounts`);
  }
  return { oracle, differences };
}

const count = (xs: OracleCharge[], f: (c: OracleCharge) => boolean) => xs.filter(f).length;

/** Closed accounts by how the closed months treated them (the comparison checks each is right). */
async function closedAccountsCharged(db: Db) {
  const accounts = await db.kysely
    .selectFrom('accounts')
    .select(['id', 'closed_on'])
    .where('closed_on', 'is not', null)
    .execute();
  const charged = new Set(
    (
      await db.kysely
        .selectFrom('charges')
        .innerJoin('accounts', 'accounts.id', 'charges.account_id')
        .select(['charges.account_id', 'charges.period'])
        .where('accounts.closed_on', 'is not', null)
        .execute()
    ).map((c) => `${Number(c.account_id)} ${c.period}`),
  );
  let fromFirstUncharged = 0;
  let duringCharged = 0;
  let afterUncharged = 0;
  for (const a of accounts) {
    const month = a.closed_on!.slice(0, 7);
    const has = (p: string) => charged.has(`${Number(a.id)} ${p}`);
    if (!PERIODS.includes(month)) {
      continue;
    }
    if (a.closed_on!.endsWith('-01') && !has(month)) {
      fromFirstUncharged++;
    }
    if (!a.closed_on!.endsWith('-01') && has(month)) {
      duringCharged++;
    }
    if (PERIODS.some((p) => p > month) && PERIODS.filter((p) => p > month).every((p) => !has(p))) {
      afterUncharged++;
    }
  }
  return { fromFirstUncharged, duringCharged, afterUncharged };
}

for (const dialect of await testDialects()) {
  describe(`the monthly charge against its SQL oracle (${dialect})`, () => {
    let t: TestDb;
    const seen: OracleCharge[] = [];
    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      const began = performance.now();
      await oraclePopulation(t.db, ACCOUNTS);
      console.log(
        `# ${dialect}: ${ACCOUNTS} accounts generated in ${Math.round(performance.now() - began)} ms`,
      );
    });
    after(async () => t.drop());

    test(`${ACCOUNTS} accounts closed ${PERIODS.length} months in a row: every charge as the oracle computes it`, async () => {
      // Figures for the report, not assertions: wall time, and this process's CPU time (the
      // PostgreSQL server's is not in it).
      const began = performance.now();
      const cpu = process.cpuUsage();
      let closing = 0;
      const differences: string[] = [];
      for (const period of PERIODS) {
        const at = performance.now();
        await closeMonth(t.db, { ...CLOSE_OPTS, period, batchSize: 2000 });
        closing += performance.now() - at;
        const res = await compare(t.db, period);
        differences.push(...res.differences);
        seen.push(...res.oracle);
      }
      const used = process.cpuUsage(cpu);
      console.log(
        `# ${dialect}: ${PERIODS.length} closings and comparisons in ${Math.round(performance.now() - began)} ms ` +
          `(closings ${Math.round(closing)} ms), CPU ${Math.round((used.user + used.system) / 1000)} ms`,
      );
      assert.deepEqual(differences.slice(0, 20), [], `${differences.length} differences`);
    });

    test('the population covers every rule', async () => {
      const closed = await closedAccountsCharged(t.db);
      const coverage: Record<string, number> = {
        'an account closed from the 1st: not charged that month': closed.fromFirstUncharged,
        'an account closing later in a month: charged for it': closed.duringCharged,
        'an account closed: not charged the months after': closed.afterUncharged,
        'by readings': count(seen, (c) => c.method === 'readings'),
        'by the average (п.59б, no reading)': count(seen, (c) => c.method === 'average' && !c.unfit),
        'by the average of an unfit meter (п.59а cut-off)': count(
          seen,
          (c) => c.method === 'average' && c.unfit,
        ),
        'by the norm, no meter': count(seen, (c) => c.method === 'norm' && !c.meter),
        'by the norm after the average (п.60)': count(seen, (c) => c.method === 'norm' && c.meter),
        'by the norm, unfit meter': count(seen, (c) => c.method === 'norm' && c.unfit),
        'estimates settled by a reading (п.61)': count(seen, (c) => c.settled),
        'multiplier factor': count(seen, (c) => c.method === 'readings' && c.ratio > 1),
        'two zones': count(seen, (c) => c.method === 'readings' && c.zones === 2),
        'three zones': count(seen, (c) => c.method === 'readings' && c.zones === 3),
        'above the social norm': count(seen, (c) => c.aboveNorm),
        'tariff changed since the month before': count(seen, (c) => c.priceChanged),
        ОДН: count(seen, (c) => c.odnKop > 0),
        "a replaced meter's last kWh": count(seen, (c) => c.method === 'readings' && c.replacedKwh > 0),
        // Beyond the closing's windows of recent charges (8 periods) and readings (13 months).
        'norm after 8 periods of estimates or more': count(
          seen,
          (c) => c.method === 'norm' && c.meter && c.runLength >= 8,
        ),
        'a reading after 8 periods of estimates or more': count(
          seen,
          (c) => c.method === 'readings' && c.runLength >= 8,
        ),
        'an average from a reading over 13 months old': count(seen, (c) => (c.averageMonths ?? 0) > 13),
      };
      for (let r = 1; r <= 6; r++) {
        coverage[`norm for ${r} resident(s)`] = count(seen, (c) => c.method === 'norm' && c.residents === r);
      }
      for (const d of [4, 5, 6, 7, 8]) {
        coverage[`rollover, ${d} digits`] = count(seen, (c) => c.rollover && c.digits === d);
      }
      console.log(`# ${dialect}: ${JSON.stringify(coverage)}`);
      const missing = Object.entries(coverage).filter(([, n]) => n === 0);
      assert.deepEqual(missing, [], 'rules the population does not exercise');
    });

    test('a changed charge, or a reading changed after the closing, is named by the comparison', async () => {
      const period = PERIODS[PERIODS.length - 1]!;
      const k = t.db.kysely;
      const victim = await k
        .selectFrom('charges as c')
        .innerJoin('accounts as a', 'a.id', 'c.account_id')
        .select(['c.id', 'a.number'])
        .where('c.period', '=', period)
        .where('c.method', '=', 'average')
        .orderBy('c.id')
        .executeTakeFirstOrThrow();
      await k
        .updateTable('charges')
        .set((eb) => ({ amount_kop: eb('amount_kop', '+', 1) }))
        .where('id', '=', victim.id)
        .execute();
      const afterCharge = await compare(t.db, period);
      assert.equal(afterCharge.differences.length, 1, afterCharge.differences.join('\n'));
      assert.match(afterCharge.differences[0]!, new RegExp(`account ${victim.number}:`));
      await k
        .updateTable('charges')
        .set((eb) => ({ amount_kop: eb('amount_kop', '-', 1) }))
        .where('id', '=', victim.id)
        .execute();

      // The reading a charge by readings was based on, changed after the closing: the oracle sees it.
      const based = await k
        .selectFrom('charges as c')
        .innerJoin('accounts as a', 'a.id', 'c.account_id')
        .select(['c.reading_id', 'a.number'])
        .where('c.period', '=', period)
        .where('c.method', '=', 'readings')
        .where('c.reading_id', 'is not', null)
        .orderBy('c.id', 'desc')
        .executeTakeFirstOrThrow();
      await k
        .updateTable('readings')
        .set((eb) => ({ value1: eb('value1', '+', 1) }))
        .where('id', '=', Number(based.reading_id))
        .execute();
      const afterReading = await compare(t.db, period);
      assert.equal(afterReading.differences.length, 1, afterReading.differences.join('\n'));
      assert.match(afterReading.differences[0]!, new RegExp(`account ${based.number}:`));
    });
  });
}
