import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Keeps a long mailing's memory flat. Each bill leaves a few hundred kilobytes of garbage (the
 * PDF, its base64 copy, the MIME tree) that V8 collects lazily, so a worker's heap grows towards
 * its default limit while only ~40 MB is live. Past `limitMb` of heap, a full collection runs
 * (about 10 ms, once every few hundred messages): the CLI worker stays near 200 MB of RSS.
 */
export function heapGuard(limitMb: number): () => void {
  v8.setFlagsFromString('--expose_gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const limit = limitMb * 1048576;
  return () => {
    if (v8.getHeapStatistics().used_heap_size > limit) gc();
  };
}
