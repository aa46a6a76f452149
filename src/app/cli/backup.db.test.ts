import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDb } from '../../platform/db/connect.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createTestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// `npm run cli -- backup FILE` run as an operator runs it, in a child process, while this process
// keeps writing to the database as a running portal would.

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  if (!env.DATABASE_URL) {
    delete childEnv.DATABASE_URL;
  }
  delete childEnv.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      portalArgs('cli', args),
      { cwd: ROOT, env: childEnv },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const tmpDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

let dialects: Dialect[] = [];
before(async () => {
  dialects = await testDialects();
});

describe('backup on SQLite', () => {
  test('copies a live database while it is written to; the copy restores with its data and schema', async () => {
    const t = await createTestDb('sqlite');
    const out = tmpDir('lk-backup-');
    try {
      const k = t.db.kysely;
      // A few megabytes, so that the copy is more than a moment's work.
      const details = 'x'.repeat(400);
      for (let i = 0; i < 20; i++) {
        await k
          .insertInto('audit_log')
          .values(
            Array.from({ length: 500 }, () => ({ at: 1, event: 'seed', ip: null, outcome: 'ok', details })),
          )
          .execute();
      }
      // The writer: one committed row after another until the backup has ended.
      let done = false;
      let written = 0;
      const writer = (async () => {
        while (!done) {
          await k
            .insertInto('audit_log')
            .values({ at: 2, event: 'live', ip: null, outcome: 'ok', details: String(written + 1) })
            .execute();
          written++;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const file = path.join(out, 'portal-backup.db');
      const run = await cli({ DATA_DIR: path.dirname(t.url) }, 'backup', file);
      const writtenByEnd = written;
      done = true;
      await writer;
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /^backed up .* to .*portal-backup\.db: [\d.]+ MB, \d+ pages, schema at \d+_\w+/,
      );
      assert.ok(writtenByEnd > 0, 'the database was written to while the backup ran');

      // Restore as docs/operations.md says: the copy becomes DATA_DIR/portal.db of a stopped portal.
      const restoredDir = tmpDir('lk-restored-');
      fs.copyFileSync(file, path.join(restoredDir, 'portal.db'));
      const restored = openDb({ sqlitePath: path.join(restoredDir, 'portal.db') });
      try {
        assert.equal(restored.sqlite!.pragma('integrity_check', { simple: true }), 'ok');
        const migrated = await migrateToLatest(restored);
        assert.deepEqual(migrated.results, [], 'the copy is at the latest migration');
        const rk = restored.kysely;
        const seed = await rk
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('event', '=', 'seed')
          .executeTakeFirstOrThrow();
        assert.equal(Number(seed.n), 10_000);
        // A consistent copy: the live rows it holds are the first N written, none missing between.
        const live = await rk
          .selectFrom('audit_log')
          .select('details')
          .where('event', '=', 'live')
          .orderBy('id')
          .execute();
        assert.deepEqual(
          live.map((r) => r.details),
          live.map((_, i) => String(i + 1)),
        );
        assert.ok(live.length > 0, 'the copy holds rows written while the portal was live');
        assert.ok(live.length <= written, `${live.length} live rows in the copy, ${written} written`);
      } finally {
        await restored.close();
        fs.rmSync(restoredDir, { recursive: true, force: true });
      }
    } finally {
      await t.drop();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('refuses to overwrite a file without --force, and overwrites it with --force', async () => {
    const t = await createTestDb('sqlite');
    const out = tmpDir('lk-backup-');
    try {
      const file = path.join(out, 'existing.db');
      fs.writeFileSync(file, 'yesterday');
      const env = { DATA_DIR: path.dirname(t.url) };
      const refused = await cli(env, 'backup', file);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /existing\.db exists: add --force to overwrite it/);
      assert.equal(fs.readFileSync(file, 'utf8'), 'yesterday');
      assert.deepEqual(fs.readdirSync(out), ['existing.db'], 'no partial copy left behind');

      const forced = await cli(env, 'backup', '--force', file);
      assert.equal(forced.code, 0, forced.stderr);
      const copy = new SQLite(file, { readonly: true });
      try {
        assert.equal(copy.pragma('quick_check', { simple: true }), 'ok');
      } finally {
        copy.close();
      }
      assert.deepEqual(fs.readdirSync(out), ['existing.db']);
    } finally {
      await t.drop();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('without a database it says so and creates none', async () => {
    const dataDir = path.join(tmpDir('lk-backup-'), 'data');
    fs.mkdirSync(dataDir);
    try {
      const run = await cli({ DATA_DIR: dataDir }, 'backup', path.join(dataDir, '..', 'copy.db'));
      assert.equal(run.code, 2);
      assert.match(run.stderr, /There is no database at .*portal\.db/);
      assert.deepEqual(fs.readdirSync(dataDir), []);
    } finally {
      fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});

describe('backup on PostgreSQL', () => {
  test('points to pg_dump and writes nothing', async (t) => {
    if (!dialects.includes('postgres')) {
      t.skip('PostgreSQL is not tested here (DIALECTS)');
      return;
    }
    const db = await createTestDb('postgres');
    const out = tmpDir('lk-backup-');
    try {
      const run = await cli({ DATABASE_URL: db.url, DATA_DIR: out }, 'backup', path.join(out, 'x.dump'));
      assert.equal(run.code, 2);
      assert.match(run.stderr, /PostgreSQL \(DATABASE_URL\): back it up with pg_dump, e\.g\. pg_dump -Fc/);
      assert.deepEqual(fs.readdirSync(out), []);
    } finally {
      await db.drop();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
