import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { parseAccountNumber } from '../../domain/account-number.ts';
import { creditRegistryPayments as creditPayments } from '../payments/registry-credit.repository.ts';
import { storeReading, type RegistryDeps } from './registry.format.ts';
import type { RegistryProfile } from './registry.profiles.ts';
import * as repo from './registry.repository.ts';

/**
 * Unallocated registry payments: listed, and credited to an account by someone who decided where
 * each belongs (an accountant; `payments-allocate` in the CLI). Allocating credits the payment
 * exactly as the import would have (the same external id, so never twice) and records who, when,
 * why and what in the audit log.
 */

export class AllocationRefused extends Error {}

export interface AllocateInput {
  id: number;
  accountNumber: string;
  /** Who decided (the operator's login). */
  by: string;
  reason: string;
}

export interface AllocateResult {
  payment: repo.UnallocatedPayment;
  accountId: number;
  reading: string | null;
}

export async function listUnallocated(
  db: Kysely<Database>,
  limit = 1000,
): Promise<repo.UnallocatedPayment[]> {
  return repo.listUnallocated(db, limit);
}

/**
 * Credits the unallocated payment `id` to the account. `profiles` name each source's channel and
 * title (for the customer's history); a source no profile names is credited as a bank's.
 */
export async function allocatePayment(
  db: Kysely<Database>,
  deps: RegistryDeps,
  profiles: Record<string, RegistryProfile>,
  input: AllocateInput,
): Promise<AllocateResult> {
  if (input.reason.trim() === '') {
    throw new AllocationRefused('Give the reason for the allocation (--reason).');
  }
  const number = parseAccountNumber(input.accountNumber);
  if (!number.ok) {
    throw new AllocationRefused(`${input.accountNumber}: ${number.message}`);
  }
  const payment = await repo.findUnallocated(db, input.id);
  if (!payment) {
    throw new AllocationRefused(`No unallocated payment ${input.id} (allocated already, or no such id).`);
  }
  const accountId = (await repo.findAccountIds(db, [number.number])).get(number.number);
  if (accountId === undefined) {
    throw new AllocationRefused(`No account ${number.number}.`);
  }
  const profile = Object.values(profiles).find((p) => p.source === payment.source);
  const now = deps.clock.now();
  await db.transaction().execute(async (tx) => {
    if (!(await repo.markAllocated(tx, payment.id, accountId, input.by, now.getTime()))) {
      throw new AllocationRefused(`Payment ${input.id} was allocated by someone else meanwhile.`);
    }
    await creditPayments(
      tx,
      [
        {
          accountId,
          paidOn: payment.paidOn,
          amountKop: payment.amountKop,
          commissionKop: payment.commissionKop,
          channel: profile?.channel ?? 'bank',
          sourceTitle: profile?.title ?? payment.source,
          source: payment.source,
          operationId: payment.operationId,
        },
      ],
      now.getTime(),
    );
    await repo.linkPayments(tx, payment.source, [payment.operationId]);
    await recordAudit(tx, now, {
      event: 'payment',
      outcome: 'allocated',
      accountNumber: number.number,
      details: {
        registryPayment: payment.id,
        source: payment.source,
        operation: payment.operationId,
        amountKop: payment.amountKop,
        before: payment.accountNumber,
        by: input.by,
        reason: input.reason.slice(0, 500),
      },
    });
  });
  let reading: string | null = null;
  if (payment.readingValues) {
    const outcome = await storeReading(db, deps, payment.source, accountId, {
      operationId: payment.operationId,
      paidOn: payment.paidOn,
      accountNumber: number.number,
      accountProblem: null,
      payerName: payment.payerName,
      payerAddress: payment.payerAddress,
      period: payment.period,
      amountKop: payment.amountKop,
      commissionKop: payment.commissionKop,
      readings: payment.readingValues,
    });
    reading = outcome.note?.message ?? (outcome.count === 'readingStored' ? 'reading stored' : null);
  }
  return { payment, accountId, reading };
}
