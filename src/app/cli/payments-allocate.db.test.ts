import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testDialects } from '../../../test/helpers.ts';
import { runCli } from '../../../test/cli-child.ts';
import { importFile, SAMPLES, stateOf, withDb } from '../../features/imports/registry-fixture.db.test.ts';
import { listUnallocated } from '../../features/imports/registry.allocate.ts';

// `payments-allocate` as an accountant runs it: the list, an allocation with its reason (once),
// and the usage errors that refuse it before it opens the database.

for (const dialect of await testDialects()) {
  describe(`payments-allocate from the command line (${dialect})`, () => {
    test('lists the payments waiting, credits one once with the reason, refuses a second time', async () => {
      await withDb(dialect, async (t) => {
        await importFile(t.db, path.join(SAMPLES, 'registry-sberbank.txt'));
        const [u] = await listUnallocated(t.db.kysely);
        assert.ok(u);

        const list = await runCli(t.url, ['payments-allocate']).done;
        assert.equal(list.code, 0, list.out);
        assert.match(list.out, new RegExp(`^${u.id}\\tsberbank\\t${u.operationId}\\t`, 'm'));
        assert.match(list.out, /1 unallocated payment\(s\)/);

        const args = ['payments-allocate', '--id', String(u.id), '--account', '1705057190'];
        const noReason = await runCli(t.url, args).done;
        assert.equal(noReason.code, 2, noReason.out);
        assert.match(noReason.out, /--id needs --account and --reason/);

        const before = await stateOf(t.db);
        const done = await runCli(t.url, [...args, '--reason', 'письмо плательщика']).done;
        assert.equal(done.code, 0, done.out);
        assert.match(
          done.out,
          new RegExp(`payment ${u.id} \\(sberbank ${u.operationId}, .*\\) credited to 1705057190`),
        );
        const after = await stateOf(t.db);
        assert.deepEqual(
          [after.payments - before.payments, after.kop - before.kop, after.unallocated],
          [1, u.amountKop, 0],
        );

        const again = await runCli(t.url, [...args, '--reason', 'ещё раз']).done;
        assert.equal(again.code, 2, again.out);
        assert.deepEqual(await stateOf(t.db), after, 'nothing credited twice');
      });
    });
  });
}
