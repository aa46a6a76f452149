import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { periodicJob, type Job } from '../platform/jobs.ts';
import { runJobsWhileListening } from './jobs.ts';

test('jobs start when the server listens, not before, and are stopped and awaited when it closes', async () => {
  const events: string[] = [];
  const job: Job = {
    name: 'probe',
    async run(signal) {
      events.push('started');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      await new Promise((r) => setTimeout(r, 20)); // finishing its current work
      events.push('stopped');
    },
  };
  const app = Fastify();
  // What a feature closes when the app closes (a mail transport): the jobs' hook, registered
  // after it as in app.ts, stops the jobs first.
  app.addHook('onClose', (_app, done) => {
    events.push('closing the rest');
    done();
  });
  runJobsWhileListening(app, [job]);
  await app.ready();
  assert.deepEqual(events, [], 'an app that only injects runs no job');
  await app.listen({ port: 0, host: '127.0.0.1' });
  assert.deepEqual(events, ['started']);
  await app.close();
  assert.deepEqual(events, ['started', 'stopped', 'closing the rest']);
});

test('a periodic job runs every interval; a failed run is logged and the next comes on time', async () => {
  let runs = 0;
  const warnings: unknown[] = [];
  const job = periodicJob('flaky', 10, () => {
    runs++;
    return runs === 2 ? Promise.reject(new Error('database away')) : Promise.resolve();
  });
  const log = { warn: (obj: unknown) => warnings.push(obj) } as unknown as Parameters<Job['run']>[1];
  const controller = new AbortController();
  const running = job.run(controller.signal, log);
  while (runs < 4) {
    await new Promise((r) => setTimeout(r, 5));
  }
  controller.abort();
  await running;
  assert.ok(runs >= 4);
  assert.equal(warnings.length, 1);
  assert.match(JSON.stringify(warnings[0]), /"job":"flaky".*database away/);
});
