import type { OrderBundle } from './gateway.ts';
import type { PaymentsConfig } from './payments.config.ts';
import type { Payer } from './payments.repository.ts';

/**
 * The fiscal receipt (54-FZ) of a card payment: the bank's orderBundle, sent with the order, and
 * the receipt the portal stores with the order.
 */
export function fiscalReceipt(
  payer: Payer,
  amountKop: number,
  config: Pick<PaymentsConfig, 'taxType' | 'taxSystem'>,
): { orderBundle: OrderBundle; receipt: string } {
  const orderBundle = fiscalBundle(payer.number, amountKop, config.taxType);
  const receipt = JSON.stringify({
    law: '54-FZ',
    supplier: { name: payer.payeeName, inn: payer.inn },
    account: payer.number,
    amountKop,
    currency: 643,
    taxSystem: config.taxSystem,
    orderBundle,
  });
  return { orderBundle, receipt };
}

/** The bank's orderBundle for the fiscal receipt: one line, the electricity paid for (verify codes). */
function fiscalBundle(account: string, amountKop: number, taxType: number): OrderBundle {
  return {
    cartItems: {
      items: [
        {
          positionId: '1',
          name: `Электроэнергия, лицевой счёт ${account}`,
          quantity: { value: 1, measure: 'шт' },
          itemAmount: amountKop,
          itemPrice: amountKop,
          itemCode: 'electricity',
          tax: { taxType },
          // paymentMethod 4: full payment; paymentObject 4: service.
          itemAttributes: {
            attributes: [
              { name: 'paymentMethod', value: '4' },
              { name: 'paymentObject', value: '4' },
            ],
          },
        },
      ],
    },
  };
}
