import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import type { CloseOptions } from './close-month.ts';
import { computeBatch } from './close-batch.ts';
import { buildingVolumes, loadPlans, nextAccounts, periodState } from './billing.repository.ts';
import * as repo from './recalculation.repository.ts';

export type RecalcResult =
  { status: 'recorded'; amountKop: number; kwh: number; method: string } | { status: 'no_change' };

export class RecalculationRefused extends Error {}

/**
 * Recalculates an account's charge of a closed period with today's data (e.g. a reading
 * accepted after review). The closed charge stays as it was; the difference is recorded and
 * carried by the next bill, where the customer sees it.
 */
export async function recalculate(
  db: Kysely<Database>,
  input: { account: string; period: string; reason: string },
  opts: Pick<CloseOptions, 'limits' | 'readingsLastDay' | 'now'>,
): Promise<RecalcResult> {
  const state = await periodState(db, input.period);
  if (state?.status !== 'closed') {
    throw new RecalculationRefused(`${input.period} is not closed: close it instead`);
  }
  const accountId = await repo.accountIdByNumber(db, input.account);
  if (accountId === undefined) {
    throw new RecalculationRefused(`account ${input.account} not found`);
  }
  const accounts = await nextAccounts(db, accountId - 1, 1);
  const old = await repo.closedCharge(db, accountId, input.period);
  if (!old) {
    throw new RecalculationRefused(`account ${input.account} has no charge for ${input.period}`);
  }
  // Earlier recalculations of the same period count as part of what was charged for it.
  const earlier = await repo.recalculatedSoFar(db, accountId, input.period);

  return db.transaction().execute(async (tx) => {
    const plans = await loadPlans(tx);
    const buildings = await buildingVolumes(tx, input.period);
    const { results } = await computeBatch(tx, accounts, input.period, plans, buildings, opts, {
      includeCharged: true,
    });
    const now = results.get(accountId)!;
    const amountKop =
      now.amountKop + now.odnKop - (Number(old.amount_kop) + Number(old.odn_kop) + Number(earlier?.kop ?? 0));
    const kwh = now.kwh + now.odnKwh - (Number(old.kwh) + Number(old.odn_kwh) + Number(earlier?.kwh ?? 0));
    if (amountKop === 0 && kwh === 0) {
      return { status: 'no_change' as const };
    }
    await repo.insertRecalculation(tx, {
      account_id: accountId,
      period: input.period,
      applied_period: null,
      kwh,
      amount_kop: amountKop,
      reason: input.reason,
      details: JSON.stringify({
        was: { method: old.method, kwh: Number(old.kwh) },
        now: { method: now.method, kwh: now.kwh },
      }),
      created_at: opts.now().getTime(),
    });
    await recordAudit(tx, opts.now(), {
      event: 'recalculation',
      outcome: 'recorded',
      accountNumber: input.account,
      details: { period: input.period, amountKop, kwh },
    });
    return { status: 'recorded' as const, amountKop, kwh, method: now.method };
  });
}
