import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module of this folder. Under tsx (the usual way the portal runs)
 * a worker does not inherit the TypeScript loader on Node 20, so it registers it first.
 */
export function startWorker(moduleName: string, workerData: unknown): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL(`./${moduleName}.ts`, self).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL(`./${moduleName}.js`, self), { workerData });
}
