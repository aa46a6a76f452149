import type { FastifyInstance } from 'fastify';
import type { Job } from '../platform/jobs.ts';

/**
 * The one place where background jobs start and stop: each of `jobs` starts when the server
 * listens (tests that only `inject` run none) and is stopped, and awaited, when it closes, before
 * the database is closed. A job that ends by itself with an error is logged; the server goes on.
 */
export function runJobsWhileListening(app: FastifyInstance, jobs: readonly Job[]): void {
  const controller = new AbortController();
  const running: Array<Promise<void>> = [];
  app.addHook('onListen', (done) => {
    for (const job of jobs) {
      running.push(
        job
          .run(controller.signal, app.log)
          .catch((err: unknown) =>
            app.log.error(
              { job: job.name, err: { message: err instanceof Error ? err.message : String(err) } },
              'job stopped',
            ),
          ),
      );
    }
    done();
  });
  app.addHook('onClose', async () => {
    controller.abort();
    await Promise.all(running);
  });
}
