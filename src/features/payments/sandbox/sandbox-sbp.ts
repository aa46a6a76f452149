import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/schema.ts';
import {
  ACTION_CODE_TIMEOUT,
  GatewayError,
  type BankOrderState,
  type SbpQr,
  type SbpQrStatus,
} from '../gateway.ts';
import type { SandboxBank } from './sandbox-bank.ts';
import * as repo from './sandbox-sbp.repository.ts';

/** RBS actionCode of an order whose payment the payer refused in the bank app. */
export const ACTION_CODE_SBP_REJECTED = 2019;

/** What the sandbox's "bank app" shows for a QR code. */
export type BankAppOutcome =
  | { kind: 'unknown' }
  | { kind: 'page'; qr: repo.SandboxQr; merchant: string; message?: string }
  | { kind: 'redirect'; url: string };

/**
 * The sandbox bank's SBP part: the dynamic QR codes of sbp/c2b/qr/dynamic/get.do, their status
 * (sbp/c2b/qr/status.do), their rejection (reject.do), and the "bank app" in which the payer pays
 * or declines. Its state is in the database (sandbox_sbp_qrs), not in memory as the card page's
 * is: the portal runs as several processes, and the QR shown by one is paid through another and
 * asked about by a third. The QR lives as long as the order's session (register.do's
 * sessionTimeoutSecs); after that it is REJECTED by timeout and the order is declined with the
 * card page's timeout code, so the portal's settling calls it expired.
 *
 * The payload stands in for NSPK's https://qr.nspk.ru/… address: the sandbox's own page, which on a
 * phone plays the bank app the real address would open.
 */
export class SandboxSbp {
  constructor(
    private readonly opts: {
      db: Kysely<Database>;
      clock: Clock;
      bank: SandboxBank;
      /** The absolute address of the bank app's page, without the QR id. */
      appUrl: string;
      merchant: string;
    },
  ) {}

  /** sbp/c2b/qr/dynamic/get.do: the order's QR (the same one when asked again). */
  async createQr(orderId: string): Promise<SbpQr> {
    const known = await repo.findByOrder(this.opts.db, orderId);
    if (known) {
      const q = await this.#touch(known);
      return { qrId: q.qrId, payload: this.payload(q.qrId), qrStatus: q.status };
    }
    const o = await this.opts.bank.takeForSbp(orderId);
    if (!o) {
      throw new GatewayError('refused', '6', 'Заказ не найден или уже не ожидает оплаты');
    }
    const qrId = `AS${randomBytes(15).toString('hex').toUpperCase()}`;
    await repo.insertQr(this.opts.db, {
      qrId,
      mdOrder: o.orderId,
      orderNumber: o.orderNumber,
      amountKop: o.amountKop,
      currency: o.currency,
      returnUrl: o.returnUrl,
      failUrl: o.failUrl,
      callbackUrl: o.callbackUrl,
      status: 'STARTED',
      rejectReason: null,
      authRefNum: null,
      paidAt: null,
      createdAt: this.opts.clock.now().getTime(),
      expiresAt: o.expiresAt,
    });
    return { qrId, payload: this.payload(qrId), qrStatus: 'STARTED' };
  }

  payload(qrId: string): string {
    return `${this.opts.appUrl}/${qrId}`;
  }

  /** getOrderStatusExtended.do of an SBP order; undefined when the order has no QR here. */
  async orderState(orderId: string): Promise<BankOrderState | undefined> {
    const row = await repo.findByOrder(this.opts.db, orderId);
    if (!row) {
      return undefined;
    }
    const q = await this.#touch(row);
    const paid = q.status === 'CONFIRMED';
    const declined = q.status === 'REJECTED' || q.status === 'REJECTED_BY_USER';
    return {
      found: true,
      orderStatus: paid ? 2 : declined ? 6 : 0,
      orderNumber: q.orderNumber,
      amountKop: q.amountKop,
      currency: q.currency,
      actionCode: !declined
        ? 0
        : q.rejectReason === 'timeout'
          ? ACTION_CODE_TIMEOUT
          : ACTION_CODE_SBP_REJECTED,
      actionCodeDescription: declined ? 'Оплата по QR-коду СБП не состоялась.' : '',
      authDateTime: q.paidAt,
      depositedKop: paid ? q.amountKop : 0,
      authRefNum: q.authRefNum,
      approvalCode: null,
    };
  }

