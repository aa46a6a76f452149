import { consumption } from './consumption.ts';
import { chargeKopecks, type Kopecks } from './money.ts';

export interface BalanceInput {
  /** Debt at the end of the last closed period (positive = debt); 0 when nothing was ever charged. */
  closedDebtKop: Kopecks;
  /** Payments received after that period's billing date. */
  paymentsSinceKop: Kopecks;
  /**
   * Registers not yet billed: the reading the last charge used and the latest accepted one,
   * with each zone's current price. Empty when there is no newer reading.
   */
  unbilled: Array<{ previous: number; current: number; priceE5: number }>;
  digits: number;
  ratio: number;
}

/**
 * "Сумма к оплате на дату передачи показания": the closed debt, less the payments since,
 * plus the consumption since the billed reading at today's prices. Positive = debt.
 * The final calculation is made when the month is closed.
 */
export function balanceAtLastReading(b: BalanceInput): Kopecks {
  let total = b.closedDebtKop - b.paymentsSinceKop;
  for (const r of b.unbilled) {
    const { kwh } = consumption(r.previous, r.current, b.digits, b.ratio);
    total += chargeKopecks(kwh, r.priceE5);
  }
  return total;
}
