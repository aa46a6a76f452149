import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { dateInZone, periodOf, type IsoDate } from '../../domain/dates.ts';
import { tariffOf } from '../../domain/pricing.ts';
import { zonesFor, type Zone } from '../../domain/tariff.ts';
import { listSettlements } from '../../features/account/settlements.repository.ts';
import { loadPlans } from '../../features/billing/billing.repository.ts';
import { listBranches } from '../../features/imports/accounts.repository.ts';
import { plansWithUse } from '../../features/imports/tariff-plans.repository.ts';
import { latestAuditOf } from '../../features/office/audit.repository.ts';
import { formatAuditTime } from '../../features/office/audit.service.ts';

/**
 * The reference data an admin loads (README "Going live"), for the settings page: how many of
 * each there are, the last load the audit log recorded, and the command that loads it again;
 * and the prices in force today, read as the month's closing reads them (billing's `loadPlans`,
 * the domain's `tariffOf`), so that the page shows what a charge would take.
 */

export type ReferenceKind = 'settlements' | 'branches' | 'plans' | 'prices';

export interface ReferenceLoad {
  /** The supplier's wall-clock time of the last load. */
  time: string;
  /** A staff user's login, or who ran the command (`by` in the entry's details). */
  by: { staffLogin: string } | { cli: string } | null;
}

export interface ReferenceSet {
  kind: ReferenceKind;
  count: number;
  /** The audit event its loads write; null when they write none. */
  event: string | null;
  /** The newest such entry; null when there is none (or no event to look for). */
  last: ReferenceLoad | null;
}

export interface PriceInForce {
  planCode: string;
  planName: string;
  zone: Zone;
  /** 1/100000 ₽ per kWh; null when the plan has no price for the zone today. */
  baseE5: number | null;
  /** Above the social norm, when the plan has a price for it. */
  aboveNormE5: number | null;
}

export interface ReferenceData {
  today: IsoDate;
  sets: ReferenceSet[];
  prices: PriceInForce[];
}

/** Who made an audit entry: the staff user, else the details' `by` (the CLI's OS user). */
function byOf(staffLogin: string | null, details: string | null): ReferenceLoad['by'] {
  if (staffLogin !== null) {
    return { staffLogin };
  }
  try {
    const by = (JSON.parse(details ?? '{}') as { by?: unknown }).by;
    return typeof by === 'string' && by !== '' ? { cli: by } : null;
  } catch {
    return null;
  }
}

async function lastLoad(
  db: Kysely<Database>,
  event: string | null,
  timeZone: string,
): Promise<ReferenceLoad | null> {
  const e = event === null ? undefined : await latestAuditOf(db, event);
  return e ? { time: formatAuditTime(e.at, timeZone), by: byOf(e.staffLogin, e.details) } : null;
}

/**
 * The prices in force today of each plan and zone. Prices take effect on the 1st of a month only
 * (features/tariffs), so those in force on this month's 1st, the closing's, are today's.
 */
function pricesInForce(
  plans: Awaited<ReturnType<typeof plansWithUse>>,
  inputs: Awaited<ReturnType<typeof loadPlans>>,
  today: IsoDate,
): PriceInForce[] {
  const out: PriceInForce[] = [];
  for (const plan of [...plans.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) {
    const tariff = tariffOf(inputs.get(plan.id)?.prices ?? [], periodOf(today));
    for (const zone of zonesFor(plan.zones)) {
      out.push({
        planCode: plan.code,
        planName: plan.name,
        zone,
        baseE5: tariff.base.get(zone) ?? null,
        aboveNormE5: tariff.above.get(zone) ?? null,
      });
    }
  }
  return out;
}

export async function referenceData(
  db: Kysely<Database>,
  now: Date,
  timeZone: string,
): Promise<ReferenceData> {
  const today = dateInZone(now, timeZone);
  const [settlements, branches, plans, inputs] = await Promise.all([
    listSettlements(db),
    listBranches(db),
    plansWithUse(db),
    loadPlans(db),
  ]);
  const prices = pricesInForce(plans, inputs, today);
  const counts: Array<[ReferenceKind, number, string | null]> = [
    // settlements-load writes no audit entry.
    ['settlements', settlements.length, null],
    ['branches', branches.length, 'branch_import'],
    ['plans', plans.size, 'tariff_plan'],
    ['prices', prices.filter((p) => p.baseE5 !== null).length, 'tariff_price'],
  ];
  const sets = await Promise.all(
    counts.map(async ([kind, count, event]) => ({
      kind,
      count,
      event,
      last: await lastLoad(db, event, timeZone),
    })),
  );
  return { today, sets, prices };
}
