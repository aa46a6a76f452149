import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';

/**
 * A background job of a listening server: it runs until `signal` aborts, then resolves. A feature
 * adds its jobs to the list its plugin is given; app/jobs.ts starts them when the server listens
 * and stops them (waiting for the current run) when it closes.
 */
export interface Job {
  name: string;
  run(signal: AbortSignal, log: FastifyBaseLogger): Promise<void>;
}

/**
 * A job that runs `task` every `intervalMs` (the first run one interval after the start), never
 * two runs at once. A run that fails is logged and the next one comes on time.
 */
export function periodicJob(
  name: string,
  intervalMs: number,
  task: (log: FastifyBaseLogger) => Promise<void>,
): Job {
  return {
    name,
    async run(signal, log) {
      for (;;) {
        try {
          await sleep(intervalMs, undefined, { signal, ref: false });
        } catch {
          return; // aborted: the server is closing
        }
        try {
          await task(log);
        } catch (err) {
          log.warn(
            { job: name, err: { message: err instanceof Error ? err.message : String(err) } },
            'job run failed',
          );
        }
      }
    },
  };
}
