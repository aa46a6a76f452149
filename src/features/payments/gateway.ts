/**
 * What the portal needs from a bank's acquiring gateway, in the terms of the RBS protocol
 * (register.do, getOrderStatusExtended.do, callbacks with a checksum). Two implementations:
 * `RbsGateway` (a real bank over HTTPS) and `SandboxGateway` (the built-in sandbox bank).
 */

/** RBS orderStatus: 0 registered, 1 held, 2 deposited (paid), 3 reversed, 4 refunded, 5 3-D Secure started, 6 declined. */
export type RbsOrderStatus = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** RBS actionCode of an order declined because its payment page timed out. */
export const ACTION_CODE_TIMEOUT = -2007;

/** The fiscal receipt (54-FZ) as the bank's orderBundle carries it. */
export interface OrderBundle {
  cartItems: {
    items: Array<{
      positionId: string;
      name: string;
      quantity: { value: number; measure: string };
      itemAmount: number;
      itemPrice: number;
      itemCode: string;
      tax: { taxType: number };
      itemAttributes: { attributes: Array<{ name: string; value: string }> };
    }>;
  };
}

export interface RegisterRequest {
  orderNumber: string;
  amountKop: number;
  /** ISO 4217 numeric, 643 = RUB. */
  currency: number;
  returnUrl: string;
  failUrl: string;
  /** Where the bank sends its notifications (RBS dynamicCallbackUrl). */
  callbackUrl: string;
  description: string;
  sessionTimeoutSecs: number;
  taxSystem: number;
  orderBundle: OrderBundle;
  /** Extra data the bank keeps with the order (RBS jsonParams). */
  jsonParams: Record<string, string>;
}

export interface Registered {
  /** The bank's order id (mdOrder). */
  orderId: string;
  /** The bank's payment page for this order. */
  formUrl: string;
}

export type BankOrderState =
  | { found: false }
  | {
      found: true;
      orderStatus: RbsOrderStatus;
      orderNumber: string;
      amountKop: number;
      currency: number;
      actionCode: number;
      actionCodeDescription: string;
      /** When the payment was authorised (ms), if it was. */
      authDateTime: number | null;
      depositedKop: number | null;
      authRefNum: string | null;
      approvalCode: string | null;
    };

/**
 * `unavailable`: no answer, a timeout or a 5xx — the request may be retried, nothing is known.
 * `refused`: the bank answered with an error code.
 */
export class GatewayError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'refused',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentGateway {
  readonly name: 'sandbox' | 'rbs';
  register(req: RegisterRequest): Promise<Registered>;
  /** getOrderStatusExtended.do by the bank's order id. */
  orderStatus(orderId: string): Promise<BankOrderState>;
  /** True when a notification's checksum is the bank's. */
  verifyCallback(params: Record<string, string>): boolean;
}
