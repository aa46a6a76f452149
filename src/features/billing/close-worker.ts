import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../../platform/db/connect.ts';
import { heapGuard } from '../../platform/memory.ts';
import { buildingVolumes, loadPlans, type BatchAccount } from './billing.repository.ts';
import { computeBatch } from './close-batch.ts';
import type { CloseWorkerReply, CloseWorkerSetup } from './close-worker.protocol.ts';

/**
 * A worker thread of `close-month`: on its own connection it reads and computes the batches it
 * is sent (a list of accounts) and answers with the charges; the closing process writes them
 * (and ends the thread when done).
 */
const setup = workerData as CloseWorkerSetup;
const db = openDb(setup.db);
const guard = heapGuard(48);
const ready = Promise.all([loadPlans(db.kysely), buildingVolumes(db.kysely, setup.period)]);
ready.catch(() => {}); // a failure is answered to each batch below
const port = parentPort!;

port.on('message', (accounts: BatchAccount[]) => {
  ready
    .then(([plans, buildings]) =>
      // One read transaction per batch: its queries see one state of the database.
      db.kysely
        .transaction()
        .execute((tx) =>
          computeBatch(tx, accounts, setup.period, plans, buildings, setup, { sqlite: db.sqlite }),
        ),
    )
    .then(
      (out) => {
        port.postMessage({
          ok: true,
          charges: out.charges,
          appliedRecalcs: out.appliedRecalcs,
        } satisfies CloseWorkerReply);
        guard();
      },
      (err: unknown) =>
        port.postMessage({
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        } satisfies CloseWorkerReply),
    );
});
