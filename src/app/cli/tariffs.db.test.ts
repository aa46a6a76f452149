import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEnvFor, createTestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// `tariff-set` and `import-tariffs` as an administrator runs them, in a child process: what they
// print, their exit codes, and that a refusal leaves the prices as they were.

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SAMPLE = path.join(ROOT, 'samples', 'tariffs.csv');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      portalArgs('cli', args),
      { cwd: ROOT, env: { ...env, LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

for (const dialect of await testDialects()) {
  describe(`tariffs from the command line (${dialect})`, () => {
    test('tariff-set: added, the same again, a closed month refused with exit 2', async () => {
      const t = await createTestDb(dialect);
      try {
        await ensureReferenceData(t.db.kysely, 2026);
        const env = cliEnvFor(t.url);
        const set = (from: string, price: string) =>
          cli(env, 'tariff-set', '--plan', 'two-zone', '--zone', 'night', '--from', from, '--price', price);

        const added = await set('2026-07-01', '2,05');
        assert.equal(added.code, 0, added.stderr);
        assert.equal(
          added.stdout,
          'Цена записана: two-zone, зона night, диапазон base, с 01.07.2026 — 2,05000 руб./кВт·ч.\n',
        );
        const same = await set('2026-07-01', '2.05');
        assert.equal(same.code, 0, same.stderr);
        assert.match(
          same.stdout,
          /^Ничего не изменилось: two-zone, зона night, диапазон base, с 01\.07\.2026 уже стоит 2,05000/,
        );

        await t.db.kysely
          .insertInto('billing_periods')
          .values({ period: '2026-07', status: 'closed', started_at: 0, closed_at: 0 })
          .execute();
        const closed = await set('2026-07-01', '2,10');
        assert.equal(closed.code, 2);
        assert.equal(closed.stdout, '');
        assert.match(
          closed.stderr,
          /^Цену с 01\.07\.2026 записать нельзя: июль 2026 г\. уже закрыт.*перерасчётом/,
        );
        const price = await t.db.kysely
          .selectFrom('tariff_prices')
          .select('price_e5')
          .where('valid_from', '=', '2026-07-01')
          .executeTakeFirstOrThrow();
        assert.equal(Number(price.price_e5), 205_000);
      } finally {
        await t.drop();
      }
    });

    test('import-tariffs: a dry run, --apply, and a refused file with exit 2', async () => {
      const t = await createTestDb(dialect);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-tariffs-cli-'));
      try {
        await ensureReferenceData(t.db.kysely, 2026);
        const env = cliEnvFor(t.url);
        const report = path.join(dir, 'report.csv');
        const dry = await cli(env, 'import-tariffs', SAMPLE, '--report', report, '--no-progress');
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(
          dry.stdout,
          /^Проверка без записи .*\n.*\nСтрок с ценами: 6; отклонено: 0\.\nновых цен: 6\n/,
        );
        const applied = await cli(
          env,
          'import-tariffs',
          SAMPLE,
          '--apply',
          '--report',
          report,
          '--no-progress',
        );
        assert.equal(applied.code, 0, applied.stderr);
        assert.match(applied.stdout, /^Файл применён \(запуск № 2\)\./);

        const bad = path.join(dir, 'bad.csv');
        fs.writeFileSync(
          bad,
          'plan;zone;band;from;price\nsingle;single;base;2027-08-01;1,9\nsingle;day;base;2027-08-01;1,9\n',
        );
        const refused = await cli(env, 'import-tariffs', bad, '--apply', '--report', report, '--no-progress');
        assert.equal(refused.code, 2);
        assert.match(refused.stdout, /^Файл отклонён целиком, ничего не записано/);
        assert.match(
          fs.readFileSync(report, 'utf8'),
          /\n3;отклонена;Зона;У тарифа «single» одна зона \(single\): зоны day у него нет\./,
        );
        const august = await t.db.kysely
          .selectFrom('tariff_prices')
          .select('id')
          .where('valid_from', '=', '2027-08-01')
          .execute();
        assert.deepEqual(august, []);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await t.drop();
      }
    });
  });
}
