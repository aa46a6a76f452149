import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { lazyRequire } from '../../platform/lazy.ts';
import { renderCheckPng, type CheckData } from './check-image.ts';

const piscina = lazyRequire<typeof import('piscina')>('piscina');

/** Renders electronic checks (PNG) for the web server. */
export interface CheckRenderer {
  render(c: CheckData): Promise<Buffer>;
  /** Ends the worker threads (waiting for the images under way). */
  close(): Promise<void>;
}

/**
 * Checks rendered in worker threads (piscina), a thread per core at most, or in the caller's
 * thread with `threads` 0. Why: a check costs 40-170 ms of CPU (resvg's rasterising and fontkit's
 * outlines; 173 ms measured on the shared 2-core machine), and on the event loop every other
 * request waited that long. As with the bills' pool (billing/pdf/pdf-pool.ts), the threads start
 * on the first check and end when idle.
 */
export function checkRenderer(threads: number = Math.max(1, availableParallelism())): CheckRenderer {
  if (threads === 0) {
    return { render: (c) => Promise.resolve(renderCheckPng(c)), close: () => Promise.resolve() };
  }
  let pool: Piscina<CheckData, Uint8Array> | null = null;
  return {
    async render(c) {
      pool ??= new (piscina().Piscina)<CheckData, Uint8Array>({
        // The worker module beside this one: TypeScript under tsx, JavaScript in a build.
        filename: new URL(
          `./check-image.worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
          import.meta.url,
        ).href,
        minThreads: 0,
        maxThreads: threads,
        idleTimeout: 60_000,
      });
      const bytes = await pool.run(c);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    async close() {
      await pool?.close();
    },
  };
}
