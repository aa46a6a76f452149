import type { Worker } from 'node:worker_threads';
import { Model, type ModelInput } from './model.ts';
import type { Chunk } from './tables.ts';
import { startWorker } from './threads.ts';

/** Where chunks of rows come from: the model in this thread, or in a worker thread. */
export interface ChunkSource {
  /** The next chunk of `count` accounts; chunks come in order, ids continuing. */
  next(count: number): Promise<Chunk>;
  /** Buffers of written chunks, for the model to reuse. */
  recycle(buffers: ArrayBuffer[]): void;
  close(): Promise<void>;
}

export class InlineSource implements ChunkSource {
  private readonly model: Model;
  constructor(input: ModelInput) {
    this.model = new Model(input);
  }
  next(count: number): Promise<Chunk> {
    return Promise.resolve(this.model.chunk(count));
  }
  recycle(buffers: ArrayBuffer[]): void {
    this.model.recycle(buffers);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The model runs in a worker thread while this thread writes to the database: the caller
 * announces the chunk sizes it will ask for (`plan`), the worker computes up to `ahead` of
 * them in advance, and each chunk's buffers are transferred, not copied.
 */
export class WorkerSource implements ChunkSource {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (c: Chunk) => void; reject: (e: Error) => void }> = [];
  private readonly ready: Chunk[] = [];
  private failure: Error | null = null;
  private requested = 0;
  private served = 0;

  constructor(
    input: ModelInput,
    private readonly plan: number[],
    private readonly ahead = 2,
  ) {
    this.worker = startWorker('model-worker', input);
    this.worker.on('message', (chunk: Chunk) => {
      const w = this.waiting.shift();
      if (w) {
        w.resolve(chunk);
      } else {
        this.ready.push(chunk);
      }
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const w of this.waiting.splice(0)) {
        w.reject(err);
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0 && !this.failure) {
        fail(new Error(`the generator's worker exited with code ${code}`));
      }
    });
    this.fill();
  }

  async next(count: number): Promise<Chunk> {
    if (this.failure) {
      throw this.failure;
    }
    const expected = this.plan[this.served];
    if (expected !== count) {
      throw new Error(`chunk ${this.served}: asked for ${count}, planned ${expected}`);
    }
    this.served++;
    const chunk = this.ready.shift();
    const result = chunk
      ? Promise.resolve(chunk)
      : new Promise<Chunk>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.fill();
    return result;
  }

  recycle(buffers: ArrayBuffer[]): void {
    const live = buffers.filter((b) => b.byteLength > 0);
    if (live.length > 0 && !this.failure) {
      this.worker.postMessage(live, live);
    }
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private fill(): void {
    while (this.requested < this.plan.length && this.requested < this.served + this.ahead) {
      this.worker.postMessage(this.plan[this.requested++]);
    }
  }
}
