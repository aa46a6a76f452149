import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDb } from '../../../test/db.ts';

// SQLite's statement cache (withStatementCache in connect.ts): the same SQL text reuses its
// prepared statement, so each use must find it ready, whatever the last one left.

test('SQLite: a cached statement serves other parameters, and runs again after a stream left early', async () => {
  const t = await createTestDb('sqlite');
  try {
    const db = t.db.kysely;
    await db
      .insertInto('settlements')
      .values(['01', '02', '03'].map((code) => ({ code, name: `Поселение ${code}` })))
      .execute();
    const from = (code: string) =>
      db.selectFrom('settlements').select('code').where('code', '>=', code).orderBy('code');
    assert.deepEqual(await from('02').execute(), [{ code: '02' }, { code: '03' }]);
    assert.deepEqual(await from('01').execute(), [{ code: '01' }, { code: '02' }, { code: '03' }]);
    for await (const row of from('01').stream()) {
      assert.equal(row.code, '01');
      break; // the statement is left after its first row
    }
    assert.deepEqual(await from('03').execute(), [{ code: '03' }]);
    assert.equal((await from('01').execute()).length, 3);
  } finally {
    await t.drop();
  }
});
