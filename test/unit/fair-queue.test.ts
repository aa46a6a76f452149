import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerFairQueue } from '../../src/http/fair-queue.ts';

test('requests start in arrival order, one per turn of the event loop', async () => {
  const app = Fastify();
  registerFairQueue(app);
  const events: string[] = [];
  app.get('/:name', async (req) => {
    const { name } = req.params as { name: string };
    events.push(`start ${name}`);
    // What the loop does between two requests (reading newly arrived ones) happens before the next starts.
    setImmediate(() => events.push(`turn after ${name}`));
    return name;
  });
  await app.ready();
  const first = ['a', 'b', 'c'].map((n) => app.inject({ url: `/${n}` }));
  // A request that arrives while the others wait joins the end of the queue.
  await new Promise((r) => setImmediate(r));
  const late = app.inject({ url: '/d' });
  const bodies = (await Promise.all([...first, late])).map((r) => r.body);
  assert.deepEqual(bodies, ['a', 'b', 'c', 'd']);
  assert.deepEqual(events.slice(0, 7), ['start a', 'turn after a', 'start b', 'turn after b', 'start c', 'turn after c', 'start d']);
  await app.close();
});
