import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The rules of .dependency-cruiser.cjs (run by `npm run lint`), tried on small trees written here:
// each forbidden arrow is reported by its rule, and a tree that keeps the rules passes.

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Writes `files` (path → imports) as a tree of TypeScript files and cruises it with the project's rules. */
async function cruise(
  files: Record<string, string[]>,
): Promise<{ violations: Violation[]; modules: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-architecture-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
      }),
    );
    for (const [file, imports] of Object.entries(files)) {
      const full = path.join(dir, file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      const lines = imports.map((spec, i) =>
        spec.startsWith('node:')
          ? `import * as m${i} from '${spec}';`
          : `import * as m${i} from '${path.relative(path.dirname(file), spec).replace(/^(?!\.)/, './')}';`,
      );
      fs.writeFileSync(
        full,
        `${lines.join('\n')}\nexport const used = [${imports.map((_, i) => `m${i}`).join(', ')}];\n`,
      );
    }
    const bin = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
    const args = ['src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'];
    // depcruise exits non-zero when it finds violations: the report is on stdout either way.
    const out = await run(bin, args, { cwd: dir }).catch((err: { stdout?: string }) => ({
      stdout: err.stdout ?? '',
    }));
    const report = JSON.parse(out.stdout) as {
      modules: Array<{ source: string }>;
      summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> };
    };
    return {
      violations: report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
      modules: report.modules.map((m) => m.source).sort(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a tree whose arrows point one way passes: app → pages → features → domain and platform', async () => {
  const files = {
    'src/app/app.ts': ['src/pages/main/main.ts', 'src/features/mail/mail.ts', 'src/tools/demo/demo.ts'],
    'src/pages/main/main.ts': ['src/features/mail/mail.ts', 'src/features/billing/billing.ts'],
    'src/features/mail/mail.ts': ['src/features/billing/billing.ts', 'src/platform/db.ts'],
    'src/features/billing/billing.ts': ['src/domain/rules.ts', 'src/platform/db.ts'],
    'src/tools/demo/demo.ts': ['src/features/billing/billing.ts'],
    'src/platform/db.ts': ['node:fs', 'src/domain/rules.ts'],
    'src/domain/rules.ts': [],
  };
  const { violations, modules } = await cruise(files);
  // Every file was read (and Node's fs seen as the platform's import).
  assert.deepEqual(modules, ['fs', ...Object.keys(files)].sort());
  assert.deepEqual(violations, []);
});

test('each forbidden arrow is reported by its rule', async () => {
  const { violations } = await cruise({
    // Two files importing each other.
    'src/features/readings/service.ts': ['src/features/readings/view.ts'],
    'src/features/readings/view.ts': ['src/features/readings/service.ts'],
    // Two features importing each other both ways, through different files: no file cycle.
    'src/features/mail/worker.ts': ['src/features/billing/bills.ts'],
    'src/features/billing/closing.ts': ['src/features/mail/outbox.ts'],
    'src/features/billing/bills.ts': [],
    'src/features/mail/outbox.ts': [],
    // A feature reaching up into a page, the platform into a feature, the rules into I/O.
    'src/features/payments/routes.ts': ['src/pages/main/page.ts'],
    'src/pages/main/page.ts': [],
    'src/platform/config.ts': ['src/features/payments/config.ts'],
    'src/features/payments/config.ts': [],
    'src/domain/money.ts': ['node:fs'],
  });
  const rules = (name: string) => violations.filter((v) => v.rule === name);
  assert.ok(
    rules('no-file-cycles').some((v) => v.from === 'src/features/readings/service.ts'),
    JSON.stringify(violations),
  );
  assert.ok(
    rules('no-folder-cycles').some(
      (v) => v.from.startsWith('src/features/mail') && v.to.startsWith('src/features/billing'),
    ),
    JSON.stringify(violations),
  );
  assert.deepEqual(
    rules('features-are-leaves').map((v) => [v.from, v.to]),
    [['src/features/payments/routes.ts', 'src/pages/main/page.ts']],
  );
  assert.deepEqual(
    rules('platform-is-below-features').map((v) => [v.from, v.to]),
    [['src/platform/config.ts', 'src/features/payments/config.ts']],
  );
  assert.deepEqual(
    rules('domain-is-pure').map((v) => [v.from, v.to]),
    [['src/domain/money.ts', 'fs']],
  );
});
