import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { PriceRow } from '../../domain/tariff.ts';

type Q = Kysely<Database> | Transaction<Database>;

// What the payment page reads to compute the amount due, the same figure as the main page's summary
// (src/pages/main/main.service.ts computeBalance). Payments does not import billing: these two
// reads of billing's tables are its own, filtered by the customer's account like every other.

/** The last closed month's charge: its debt, its billing date and the reading it used. */
export interface ClosedCharge {
  debtKop: number;
  billedOn: string;
  readingId: number | null;
}

export async function lastClosedCharge(db: Q, accountId: number): Promise<ClosedCharge | undefined> {
  const r = await db
    .selectFrom('charges')
    .select(['debt_kop', 'billed_on', 'reading_id'])
    .where('account_id', '=', accountId)
    .orderBy('period', 'desc')
    .limit(1)
    .executeTakeFirst();
  return (
    r && {
      debtKop: Number(r.debt_kop),
      billedOn: r.billed_on,
      readingId: r.reading_id === null ? null : Number(r.reading_id),
    }
  );
}

/** Every price of the customer's tariff plan (the domain picks today's). */
export async function accountPrices(db: Q, accountId: number): Promise<PriceRow[]> {
  const rows = await db
    .selectFrom('tariff_prices')
    .innerJoin('accounts', 'accounts.tariff_plan_id', 'tariff_prices.plan_id')
    .select([
      'tariff_prices.zone',
      'tariff_prices.band',
      'tariff_prices.valid_from',
      'tariff_prices.price_e5',
    ])
    .where('accounts.id', '=', accountId)
    .orderBy('tariff_prices.zone')
    .orderBy('tariff_prices.band')
    .orderBy('tariff_prices.valid_from')
    .orderBy('tariff_prices.id')
    .execute();
  return rows.map((r) => ({
    zone: r.zone,
    band: r.band,
    validFrom: r.valid_from,
    priceE5: Number(r.price_e5),
  }));
}
