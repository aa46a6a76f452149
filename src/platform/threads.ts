import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` next to `base` (the caller's `import.meta.url`).
 * Under tsx (the development commands) a worker does not inherit the TypeScript loader on
 * Node 20, so it registers it first; a build (dist/) runs the compiled module directly.
 */
export function startModuleWorker(base: string, name: string, workerData: unknown): Worker {
  if (base.endsWith('.ts')) {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL(`./${name}.ts`, base).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, base), { workerData });
}
