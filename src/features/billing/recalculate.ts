import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import type { CloseOptions } from './close-month.ts';
import { computeBatch } from './close-batch.ts';
import { buildingVolumes, loadPlans, nextAccounts, periodState } from './billing.repository.ts';
import * as repo from './recalculation.repository.ts';
import { Refused } from '../../platform/refused.ts';
import { findLoginAccount } from '../account/account.repository.ts';

export type RecalcResult =
  { status: 'recorded'; amountKop: number; kwh: number; method: string } | { status: 'no_change' };

/** A refusal, in English for the CLI and in Russian for the back office's form. */
export class RecalculationRefused extends Refused {
  constructor(
    message: string,
    readonly ru: string,
  ) {
    super(message);
  }
}

type RecalcOptions = Pick<CloseOptions, 'limits' | 'readingsLastDay' | 'now'>;

/** What a recalculation would record: the charge as closed, as computed today, the difference. */
export interface RecalcPreview {
  accountId: number;
  account: string;
  period: string;
  was: { method: string; kwh: number; kop: number };
  /** Recalculations of the period recorded before: part of what was charged for it. */
  earlier: { kwh: number; kop: number };
  now: { method: string; kwh: number; kop: number };
  amountKop: number;
  kwh: number;
  /** The account's own kWh (without ОДН) as closed and as computed today, for the record. */
  ownKwh: { was: number; now: number };
}

/**
 * Computes an account's charge of a closed period with today's data and its difference from what
 * was charged, writing nothing.
 */
export async function previewRecalculation(
  db: Kysely<Database> | Transaction<Database>,
  input: { account: string; period: string },
  opts: RecalcOptions,
): Promise<RecalcPreview> {
  const state = await periodState(db, input.period);
  if (state?.status !== 'closed') {
    throw new RecalculationRefused(
      `${input.period} is not closed: close it instead`,
      'Этот месяц не закрыт: пересчитать можно только закрытый.',
    );
  }
  const found = await findLoginAccount(db, input.account);
  const accountId = found && Number(found.id);
  if (accountId === undefined) {
    throw new RecalculationRefused(`account ${input.account} not found`, 'Лицевой счёт не найден.');
  }
  const accounts = await nextAccounts(db, accountId - 1, 1);
  const old = await repo.closedCharge(db, accountId, input.period);
  if (!old) {
    throw new RecalculationRefused(
      `account ${input.account} has no charge for ${input.period}`,
      'За этот месяц лицевому счёту ничего не начислено.',
    );
  }
  // Earlier recalculations of the same period count as part of what was charged for it.
  const earlier = await repo.recalculatedSoFar(db, accountId, input.period);
  const plans = await loadPlans(db);
  const buildings = await buildingVolumes(db, input.period);
  const { results } = await computeBatch(db, accounts, input.period, plans, buildings, opts, {
    includeCharged: true,
  });
  const now = results.get(accountId)!;
  const was = {
    method: old.method,
    kwh: Number(old.kwh) + Number(old.odn_kwh),
    kop: Number(old.amount_kop) + Number(old.odn_kop),
  };
  const before = { kwh: Number(earlier?.kwh ?? 0), kop: Number(earlier?.kop ?? 0) };
  const today = { method: now.method, kwh: now.kwh + now.odnKwh, kop: now.amountKop + now.odnKop };
  return {
    accountId,
    account: input.account,
    period: input.period,
    was,
    earlier: before,
    now: today,
    amountKop: today.kop - (was.kop + before.kop),
    kwh: today.kwh - (was.kwh + before.kwh),
    ownKwh: { was: Number(old.kwh), now: now.kwh },
  };
}

/**
 * Recalculates an account's charge of a closed period with today's data (e.g. a reading
 * accepted after review). The closed charge stays as it was; the difference is recorded and
 * carried by the next bill, where the customer sees it. `audit` writes the audit row in the same
 * transaction (default: the CLI's, without a staff user); `expect` refuses when the difference is
 * no longer the one previewed.
 */
export async function recalculate(
  db: Kysely<Database>,
  input: { account: string; period: string; reason: string },
  opts: RecalcOptions,
  more: {
    audit?: (tx: Transaction<Database>, p: RecalcPreview) => Promise<void>;
    expect?: { amountKop: number; kwh: number };
  } = {},
): Promise<RecalcResult> {
  return db.transaction().execute(async (tx) => {
    const p = await previewRecalculation(tx, input, opts);
    if (more.expect && (more.expect.amountKop !== p.amountKop || more.expect.kwh !== p.kwh)) {
      throw new RecalculationRefused(
        'the difference changed since the preview',
        'Данные изменились после предварительного расчёта: проверьте новую разницу.',
      );
    }
    if (p.amountKop === 0 && p.kwh === 0) {
      return { status: 'no_change' as const };
    }
    await repo.insertRecalculation(tx, {
      account_id: p.accountId,
      period: input.period,
      applied_period: null,
      kwh: p.kwh,
      amount_kop: p.amountKop,
      reason: input.reason,
      details: JSON.stringify({
        was: { method: p.was.method, kwh: p.ownKwh.was },
        now: { method: p.now.method, kwh: p.ownKwh.now },
      }),
      created_at: opts.now().getTime(),
    });
    if (more.audit) {
      await more.audit(tx, p);
    } else {
      await recordAudit(tx, opts.now(), {
        event: 'recalculation',
        outcome: 'recorded',
        accountNumber: input.account,
        details: { period: input.period, amountKop: p.amountKop, kwh: p.kwh },
      });
    }
    return { status: 'recorded' as const, amountKop: p.amountKop, kwh: p.kwh, method: p.now.method };
  });
}
