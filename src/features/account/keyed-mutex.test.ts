import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed-mutex.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('one key at a time, in arrival order; other keys run alongside; errors release the key', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const job = (name: string, keys: string[], fail = false) =>
    m.run(keys, async () => {
      log.push(`${name} in`);
      await tick();
      await tick();
      log.push(`${name} out`);
      if (fail) {
        throw new Error(name);
      }
      return name;
    });
  const results = await Promise.allSettled([
    job('a', ['account:1', 'ip:x'], true),
    job('b', ['account:1', 'ip:y']),
    job('c', ['account:2', 'ip:z']),
    job('d', ['account:3', 'ip:x']),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
  );
  // b waits for a (same account) and d waits for a (same IP); c shares nothing and runs at once.
  assert.ok(log.indexOf('b in') > log.indexOf('a out'), log.join());
  assert.ok(log.indexOf('d in') > log.indexOf('a out'), log.join());
  assert.ok(log.indexOf('c in') < log.indexOf('a out'), log.join());
  assert.equal(m.size, 0, 'every key released');
});
