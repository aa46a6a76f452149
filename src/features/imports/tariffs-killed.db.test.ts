import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { createTestDb } from '../../../test/db.ts';
import { killWhen, runCli } from '../../../test/cli-child.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import type { Db } from '../../platform/db/connect.ts';
import { loadTariffReference } from '../tariffs/tariffs.service.ts';
import { runImport } from './engine.ts';
import { tariffFormat } from './tariffs.format.ts';

// `import-tariffs --apply` killed with SIGKILL in the middle of its transaction: nothing of the
// file is left (atomic per file), and the run again applies all of it.

const ZONES = [
  ['single', 'single'],
  ['two-zone', 'day'],
  ['two-zone', 'night'],
  ['three-zone', 'peak'],
  ['three-zone', 'half_peak'],
  ['three-zone', 'night'],
] as const;
const MONTHS = 500;
const LINES = ZONES.length * MONTHS;

/** A tariff table of every zone for MONTHS months from 2030, each price `base` + a step. */
function tariffFile(file: string, base: number): void {
  const out = ['plan;zone;band;from;price'];
  for (let i = 0; i < MONTHS; i++) {
    const from = `${2030 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`;
    for (const [plan, zone] of ZONES) {
      out.push(`${plan};${zone};base;${from};${(base + i / 1000).toFixed(3)}`);
    }
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
}

async function state(db: Db) {
  const p = await db.kysely
    .selectFrom('tariff_prices')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('price_e5').as('sum')])
    .where('valid_from', '>=', '2030-01-01')
    .executeTakeFirstOrThrow();
  const runs = await db.kysely.selectFrom('import_runs').select('status').orderBy('id').execute();
  const audit = await db.kysely
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('event', '=', 'tariff_price')
    .executeTakeFirstOrThrow();
  return {
    prices: Number(p.n),
    sum: Number(p.sum ?? 0),
    runs: runs.map((r) => r.status),
    audit: Number(audit.n),
  };
}

const lineCount = (file: string) =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length : 0;

for (const dialect of await testDialects()) {
  describe(`a tariff import killed with SIGKILL (${dialect})`, () => {
    test(
      'leaves nothing of the file, and the run again applies all of it',
      { timeout: 600_000 },
      async () => {
        const t = await createTestDb(dialect);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-tariffs-kill-'));
        try {
          await ensureReferenceData(t.db.kysely, 2026);
          // The prices as they were: a first table applied in full.
          const first = path.join(dir, 'first.csv');
          tariffFile(first, 3);
          const clock = new ManualClock('2026-06-10T05:00:00Z');
          const format = tariffFormat(await loadTariffReference(t.db.kysely), { by: 'test' }, clock);
          await runImport(t.db.kysely, format, first, {
            apply: true,
            clock,
            reportPath: path.join(dir, 'r0.csv'),
          });
          const before = await state(t.db);
          assert.deepEqual([before.prices, before.runs, before.audit], [LINES, ['applied'], LINES]);

          // A second table changing every price: applying it notes each change in the report as
          // its batch is written, inside the one transaction. Kill it once a batch is written.
          const second = path.join(dir, 'second.csv');
          tariffFile(second, 4);
          const report = path.join(dir, 'r1.csv');
          const run = () =>
            runCli(t.url, ['import-tariffs', second, '--apply', '--report', report, '--no-progress']);
          const killed = await killWhen(run(), () => lineCount(report) > 501, { pollMs: 10 });
          const noted = lineCount(report);
          assert.ok(
            noted > 501 && noted < LINES,
            `killed after ${noted} report lines (exit ${killed.code}): ${killed.out.slice(-2000)}`,
          );
          // Some 500 changes were written when it died: none of them, nor its run, is left.
          assert.deepEqual(await state(t.db), before);

          const rerun = await run().done;
          assert.equal(rerun.code, 0, rerun.out);
          assert.match(rerun.out, new RegExp(`цен изменено: ${LINES}\\n`));
          const after = await state(t.db);
          assert.deepEqual(after, {
            prices: LINES,
            sum: before.sum + LINES * 100_000,
            runs: ['applied', 'applied'],
            audit: 2 * LINES,
          });
        } finally {
          await t.drop();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}
