import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerFairQueue } from './fair-queue.ts';

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
  assert.deepEqual(events.slice(0, 7), [
    'start a',
    'turn after a',
    'start b',
    'turn after b',
    'start c',
    'turn after c',
    'start d',
  ]);
  await app.close();
});

test('a request whose client left while it waited is not handled', async () => {
  const app = Fastify();
  // Before the queue: mark the second request's connection as closed by its client.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['x-test-gone']) Object.defineProperty(req.raw.socket, 'destroyed', { value: true });
    done();
  });
  registerFairQueue(app);
  let handled = 0;
  app.get('/', async () => {
    handled++;
    return 'page';
  });
  await app.ready();
  const [kept, gone] = await Promise.all([
    app.inject({ url: '/' }),
    app.inject({ url: '/', headers: { 'x-test-gone': '1' } }),
  ]);
  assert.equal(kept.statusCode, 200);
  assert.equal(gone.statusCode, 499);
  assert.equal(handled, 1);
  await app.close();
});
