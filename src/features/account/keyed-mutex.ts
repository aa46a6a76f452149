/**
 * Mutual exclusion by key within this process: `run(keys, fn)` waits until no other `run` holds any
 * of `keys`, then runs `fn`. Keys are taken in the order given; callers that name several keys must
 * name them in one fixed order, so that two of them can never wait on each other.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const key of keys) {
        releases.push(await this.acquire(key));
      }
      return await fn();
    } finally {
      for (const release of releases.reverse()) {
        release();
      }
    }
  }

  /** How many keys are held or waited for (for tests: 0 once everything has finished). */
  get size(): number {
    return this.tails.size;
  }

  private acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    return previous.then(() => () => {
      release();
      if (this.tails.get(key) === tail) {
        this.tails.delete(key);
      }
    });
  }
}
