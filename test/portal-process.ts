import path from 'node:path';

/** The repository's root: the working directory the portal's processes are started in. */
export const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The node arguments that start the portal's CLI (`cli`) or server (`server`) in a child
 * process, followed by `args`: the compiled tree that `npm test` built from these sources when it
 * names one (LK_TEST_DIST, see scripts/test.mjs), else the sources through tsx (a test file run on
 * its own). Through tsx a child cost about 3 s more CPU than the compiled one (4.1–5.2 s against
 * 1.8–2.5 s, measured on `--help` and `migrate`): cli.test.ts took 75 s of CPU that way and 30 s
 * this way, going-live.db.test.ts 171 s and 77 s.
 */
export function portalArgs(entry: 'cli' | 'server', args: readonly string[] = []): string[] {
  const dist = process.env.LK_TEST_DIST;
  return dist
    ? [path.join(path.resolve(ROOT, dist), 'app', `${entry}.js`), ...args]
    : ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src', 'app', `${entry}.ts`), ...args];
}
