import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { cloneDb, createTestDb, reopenDb } from '../../../test/db.ts';
import { killWhen, runCli } from '../../../test/cli-child.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { writeAccountsFile } from '../../../bench/lib/accounts-file.ts';
import { accountsFormat } from './accounts.format.ts';
import { runImport } from './engine.ts';

// `import-accounts --apply` killed with SIGKILL half-way (some batches committed), then run
// again: it resumes after its last committed batch and ends with the accounts, and the audit
// entries of their changes, of one uninterrupted run on a copy of the same database.

const LINES = 20_000;
/** The first accounts of the file exist before it, with another patronymic: the file changes them. */
const EXISTING = 1_000;
const REGION = 'Республика Хакасия';

/** Every account with the fields the import writes, in number order, and the audit of the changes. */
async function state(db: Db) {
  const accounts = await db.kysely
    .selectFrom('accounts as a')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .innerJoin('tariff_plans as t', 't.id', 'a.tariff_plan_id')
    .select([
      'a.number',
      'a.surname',
      'a.first_name',
      'a.patronymic',
      'a.object_address',
      'a.area_e2',
      'a.residents',
      'a.phone',
      'a.imported_email',
      'b.code as branch',
      't.code as tariff',
    ])
    .orderBy('a.number')
    .execute();
  const audit = await db.kysely
    .selectFrom('audit_log')
    .select(['account_number', 'details'])
    .where('event', '=', 'account_import')
    .orderBy('account_number')
    .execute();
  return {
    accounts: accounts.map((a) => ({ ...a, area_e2: Number(a.area_e2), residents: Number(a.residents) })),
    // The run's id differs between the two databases' runs; what changed must not.
    audit: audit.map((a) => {
      const details = JSON.parse(a.details ?? '{}') as Record<string, unknown>;
      delete details.run;
      return [a.account_number, details];
    }),
  };
}

async function countAccounts(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

for (const dialect of await testDialects()) {
  describe(`an accounts import killed with SIGKILL and run again (${dialect})`, () => {
    test('resumes, and ends with the accounts of one uninterrupted run', { timeout: 600_000 }, async () => {
      const base = await createTestDb(dialect);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-accounts-kill-'));
      const file = path.join(dir, 'accounts.csv');
      await ensureReferenceData(base.db.kysely, 2026);
      const codes = (await base.db.kysely.selectFrom('settlements').select('code').execute()).map(
        (c) => c.code,
      );
      await writeAccountsFile(file, LINES, codes);
      // The accounts as they were: the file's first lines with another patronymic.
      const older = path.join(dir, 'older.csv');
      const head = fs
        .readFileSync(file, 'utf8')
        .split('\r\n')
        .slice(0, EXISTING + 1);
      fs.writeFileSync(older, `${head.join('\r\n').replaceAll(';Петрович;', ';Павлович;')}\r\n`);
      const clock = new ManualClock('2026-06-10T05:00:00Z');
      await runImport(base.db.kysely, accountsFormat({ region: REGION, full: false, clock }), older, {
        apply: true,
        clock,
        reportPath: path.join(dir, 'older.report.csv'),
      });
      assert.equal(await countAccounts(base.db), EXISTING);
      const killed = await cloneDb(dialect, base);
      const clean = await cloneDb(dialect, base);
      await base.drop();
      const args = (report: string) => [
        'import-accounts',
        file,
        '--region',
        REGION,
        '--apply',
        '--no-progress',
        '--report',
        path.join(dir, report),
      ];
      const watcher = reopenDb(killed.url);
      const cleanDb = reopenDb(clean.url);
      try {
        // Kill it once some batches of new accounts are committed, but not all.
        const first = await killWhen(
          runCli(killed.url, args('killed.csv')),
          async () => (await countAccounts(watcher)) > EXISTING + 500,
        );
        const partial = await countAccounts(watcher);
        assert.ok(
          partial > EXISTING && partial < LINES,
          `killed after ${partial} accounts (exit code ${first.code}): ${first.out.slice(-2000)}`,
        );
        const interrupted = await watcher.kysely
          .selectFrom('import_runs')
          .select(['status', 'cursor_line'])
          .where('kind', '=', 'accounts')
          .where('status', '=', 'applying')
          .executeTakeFirstOrThrow();
        assert.ok(Number(interrupted.cursor_line) > 0);

        const rerun = await runCli(killed.url, args('rerun.csv')).done;
        assert.equal(rerun.code, 0, rerun.out);
        assert.match(rerun.out, /продолжен после прерывания/);
        // The resumed run's counts are those of one run: each account added or changed once.
        assert.match(rerun.out, new RegExp(`добавлено лицевых счетов: ${LINES - EXISTING}\\n`));
        assert.match(rerun.out, new RegExp(`изменено: ${EXISTING}\\n`));

        const once = await runCli(clean.url, args('clean.csv')).done;
        assert.equal(once.code, 0, once.out);
        const expected = await state(cleanDb);
        assert.equal(expected.accounts.length, LINES);
        assert.equal(expected.audit.length, EXISTING);
        assert.deepEqual(await state(watcher), expected);
      } finally {
        await watcher.close();
        await cleanDb.close();
        await clean.drop();
        await killed.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
