import { parentPort, workerData } from 'node:worker_threads';
import { Model, type ModelInput } from './model.ts';
import { transferables } from './tables.ts';

/** The model in a worker thread: answers each request (a number of accounts) with the next chunk; takes buffers back. */
const model = new Model(workerData as ModelInput);
const port = parentPort!;
port.on('message', (m: number | ArrayBuffer[]) => {
  if (typeof m !== 'number') {
    return model.recycle(m);
  }
  const chunk = model.chunk(m);
  port.postMessage(chunk, transferables(chunk));
});
