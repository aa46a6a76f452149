import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// Payments from banks' and agents' registries (src/features/imports), credited into the same
// `payments` table as card payments, each under a unique external id.

/** A payment from a bank's or agent's registry, as `creditRegistryPayments` credits it. */
export interface RegistryPaymentCredit {
  accountId: number;
  paidOn: string;
  amountKop: number;
  commissionKop: number;
  /** 'bank' | 'post' | 'terminal' | 'office' */
  channel: string;
  /** «Сбербанк»: shown in the customer's history. */
  sourceTitle: string;
  /** The registry's source code and the operation id: the payment's identity, credited once. */
  source: string;
  operationId: string;
}

/** The unique external id of a registry payment: the same (source, operation id) can be credited once. */
export function registryExternalId(source: string, operationId: string): string {
  return `registry:${source}:${operationId}`;
}

/**
 * Credits registry payments into `payments`, as card payments are (one row each, unique
 * external id). Returns the external ids credited now; one credited before is skipped, not
 * doubled.
 */
export async function creditRegistryPayments(
  tx: Q,
  credits: RegistryPaymentCredit[],
  now: number,
): Promise<Set<string>> {
  if (credits.length === 0) {
    return new Set();
  }
  const rows = await tx
    .insertInto('payments')
    .values(
      credits.map((c) => ({
        account_id: c.accountId,
        paid_on: c.paidOn,
        amount_kop: c.amountKop,
        commission_kop: c.commissionKop,
        channel: c.channel,
        source: c.sourceTitle,
        external_id: registryExternalId(c.source, c.operationId),
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.column('external_id').doNothing())
    .returning('external_id')
    .execute();
  return new Set(rows.map((r) => r.external_id!));
}
