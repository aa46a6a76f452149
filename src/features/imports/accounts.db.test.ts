import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { runImport, type ImportFormat } from './engine.ts';
import { accountsFormat } from './accounts.format.ts';
import type { AccountLine } from './accounts.parse.ts';
import {
  account,
  countAccounts,
  HEADER,
  importAccounts,
  importAudits,
  line,
  NOW,
  REGION,
  SAMPLE,
  tmpFile,
  withDb,
} from './accounts-fixture.db.test.ts';

// The accounts import (import-accounts) on both databases: samples/accounts.csv, updates with
// their audit entry, the same file twice, another encoding, a failed batch resumed.

for (const dialect of await testDialects()) {
  describe(`accounts import (${dialect})`, () => {
    test('the sample: a dry run stores nothing; apply adds three and updates the demo account once, audited', async () => {
      await withDb(dialect, async ({ db }) => {
        const before = await account(db, DEMO_ACCOUNT.number);
        const dry = await importAccounts(db, SAMPLE, { apply: false });
        assert.equal(dry.summary.status, 'dry_run');
        assert.equal(dry.summary.records, 4);
        assert.deepEqual(
          {
            added: dry.summary.counts.added,
            changed: dry.summary.counts.changed,
            rejected: dry.summary.rejected,
          },
          { added: 3, changed: 1, rejected: 0 },
        );
        assert.equal(await countAccounts(db), 1);
        assert.deepEqual(await account(db, DEMO_ACCOUNT.number), before);
        assert.deepEqual(await importAudits(db), []);

        const { summary, report } = await importAccounts(db, SAMPLE);
        assert.equal(summary.status, 'applied');
        assert.deepEqual(
          {
            added: summary.counts.added,
            changed: summary.counts.changed,
            unchanged: summary.counts.unchanged,
          },
          { added: 3, changed: 1, unchanged: 0 },
        );
        assert.equal(await countAccounts(db), 4);
        // Addresses as the portal builds them; branches by settlement; area in hundredths of m².
        assert.deepEqual(await account(db, '1000000029'), {
          surname: 'Сидоров',
          first_name: 'Олег',
          patronymic: '',
          object_address: 'Республика Хакасия, г. Абакан, ул. Ленина, д. 5А, кв. 12',
          delivery_address: '655017, г. Абакан, а/я 15',
          area_e2: 3800,
          residents: 1,
          phone: '89001234567',
          imported_email: null,
          settlement_code: '10',
          address_key: 'ленина 5а 12',
          branch: 'abakan',
          tariff: 'two-zone',
        });
        const sayanogorsk = await account(db, '2000000036');
        assert.equal(sayanogorsk?.branch, 'smo');
        assert.equal(sayanogorsk?.area_e2, 6275);
        assert.equal(sayanogorsk?.delivery_address, sayanogorsk?.object_address);
        assert.equal((await account(db, '1700000011'))?.branch, 'chernogorsk');

        const demo = await account(db, DEMO_ACCOUNT.number);
        assert.equal(demo?.object_address, 'Республика Хакасия, г. Черногорск, ул. Бограда, д. 71');
        assert.equal(demo?.residents, 2);
        assert.equal(demo?.phone, '+73903123456');
        assert.equal(demo?.imported_email, 'ivanov@example.ru');
        // One audit entry for the account, naming each changed field before and after; the
        // e-mail masked; the surname (unchanged here) is the login and never logged.
        const audits = await importAudits(db);
        assert.equal(audits.length, 1);
        assert.equal(audits[0]!.account_number, DEMO_ACCOUNT.number);
        assert.equal(audits[0]!.outcome, 'changed');
        assert.deepEqual(audits[0]!.details.fields, [
          'object_address',
          'delivery_address',
          'residents',
          'phone',
          'imported_email',
        ]);
        assert.deepEqual(audits[0]!.details.before, {
          object_address: before!.object_address,
          delivery_address: before!.delivery_address,
          residents: 1,
          phone: null,
          imported_email: null,
        });
        assert.deepEqual(audits[0]!.details.after, {
          object_address: demo.object_address,
          delivery_address: demo.delivery_address,
          residents: 2,
          phone: '+73903123456',
          imported_email: 'i***@example.ru',
        });
        assert.equal(audits[0]!.details.run, summary.runId);
        assert.match(
          report,
          /\n2;замечание;.*;Лицевой счёт 1705057190: изменено — адрес объекта, адрес доставки, проживающих, телефон, e-mail \(не подтверждён\)\./,
        );
        // The imported e-mail is not an address for bills: nothing in mail_subscriptions.
        const subs = await db.kysely.selectFrom('mail_subscriptions').select('email').execute();
        assert.deepEqual(subs, []);
      });
    });

    test('the same file again changes nothing, and says so', async () => {
      await withDb(dialect, async ({ db }) => {
        const first = await importAccounts(db, SAMPLE);
        const again = await importAccounts(db, SAMPLE);
        assert.equal(again.summary.status, 'applied');
        assert.deepEqual(
          {
            added: again.summary.counts.added,
            changed: again.summary.counts.changed,
            unchanged: again.summary.counts.unchanged,
          },
          { added: 0, changed: 0, unchanged: 4 },
        );
        assert.equal(again.summary.alreadyApplied, first.summary.runId);
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));
        assert.equal(await countAccounts(db), 4);
        assert.equal((await importAudits(db)).length, 1);
      });
    });

    test('a changed field updates the account with an audit entry; a surname change is logged without the surname', async () => {
      await withDb(dialect, async ({ db }) => {
        await importAccounts(db, tmpFile([HEADER, line('1000000012')].join('\n')));
        const { summary } = await importAccounts(
          db,
          tmpFile([HEADER, line('1000000012', { 1: 'Смирнова', 9: '48,51', 10: 'two-zone' })].join('\n')),
        );
        assert.equal(summary.counts.changed, 1);
        const a = await account(db, '1000000012');
        assert.deepEqual([a?.surname, a?.area_e2, a?.tariff], ['Смирнова', 4851, 'two-zone']);
        const audits = await importAudits(db);
        assert.equal(audits.length, 1);
        assert.deepEqual(audits[0]!.details.fields, ['surname', 'area_e2', 'tariff_plan_id']);
        assert.deepEqual(audits[0]!.details.before, {
          surname: '(изменена)',
          area_e2: 4850,
          tariff_plan_id: 'single',
        });
        assert.deepEqual(audits[0]!.details.after, {
          surname: '(изменена)',
          area_e2: 4851,
          tariff_plan_id: 'two-zone',
        });
        assert.doesNotMatch(JSON.stringify(audits), /Смирнов/);
      });
    });

    test('the sample in Windows-1251 with tabs reads as the same accounts: nothing changes', async () => {
      await withDb(dialect, async ({ db }) => {
        await importAccounts(db, SAMPLE);
        const text = fs.readFileSync(SAMPLE, 'utf8').replaceAll(';', '\t');
        const { summary } = await importAccounts(db, tmpFile(iconv.encode(text, 'windows-1251')));
        assert.equal(summary.encoding, 'windows-1251');
        assert.equal(summary.delimiter, '\t');
        assert.equal(summary.alreadyApplied, null);
        assert.deepEqual([summary.counts.unchanged, summary.counts.changed, summary.counts.added], [4, 0, 0]);
      });
    });

    test('a run that fails in its second batch keeps the first; the same file again resumes it', async () => {
      await withDb(dialect, async ({ db }) => {
        const numbers = Array.from({ length: 1100 }, (_, i) => `10${String(i + 1).padStart(7, '0')}1`);
        const file = tmpFile([HEADER, ...numbers.map((n) => line(n))].join('\n'));
        const clock = new ManualClock(NOW);
        const real = accountsFormat({ region: REGION, full: false, clock });
        // The crash: the second batch's transaction throws before it commits.
        const crashing: ImportFormat<AccountLine> = {
          ...real,
          apply: (tx, batch, runId) =>
            batch[0]!.line > 2 ? Promise.reject(new Error('crash')) : real.apply(tx, batch, runId),
        };
        const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'r.csv');
        await assert.rejects(
          runImport(db.kysely, crashing, file, { apply: true, clock, reportPath }),
          /crash/,
        );
        assert.equal(await countAccounts(db), 1 + 500);
        const first = await db.kysely
          .selectFrom('import_runs')
          .select(['id', 'status', 'cursor_line'])
          .where('kind', '=', 'accounts')
          .executeTakeFirstOrThrow();
        assert.equal(first.status, 'applying');
        assert.equal(Number(first.cursor_line), 501);

        const { summary } = await importAccounts(db, file);
        assert.equal(summary.resumedRun, Number(first.id));
        assert.equal(summary.counts.added, 1100);
        assert.equal(await countAccounts(db), 1 + 1100);
        const again = await importAccounts(db, file);
        assert.deepEqual([again.summary.counts.unchanged, again.summary.counts.added], [1100, 0]);
      });
    });
  });
}
