import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { balanceAtLastReading } from '../../domain/balance.ts';
import { pricesOn, zonesFor } from '../../domain/tariff.ts';
import * as readingsRepo from '../readings/readings.repository.ts';
import { accountPrices, lastClosedCharge } from './amount-due.repository.ts';
import { sumPaymentsAfter } from './payments.repository.ts';

/**
 * What the customer owes, as the main page's summary shows it ("К оплате" / "Переплата"): the last
 * closed month's debt, less the payments since its billing date, plus the consumption read since
 * the billed reading at today's prices (domain/balance.ts). Positive = owed, negative = overpaid.
 * src/pages/main/main.service.ts computes it from the lists its page already holds; this reads
 * just what the sum needs, and payments-form.db.test.ts checks that both agree.
 */
export async function amountDueKop(db: Kysely<Database>, accountId: number, today: string): Promise<number> {
  const [charge, meter, prices] = await Promise.all([
    lastClosedCharge(db, accountId),
    readingsRepo.findActiveMeter(db, accountId),
    accountPrices(db, accountId),
  ]);
  const paymentsSinceKop = await sumPaymentsAfter(db, accountId, charge?.billedOn ?? '0000-00-00');
  const unbilled: Array<{ previous: number; current: number; priceE5: number }> = [];
  if (meter && charge?.readingId != null) {
    const [billed, latest] = await Promise.all([
      readingsRepo.findReading(db, accountId, charge.readingId),
      readingsRepo.latestAcceptedReading(db, accountId, meter.id),
    ]);
    if (billed && latest && billed.meterId === meter.id && latest.readingDate > billed.readingDate) {
      const todays = pricesOn(prices, today);
      zonesFor(meter.zones).forEach((zone, i) => {
        const previous = billed.values[i];
        const current = latest.values[i];
        const priceE5 = todays.get(zone);
        if (previous !== undefined && current !== undefined && priceE5 !== undefined) {
          unbilled.push({ previous, current, priceE5 });
        }
      });
    }
  }
  return balanceAtLastReading({
    closedDebtKop: charge?.debtKop ?? 0,
    paymentsSinceKop,
    unbilled,
    digits: meter?.digits ?? 1,
    ratio: meter?.ratio ?? 1,
  });
}
