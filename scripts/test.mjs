// Runs the test suites with node's test runner (TypeScript through tsx).
// Usage: npm test [-- unit|http|browser ...]   (default: all suites)
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'http', 'browser'];
const files = suites.flatMap((s) => {
  const dir = path.join('test', s);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') || f.endsWith('.test.tsx'))
    .sort()
    .map((f) => path.join(dir, f));
});
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
