import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { runImport } from './engine.ts';
import { registryFormat } from './registry.format.ts';
import { findProfile, loadProfiles } from './registry.profiles.ts';
import { HEADER, importAccounts, line, NOW, tmpFile, withDb } from './accounts-fixture.db.test.ts';

// A closed account: the accounts file's last column says from which day; a registry payment made
// to it from that day on waits unallocated with the reason, one made before is credited. (That a
// month after the closing does not charge it, the charge oracle's population checks.)

async function closedOn(db: Db, number: string): Promise<string | null> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select('closed_on')
    .where('number', '=', number)
    .executeTakeFirstOrThrow();
  return r.closed_on;
}

/** The demo account's line with a closing date (or none): the rest as the fixture's line gives it. */
const demoLine = (closing: string) => line(DEMO_ACCOUNT.number, { 1: DEMO_ACCOUNT.surname, 14: closing });

async function pay(db: Db, ops: Array<{ op: string; date: string }>) {
  const clock = new ManualClock(NOW);
  const body = [
    'date,operation_id,account,name,address,period,amount,commission,reading1',
    ...ops.map((o) => `${o.date},${o.op},${DEMO_ACCOUNT.number},Иванов,,06.2026,100.00,0,`),
  ].join('\n');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-closed-')), 'registry.csv');
  fs.writeFileSync(file, body + '\n');
  const reportPath = `${file}.report.csv`;
  const summary = await runImport(
    db.kysely,
    registryFormat(findProfile(loadProfiles(), 'generic'), {
      clock,
      timeZone: 'Asia/Krasnoyarsk',
      readingsLastDay: 25,
    }),
    file,
    { apply: true, clock, reportPath, source: { encoding: 'auto', delimiter: 'auto' } },
  );
  return { summary, report: fs.readFileSync(reportPath, 'utf8') };
}

for (const dialect of await testDialects()) {
  describe(`a closed account (${dialect})`, () => {
    test('the accounts file closes and reopens it, audited; a bad date is refused with its line', async () => {
      await withDb(dialect, async ({ db }) => {
        const closing = await importAccounts(db, tmpFile([HEADER, demoLine('15.05.2026')].join('\n')));
        assert.equal(closing.summary.counts.changed, 1, closing.report);
        assert.equal(await closedOn(db, DEMO_ACCOUNT.number), '2026-05-15');
        const audit = await db.kysely
          .selectFrom('audit_log')
          .select('details')
          .where('event', '=', 'account_import')
          .execute();
        assert.ok(
          audit.some((a) => /"closed_on"/.test(a.details ?? '') && /2026-05-15/.test(a.details ?? '')),
          JSON.stringify(audit),
        );

        const bad = await importAccounts(db, tmpFile([HEADER, demoLine('31.02.2026')].join('\n')));
        assert.equal(bad.summary.rejected, 1);
        assert.match(bad.report, /^2;.*Дата закрытия/m);
        assert.equal(await closedOn(db, DEMO_ACCOUNT.number), '2026-05-15', 'a refused line changes nothing');

        const open = await importAccounts(db, tmpFile([HEADER, demoLine('')].join('\n')));
        assert.equal(open.summary.counts.changed, 1);
        assert.equal(await closedOn(db, DEMO_ACCOUNT.number), null);
      });
    });

    test('a registry payment from the closing day on waits unallocated with the reason; one before is credited', async () => {
      await withDb(dialect, async ({ db }) => {
        await importAccounts(db, tmpFile([HEADER, demoLine('15.05.2026')].join('\n')));
        const { summary, report } = await pay(db, [
          { op: 'C-1', date: '14.05.2026' },
          { op: 'C-2', date: '15.05.2026' },
          { op: 'C-3', date: '02.06.2026' },
        ]);
        assert.equal(summary.status, 'applied', report);
        assert.deepEqual(
          { credited: summary.counts.credited, unallocated: summary.counts.unallocated },
          { credited: 1, unallocated: 2 },
        );
        assert.match(report, /Лицевой счёт закрыт с 15\.05\.2026: 1705057190, платёж от 15\.05\.2026/);
        const rows = await db.kysely
          .selectFrom('registry_payments')
          .select(['operation_id', 'status', 'reason', 'account_id'])
          .orderBy('operation_id')
          .execute();
        assert.deepEqual(
          rows.map((r) => [r.operation_id, r.status, r.account_id === null ? null : 'account', r.reason]),
          [
            ['C-1', 'credited', 'account', null],
            ['C-2', 'unallocated', null, 'Лицевой счёт закрыт с 15.05.2026.'],
            ['C-3', 'unallocated', null, 'Лицевой счёт закрыт с 15.05.2026.'],
          ],
        );
      });
    });
  });
}
