import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './dataset.ts';

let built = false;

/**
 * The portal as it runs in production: built by `npm run build` (dist/ and what it serves), started with
 * plain node, without the TypeScript loader the development commands use. Built once per
 * bench run, so the figures are always of the current sources.
 */
export function productionEntry(entry: 'server' | 'cli'): string {
  if (!built) {
    const started = performance.now();
    const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (res.status !== 0) {
      throw new Error('npm run build failed');
    }
    console.log(`build: npm run build in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    built = true;
  }
  return path.join(ROOT, 'dist', 'app', `${entry}.js`);
}
