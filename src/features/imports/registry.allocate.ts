import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { parseAccountNumber } from '../../domain/account-number.ts';
import { settlementCodes } from '../account/settlements.repository.ts';
import { creditRegistryPayments as creditPayments } from '../payments/registry-credit.repository.ts';
import { storeReading, type RegistryDeps } from './registry.format.ts';
import type { RegistryProfile } from './registry.profiles.ts';
import * as repo from './registry.repository.ts';
import type { Cursor, ListPage } from '../../platform/db/paging.ts';

/**
 * Unallocated registry payments: listed, and credited to an account by someone who decided where
 * each belongs (an accountant; `payments-allocate` in the CLI). Allocating credits the payment
 * exactly as the import would have (the same external id, so never twice) and records who, when,
 * why and what in the audit log.
 */

/** Why an allocation was refused: the field at fault, for a form to put its message next to it. */
export type RefusalCode = 'reason' | 'account_format' | 'no_account' | 'not_unallocated' | 'taken';

export class AllocationRefused extends Error {
  constructor(
    message: string,
    readonly code: RefusalCode,
  ) {
    super(message);
  }
}

export interface AllocateInput {
  id: number;
  accountNumber: string;
  /** Who decided (the operator's login). */
  by: string;
  reason: string;
  /** The back office's staff user who decided, and their address (absent from the CLI). */
  staffUserId?: number;
  ip?: string;
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

/** How many registry payments wait for an account (the back office's start page). */
export async function countUnallocated(db: Kysely<Database>): Promise<number> {
  return repo.countUnallocated(db);
}

/** A page of the unallocated payments with their files, oldest first, from `at` (the payments page). */
export async function unallocatedPage(
  db: Kysely<Database>,
  limit: number,
  at: Cursor<number> = undefined,
): Promise<ListPage<repo.ListedUnallocated>> {
  return repo.unallocatedPage(db, limit, at);
}

/** The payment, the account and its number of an allocation the rules admit; refused otherwise. */
async function checkAllocation(db: Kysely<Database>, input: AllocateInput) {
  if (input.reason.trim() === '') {
    throw new AllocationRefused('Give the reason for the allocation (--reason).', 'reason');
  }
  const parsed = parseAccountNumber(input.accountNumber, await settlementCodes(db));
  if (!parsed.ok) {
    throw new AllocationRefused(`${input.accountNumber}: ${parsed.message}`, 'account_format');
  }
  const payment = await repo.findUnallocated(db, input.id);
  if (!payment) {
    throw new AllocationRefused(
      `No unallocated payment ${input.id} (allocated already, or no such id).`,
      'not_unallocated',
    );
  }
  const accountId = (await repo.findAccounts(db, [parsed.number])).get(parsed.number)?.id;
  if (accountId === undefined) {
    throw new AllocationRefused(`No account ${parsed.number}.`, 'no_account');
  }
  return { payment, accountId, number: parsed.number };
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
  const { payment, accountId, number } = await checkAllocation(db, input);
  const profile = Object.values(profiles).find((p) => p.source === payment.source);
  const now = deps.clock.now();
  await db.transaction().execute(async (tx) => {
    if (!(await repo.markAllocated(tx, payment.id, accountId, input.by, now.getTime()))) {
      throw new AllocationRefused(`Payment ${input.id} was allocated by someone else meanwhile.`, 'taken');
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
      accountNumber: number,
      ip: input.ip ?? null,
      staffUserId: input.staffUserId ?? null,
      details: {
        registryPayment: payment.id,
        source: payment.source,
        operation: payment.operationId,
        amountKop: payment.amountKop,
        by: input.by,
        reason: input.reason.slice(0, 500),
        // The registry's account number as given, then the account credited.
        before: { status: 'unallocated', account: payment.accountNumber },
        after: { status: 'credited', account: number },
      },
    });
  });
  let reading: string | null = null;
  if (payment.readingValues) {
    const outcome = await storeReading(db, deps, payment.source, accountId, {
      operationId: payment.operationId,
      paidOn: payment.paidOn,
      accountNumber: number,
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
