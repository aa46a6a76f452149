import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, reopenDb } from '../../../test/db.ts';
import { killWhen, runCli } from '../../../test/cli-child.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import type { Db } from '../../platform/db/connect.ts';
import { writeRegistry } from '../../../bench/lib/registry-file.ts';

// `import-registry --apply` killed with SIGKILL half-way, then run again: the state of one
// uninterrupted run, nothing credited twice.

const LINES = 20_000;
const ACCOUNTS = 500;

async function state(db: Db) {
  const k = db.kysely;
  const pay = await k
    .selectFrom('payments')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.count<number>('external_id').distinct().as('distinct'),
      eb.fn.sum<number>('amount_kop').as('kop'),
      eb.fn.sum<number>('commission_kop').as('commission'),
    ])
    .where('external_id', 'like', 'registry:%')
    .executeTakeFirstOrThrow();
  const reg = await k
    .selectFrom('registry_payments')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('payment_id').as('linked')])
    .executeTakeFirstOrThrow();
  return {
    payments: Number(pay.n),
    distinct: Number(pay.distinct),
    kop: Number(pay.kop ?? 0),
    commission: Number(pay.commission ?? 0),
    registry: Number(reg.n),
    linked: Number(reg.linked),
  };
}

for (const dialect of await testDialects()) {
  describe(`a registry import killed with SIGKILL and run again (${dialect})`, () => {
    test('resumes, and credits each operation once', { timeout: 600_000 }, async () => {
      const t = await createTestDb(dialect);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-kill-'));
      const file = path.join(dir, 'registry.txt');
      try {
        await ensureReferenceData(t.db.kysely, 2026);
        await bulkAccounts(t.db, ACCOUNTS);
        const totals = await writeRegistry(file, { lines: LINES, accounts: ACCOUNTS });
        const run = () =>
          runCli(t.url, ['import-registry', file, '--profile', 'sberbank', '--apply', '--no-progress']);

        // Kill it once some batches are committed, but not all.
        const watcher = reopenDb(t.url);
        const first = await killWhen(run(), async () => (await state(watcher)).payments > 0);
        const partial = await state(watcher);
        assert.ok(
          partial.payments > 0 && partial.payments < LINES,
          `killed after ${partial.payments} payments (exit code ${first.code}): ${first.out.slice(-2000)}`,
        );
        const interrupted = await watcher.kysely
          .selectFrom('import_runs')
          .select(['status', 'cursor_line'])
          .where('status', '=', 'applying')
          .executeTakeFirstOrThrow();
        assert.ok(Number(interrupted.cursor_line) > 0);

        const rerun = await run().done;
        assert.equal(rerun.code, 0, rerun.out);
        assert.match(rerun.out, /продолжен после прерывания/);
        const final = await state(watcher);
        assert.deepEqual(final, {
          payments: LINES,
          distinct: LINES,
          kop: totals.amountKop,
          commission: totals.commissionKop,
          registry: LINES,
          linked: LINES,
        });
        // The resumed run's counts are those of one run: every payment credited, none twice.
        assert.match(rerun.out, new RegExp(`зачислено на лицевые счета: ${LINES}\\n`));

        const again = await run().done;
        assert.equal(again.code, 0, again.out);
        assert.match(again.out, /Изменений нет/);
        assert.deepEqual(await state(watcher), final);
        await watcher.close();
      } finally {
        await t.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