  /** sbp/c2b/qr/status.do */
  async qrStatus(orderId: string, qrId: string): Promise<SbpQrStatus> {
    return (await this.#ofOrder(orderId, qrId)).status;
  }

  /** sbp/c2b/qr/dynamic/reject.do: a paid QR cannot be rejected; a finished one stays as it is. */
  async reject(orderId: string, qrId: string): Promise<void> {
    const q = await this.#ofOrder(orderId, qrId);
    if (q.status === 'CONFIRMED') {
      throw new GatewayError('refused', '7', 'QR-код уже оплачен');
    }
    await repo.markRejected(this.opts.db, q.qrId, 'REJECTED', 'merchant');
  }

  /** The bank app's page for a scanned QR (or a tapped link): pay, decline, or its outcome. */
  async open(qrId: string): Promise<BankAppOutcome> {
    const row = await repo.findByQr(this.opts.db, qrId);
    if (!row) {
      return { kind: 'unknown' };
    }
    return { kind: 'page', qr: await this.#touch(row), merchant: this.opts.merchant };
  }

  /** "Оплатить" in the bank app: paid once however often it is pressed, then back to the portal. */
  async pay(qrId: string): Promise<BankAppOutcome> {
    const row = await repo.findByQr(this.opts.db, qrId);
    if (!row) {
      return { kind: 'unknown' };
    }
    const q = await this.#touch(row);
    if (q.status === 'STARTED') {
      const now = this.opts.clock.now().getTime();
      const authRefNum = String(randomInt(100_000, 1_000_000)) + String(randomInt(100_000, 1_000_000));
      if (await repo.markPaid(this.opts.db, q.qrId, { now, authRefNum })) {
        this.opts.bank.notify(this.#target(q), 'deposited', '1');
      }
    }
    const after = (await repo.findByQr(this.opts.db, qrId)) ?? q;
    if (after.status === 'CONFIRMED') {
      return { kind: 'redirect', url: this.#back(after.returnUrl, after) };
    }
    return {
      kind: 'page',
      qr: after,
      merchant: this.opts.merchant,
      message: 'Оплата невозможна: QR-код больше не действует.',
    };
  }

  /** "Отклонить" in the bank app: the payer refuses; nothing is paid. */
  async decline(qrId: string): Promise<BankAppOutcome> {
    const row = await repo.findByQr(this.opts.db, qrId);
    if (!row) {
      return { kind: 'unknown' };
    }
    const q = await this.#touch(row);
    if (q.status === 'STARTED' && (await repo.markRejected(this.opts.db, q.qrId, 'REJECTED_BY_USER', null))) {
      this.opts.bank.notify(this.#target(q), 'deposited', '0');
    }
    const after = (await repo.findByQr(this.opts.db, qrId)) ?? q;
    return after.status === 'CONFIRMED'
      ? { kind: 'page', qr: after, merchant: this.opts.merchant }
      : { kind: 'redirect', url: this.#back(after.failUrl, after) };
  }

  async #ofOrder(orderId: string, qrId: string): Promise<repo.SandboxQr> {
    const row = await repo.findByQr(this.opts.db, qrId);
    if (!row || row.mdOrder !== orderId) {
      throw new GatewayError('refused', '6', 'QR-код не найден');
    }
    return this.#touch(row);
  }

  /** The QR's lifetime: a STARTED one past it is rejected by timeout, and the portal notified. */
  async #touch(q: repo.SandboxQr): Promise<repo.SandboxQr> {
    if (q.status !== 'STARTED' || this.opts.clock.now().getTime() < q.expiresAt) {
      return q;
    }
    if (await repo.markRejected(this.opts.db, q.qrId, 'REJECTED', 'timeout')) {
      this.opts.bank.notify(this.#target(q), 'declinedByTimeout', '1');
    }
    return (await repo.findByQr(this.opts.db, q.qrId)) ?? q;
  }

  #target(q: repo.SandboxQr) {
    return { orderId: q.mdOrder, orderNumber: q.orderNumber, callbackUrl: q.callbackUrl };
  }

  #back(base: string, q: repo.SandboxQr): string {
    return `${base}${base.includes('?') ? '&' : '?'}orderId=${encodeURIComponent(q.mdOrder)}&lang=ru`;
  }
}
