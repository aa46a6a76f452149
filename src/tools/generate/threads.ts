import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../platform/threads.ts';

/** Starts a worker thread on a module of this folder (see startModuleWorker). */
export function startWorker(moduleName: string, workerData: unknown): Worker {
  return startModuleWorker(import.meta.url, moduleName, workerData);
}
