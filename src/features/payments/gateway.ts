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

/*
 * СБП (the Faster Payments System) by a dynamic QR code, as RBS gateways (Sberbank, Alfa-Bank, VTB,
 * MTS Bank on BPC's RBS) offer it to a merchant that shows the QR itself:
 *
 *   register.do                      the order, as for a card (orderId = mdOrder)
 *   sbp/c2b/qr/dynamic/get.do        mdOrder (+ qrHeight, qrWidth, qrFormat) → qrId, payload
 *                                    (the https://qr.nspk.ru/… address the QR encodes; on a phone it
 *                                    opens the chooser of bank apps), renderedQr, qrStatus
 *   sbp/c2b/qr/status.do             mdOrder + qrId → qrStatus (and transactionState)
 *   sbp/c2b/qr/dynamic/reject.do     mdOrder + qrId → the QR can no longer be paid
 *   getOrderStatusExtended.do        the order's status: 2 once paid, as for a card; the bank's
 *                                    notification (callback) is the card's too
 *
 * Where the names come from (looked up for this code, 2026-12): the RBS gateway's SBP page,
 * "Схемы интеграции" (https://mts.rbsuat.com/sandbox/ru/integration/api/sbp.html, the same at
 * https://sandbox.vtb.ru/sandbox/ru/integration/api/sbp.html: register.do, then the QR, then the
 * NSPK callback to the gateway and the gateway's to the merchant), and public RBS clients calling
 * `/payment/rest/sbp/c2b/qr/dynamic/get.do`, `/sbp/c2b/qr/status.do` and
 * `/sbp/c2b/qr/dynamic/reject.do` with mdOrder and qrId (Alfa-Bank's pay.alfabank.ru and its test
 * alfa.rbsuat.com among them). The qrStatus values below are those of the RBS documentation as we
 * know it (STARTED: issued, waiting; CONFIRMED: paid; REJECTED: refused or expired;
 * REJECTED_BY_USER: the payer declined in the app); the search found no page listing them, so
 * they are to be checked against the acquiring bank's own manual before going live. Nothing
 * credits on them: only getOrderStatusExtended.do's orderStatus 2 does (payments.settle.ts).
 */

/** A QR code's status (sbp/c2b/qr/status.do); anything else a bank may add is 'OTHER'. */
export type SbpQrStatus = 'STARTED' | 'CONFIRMED' | 'REJECTED' | 'REJECTED_BY_USER' | 'OTHER';

export interface SbpQr {
  qrId: string;
  /** What the QR encodes: an https://qr.nspk.ru/… address (the sandbox's own page in the sandbox). */
  payload: string;
  qrStatus: SbpQrStatus;
}

export function sbpQrStatusOf(value: unknown): SbpQrStatus {
  return value === 'STARTED' || value === 'CONFIRMED' || value === 'REJECTED' || value === 'REJECTED_BY_USER'
    ? value
    : 'OTHER';
}

export interface PaymentGateway {
  readonly name: 'sandbox' | 'rbs';
  register(req: RegisterRequest): Promise<Registered>;
  /** getOrderStatusExtended.do by the bank's order id. */
  orderStatus(orderId: string): Promise<BankOrderState>;
  /** True when a notification's checksum is the bank's. */
  verifyCallback(params: Record<string, string>): boolean;
  /** sbp/c2b/qr/dynamic/get.do: the dynamic QR code of a registered order. */
  sbpQr(orderId: string): Promise<SbpQr>;
  /** sbp/c2b/qr/status.do */
  sbpQrStatus(orderId: string, qrId: string): Promise<SbpQrStatus>;
  /** sbp/c2b/qr/dynamic/reject.do: the QR can no longer be paid (it expired, or the customer left). */
  sbpQrReject(orderId: string, qrId: string): Promise<void>;
}
