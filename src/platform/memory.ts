import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Keeps a long batch job's memory flat (the mail worker, the month closing, a file import). Each
 * batch leaves garbage (a bill's PDF and MIME tree; a closing batch's rows and charges; a file's
 * parsed lines) that V8 collects lazily, so the heap grows towards its default limit while only
 * ~30–40 MB is live. Past `limitMb` of heap, a full collection runs (about 10 ms with so little
 * alive). Measured with `npm run bench -- close-month` at 100k accounts, two runs each: peak RSS
 * 244–245 MB with the guard, 298–306 MB without (the target is 300 MB), in the same wall time
 * within noise.
 *
 * A job whose live data grows (an accounts import keeps the numbers it has seen, ~38 MB at 1M) would
 * collect at every check once past the limit; so after a collection the limit becomes half as much
 * again as what stayed alive, if that is more.
 */
export function heapGuard(limitMb: number): () => void {
  v8.setFlagsFromString('--expose_gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const floor = limitMb * 1048576;
  let limit = floor;
  return () => {
    if (v8.getHeapStatistics().used_heap_size > limit) {
      gc();
      limit = Math.max(floor, 1.5 * v8.getHeapStatistics().used_heap_size);
    }
  };
}
