import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEnvFor, createTestDb } from '../../../test/db.ts';
import { testDialects } from '../../../test/helpers.ts';
import { portalArgs } from '../../../test/portal-process.ts';

// The README's "Going live" block, command by command, as an administrator runs it on a fresh
// database: read from the README itself (so the documented sequence is the tested one), each
// command a child process in a folder holding a copy of samples/ (the exports write there).
// Every command must exit 0, and the first closing must charge every imported account with a meter.

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** The commands of the README's "Going live" block, as argument lists (double quotes honoured). */
function goingLiveCommands(): string[][] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Going live'), readme.indexOf('## Imports'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .filter((l) => l.startsWith('npm run cli -- '))
    .map((l) =>
      [
        ...l
          .slice('npm run cli -- '.length)
          .replace(/\s+#.*$/, '')
          .matchAll(/"([^"]*)"|(\S+)/g),
      ].map((m) => m[1] ?? m[2]!),
    );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(env: NodeJS.ProcessEnv, cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      portalArgs('cli', args),
      { cwd, env: { ...env, LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

for (const dialect of await testDialects()) {
  describe(`going live on a fresh database (${dialect})`, () => {
    test('branches-load and tariff-plans-load: a dry run stores nothing; a refused file exits 2', async () => {
      const t = await createTestDb(dialect);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-reference-cli-'));
      try {
        const env = cliEnvFor(t.url);
        const report = path.join(dir, 'report.csv');
        const dry = await cli(env, ROOT, ['branches-load', 'samples/branches.csv', '--report', report]);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(
          dry.stdout,
          /^Проверка без записи .*\n.*\nСтрок с отделениями: 3; отклонено: 0\.\nдобавлено отделений: 3\n/,
        );
        const plans = await cli(env, ROOT, [
          'tariff-plans-load',
          'samples/tariff-plans.csv',
          '--report',
          report,
        ]);
        assert.equal(plans.code, 0, plans.stderr);
        assert.match(plans.stdout, /\nдобавлено тарифов: 3\n/);
        assert.equal((await t.db.kysely.selectFrom('branches').select('id').execute()).length, 0);
        assert.equal((await t.db.kysely.selectFrom('tariff_plans').select('id').execute()).length, 0);

        const bad = path.join(dir, 'bad.csv');
        fs.writeFileSync(bad, 'Код;Название;Зон\nsingle;Однотарифный;1\n');
        const refused = await cli(env, ROOT, ['tariff-plans-load', bad, '--apply', '--report', report]);
        assert.equal(refused.code, 2);
        assert.match(
          refused.stdout,
          /^Файл отклонён целиком, ничего не записано .*\nСтрока 1: в заголовке нет столбцов «Норматив на проживающего»/,
        );
      } finally {
        await t.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test("the README's sequence runs in order and the first closing charges every metered account", async () => {
      const t = await createTestDb(dialect);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-going-live-'));
      try {
        fs.cpSync(path.join(ROOT, 'samples'), path.join(dir, 'samples'), {
          recursive: true,
          filter: (f) => !f.endsWith('.report.csv'),
        });
        const env = cliEnvFor(t.url);
        const commands = goingLiveCommands();
        const names = commands.map((c) => c[0]);
        // The reference data come before what needs them.
        assert.ok(names.indexOf('branches-load') < names.indexOf('settlements-load'), names.join(' '));
        assert.ok(names.indexOf('tariff-plans-load') < names.indexOf('import-accounts'), names.join(' '));
        assert.ok(names.lastIndexOf('import-tariffs') < names.indexOf('close-month'), names.join(' '));
        const out = new Map<string, string>();
        for (const args of commands) {
          const r = await cli(env, dir, args);
          assert.equal(r.code, 0, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
          out.set(args[0]!, (out.get(args[0]!) ?? '') + r.stdout);
        }
        assert.match(out.get('branches-load')!, /\nдобавлено отделений: 3\n/);
        assert.match(out.get('tariff-plans-load')!, /\nдобавлено тарифов: 3\n/);
        assert.match(out.get('settlements-load')!, /отклонено: 0\.\nдобавлено: 3\n/);
        assert.match(out.get('import-accounts')!, /отклонено: 0\.\nдобавлено лицевых счетов: 4\n/);
        assert.match(out.get('import-meters')!, /отклонено: 0\.\nустановлено счётчиков: 3\n/);
        assert.doesNotMatch(out.get('import-meters')!, /Изменений нет/);
        assert.match(out.get('close-month')!, /^2026-11 closed: 4 charges/);

        const k = t.db.kysely;
        const metered = await k
          .selectFrom('accounts as a')
          .innerJoin('meters as m', 'm.account_id', 'a.id')
          .select('a.number')
          .where('m.removed_on', 'is', null)
          .orderBy('a.number')
          .execute();
        assert.equal(metered.length, 3);
        const charged = await k
          .selectFrom('charges as c')
          .innerJoin('accounts as a', 'a.id', 'c.account_id')
          .select(['a.number', 'c.method', 'c.tariff_e5'])
          .where('c.period', '=', '2026-11')
          .orderBy('a.number')
          .execute();
        for (const { number } of metered) {
          const c = charged.find((x) => x.number === number);
          assert.ok(c, `no charge for ${number}`);
          assert.equal(c.method, 'readings', number);
          // At the prices in force on 2026-11-01 (samples/tariffs-2026.csv), not the 2027 ones.
          assert.ok([161_000, 352_000, 422_000].includes(Number(c.tariff_e5)), `${number}: ${c.tariff_e5}`);
        }
        // The account without a meter is charged by the norm: 2 residents × 120 kWh × 1,61.
        const unmetered = charged.find((c) => c.number === '1705057190');
        assert.equal(unmetered?.method, 'norm');
        assert.ok(fs.existsSync(path.join(dir, 'charges-2026-11.csv')));
      } finally {
        await t.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
