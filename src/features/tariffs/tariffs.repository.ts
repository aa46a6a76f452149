import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Zone } from '../../domain/tariff.ts';
import type { Band, LockedPeriod, PlanRef } from './tariff-input.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** A price's identity: one price per plan, zone, band and date (the table's unique key). */
export interface PriceKey {
  planId: number;
  zone: Zone;
  band: Band;
  validFrom: string;
}

export const keyString = (k: PriceKey) => `${k.planId}|${k.zone}|${k.band}|${k.validFrom}`;

/** Every tariff plan by its code. */
export async function plansByCode(db: Q): Promise<Map<string, PlanRef>> {
  const rows = await db
    .selectFrom('tariff_plans')
    .select(['id', 'code', 'zones', 'social_norm_kwh'])
    .orderBy('code')
    .execute();
  return new Map(
    rows.map((r) => [
      r.code,
      { id: Number(r.id), code: r.code, zones: r.zones, socialNormKwh: r.social_norm_kwh },
    ]),
  );
}

/**
 * Takes the prices' lock until the transaction ends: the first statement of a tariff write's
 * transaction, and of the one in which a closing marks its month «closing» (billing/close-month.ts).
 * An update of one row both take: on PostgreSQL its row lock makes the second wait until the
 * first commits, and the second's next statement (READ COMMITTED) sees what the first committed;
 * on SQLite a write takes the database's single write lock, and as the transaction's first
 * statement it reads from the latest state (no stale snapshot to fail on), so the second waits
 * (busy timeout) and then sees the first's commit. An upsert, so that a missing row cannot leave
 * the lock untaken.
 */
export async function lockPrices(tx: Transaction<Database>, now: number): Promise<void> {
  await tx
    .insertInto('price_locks')
    .values({ name: 'prices', taken_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ taken_at: now }))
    .execute();
}

/** The latest period that is closed or being closed; null before the first closing. */
export async function lockedPeriod(db: Q): Promise<LockedPeriod | null> {
  const r = await db
    .selectFrom('billing_periods')
    .select(['period', 'status'])
    .where('status', 'in', ['closed', 'closing'])
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { period: r.period, status: r.status as LockedPeriod['status'] } : null;
}

/** The stored prices (1/100000 rub.) of the keys that have one, by `keyString`. */
export async function pricesOf(db: Q, keys: PriceKey[]): Promise<Map<string, number>> {
  if (keys.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('tariff_prices')
    .select(['plan_id', 'zone', 'band', 'valid_from', 'price_e5'])
    .where('plan_id', 'in', [...new Set(keys.map((k) => k.planId))])
    .where('valid_from', 'in', [...new Set(keys.map((k) => k.validFrom))])
    .execute();
  return new Map(
    rows.map((r) => [
      keyString({
        planId: Number(r.plan_id),
        zone: r.zone as Zone,
        band: r.band as Band,
        validFrom: r.valid_from,
      }),
      Number(r.price_e5),
    ]),
  );
}

export async function insertPrice(db: Q, k: PriceKey, priceE5: number): Promise<void> {
  await db
    .insertInto('tariff_prices')
    .values({ plan_id: k.planId, zone: k.zone, band: k.band, valid_from: k.validFrom, price_e5: priceE5 })
    .execute();
}

export async function updatePrice(db: Q, k: PriceKey, priceE5: number): Promise<void> {
  await db
    .updateTable('tariff_prices')
    .set({ price_e5: priceE5 })
    .where('plan_id', '=', k.planId)
    .where('zone', '=', k.zone)
    .where('band', '=', k.band)
    .where('valid_from', '=', k.validFrom)
    .execute();
}
