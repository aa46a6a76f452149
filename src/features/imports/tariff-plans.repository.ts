import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

// The tariff plans (`tariff-plans-load`): a handful of rows, read whole, never deleted (accounts
// and prices point at them).

export interface PlanDetails {
  code: string;
  name: string;
  zones: number;
  socialNormKwh: number | null;
  socialNormExtraKwh: number | null;
  normKwhPerResident: number;
}

export interface StoredPlan extends PlanDetails {
  id: number;
  /** Accounts on the plan and prices set for it: either fixes its zones. */
  accounts: number;
  prices: number;
}

export async function plansWithUse(db: Q): Promise<Map<string, StoredPlan>> {
  const rows = await db
    .selectFrom('tariff_plans as p')
    .select((eb) => [
      'p.id',
      'p.code',
      'p.name',
      'p.zones',
      'p.social_norm_kwh',
      'p.social_norm_extra_kwh',
      'p.norm_kwh_per_resident',
      eb
        .selectFrom('accounts as a')
        .select(eb.fn.countAll<number | string>().as('n'))
        .whereRef('a.tariff_plan_id', '=', 'p.id')
        .as('accounts'),
      eb
        .selectFrom('tariff_prices as t')
        .select(eb.fn.countAll<number | string>().as('n'))
        .whereRef('t.plan_id', '=', 'p.id')
        .as('prices'),
    ])
    .execute();
  return new Map(
    rows.map((r) => [
      r.code,
      {
        id: Number(r.id),
        code: r.code,
        name: r.name,
        zones: Number(r.zones),
        socialNormKwh: r.social_norm_kwh === null ? null : Number(r.social_norm_kwh),
        socialNormExtraKwh: r.social_norm_extra_kwh === null ? null : Number(r.social_norm_extra_kwh),
        normKwhPerResident: Number(r.norm_kwh_per_resident),
        accounts: Number(r.accounts ?? 0),
        prices: Number(r.prices ?? 0),
      },
    ]),
  );
}

const row = (p: PlanDetails) => ({
  code: p.code,
  name: p.name,
  zones: p.zones,
  social_norm_kwh: p.socialNormKwh,
  social_norm_extra_kwh: p.socialNormExtraKwh,
  norm_kwh_per_resident: p.normKwhPerResident,
});

export async function insertPlan(db: Q, p: PlanDetails): Promise<void> {
  await db.insertInto('tariff_plans').values(row(p)).execute();
}

export async function updatePlan(db: Q, id: number, p: PlanDetails): Promise<void> {
  await db.updateTable('tariff_plans').set(row(p)).where('id', '=', id).execute();
}
