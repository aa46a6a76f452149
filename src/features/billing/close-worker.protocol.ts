import type { DbOptions } from '../../platform/db/connect.ts';
import type { BillingLimits } from '../../domain/billing.ts';
import type { NewCharge } from './charge-writes.repository.ts';

/** What the closing process gives each of its worker threads (close-worker.ts). */
export interface CloseWorkerSetup {
  db: DbOptions;
  period: string;
  limits: BillingLimits;
  readingsLastDay: number;
}

/** A worker thread's answer to a batch: its charges, or why it failed. */
export type CloseWorkerReply =
  { ok: true; charges: NewCharge[]; appliedRecalcs: number[] } | { ok: false; error: string };
