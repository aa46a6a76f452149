// An emulator of a bank's RBS REST gateway for the payment tests (not a test file itself): real HTTP
// on 127.0.0.1, register.do and getOrderStatusExtended.do as the protocol describes them, and
// notifications signed with a real HMAC-SHA256 checksum. Written from the protocol, independently of
// src/payments, so that the portal's RBS client is tested against the protocol and not against itself.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmuOrder {
  orderId: string;
  orderNumber: string;
  amount: number;
  currency: string;
  status: number;
  actionCode: number;
  actionCodeDescription: string;
  /** What the bank reports as the amount (differs from `amount` only to emulate a mismatch). */
  reportedAmount: number;
  params: Record<string, string>;
  authDateTime?: number;
}

export class RbsEmulator {
  readonly callbackKey = 'emulator-callback-key-0123456789abcdef';
  readonly userName = 'lk-api';
  readonly password = 'emulator-password';
  readonly orders = new Map<string, EmuOrder>();
  readonly calls: Array<{ method: string; params: Record<string, string> }> = [];
  /** Milliseconds to wait before answering (a slow or silent bank). */
  delayMs = 0;
  /** The next register.do answers this error instead. */
  refuseNextRegister: { errorCode: string; errorMessage: string } | null = null;
  /** getOrderStatusExtended.do answers HTTP 500 while set. */
  statusDown = false;
  /** SBP dynamic QR codes by qrId (sbp/c2b/qr/dynamic/get.do, status.do, reject.do). */
  readonly qrs = new Map<string, { orderId: string; payload: string; status: string }>();
  /** The next sbp/c2b/qr/dynamic/get.do answers this error instead. */
  refuseNextQr: { errorCode: string; errorMessage: string } | null = null;
  #server: http.Server | undefined;
  #port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get url(): string {
    return `${this.origin}/payment/rest/`;
  }

  async start(): Promise<void> {
    this.#server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        setTimeout(() => this.#answer(req, res, body), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  #answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const json = (status: number, value: unknown) => {
      if (res.destroyed) {
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };
    const params = Object.fromEntries(new URLSearchParams(body));
    const method = (req.url ?? '').replace(/^\/payment\/rest\//, '');
    this.calls.push({ method, params });
    if (req.method !== 'POST') {
      return json(405, { errorCode: '7', errorMessage: 'POST only' });
    }
    if (params.userName !== this.userName || params.password !== this.password) {
      return json(200, { errorCode: '5', errorMessage: 'Доступ запрещён' });
    }
    if (method === 'register.do') {
      if (this.refuseNextRegister) {
        const e = this.refuseNextRegister;
        this.refuseNextRegister = null;
        return json(200, e);
      }
      if ([...this.orders.values()].some((o) => o.orderNumber === params.orderNumber)) {
        return json(200, { errorCode: '1', errorMessage: 'Заказ с таким номером уже обработан' });
      }
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount <= 0) {
        return json(200, { errorCode: '4', errorMessage: 'Сумма заказа не может быть пустой' });
      }
      const orderId = randomUUID();
      this.orders.set(orderId, {
        orderId,
        orderNumber: params.orderNumber ?? '',
        amount,
        currency: params.currency ?? '643',
        status: 0,
        actionCode: 0,
        actionCodeDescription: '',
        reportedAmount: amount,
        params,
      });
      return json(200, {
        orderId,
        formUrl: `${this.origin}/payment/merchants/test/payment_ru.html?mdOrder=${orderId}`,
      });
    }
    if (method === 'getOrderStatusExtended.do') {
      if (this.statusDown) {
        return json(500, { errorCode: '7', errorMessage: 'Системная ошибка' });
      }
      const o = this.orders.get(params.orderId ?? '');
      if (!o) {
        return json(200, { errorCode: '6', errorMessage: 'Заказ не найден' });
      }
      const paid = o.status === 2;
      return json(200, {
        errorCode: '0',
        errorMessage: 'Успешно',
        orderNumber: o.orderNumber,
        orderStatus: o.status,
        actionCode: o.actionCode,
        actionCodeDescription: o.actionCodeDescription,
        amount: o.reportedAmount,
        currency: o.currency,
        date: Date.now(),
        ...(paid
          ? {
              authDateTime: o.authDateTime,
              authRefNum: '111222333444',
              cardAuthInfo: {
                maskedPan: '411111**1111',
                expiration: '203012',
                cardholderName: 'CARDHOLDER',
                approvalCode: '123456',
              },
              paymentAmountInfo: {
                paymentState: 'DEPOSITED',
                approvedAmount: o.reportedAmount,
                depositedAmount: o.reportedAmount,
                refundedAmount: 0,
              },
            }
          : {
              paymentAmountInfo: {
                paymentState: o.status === 6 ? 'DECLINED' : 'CREATED',
                approvedAmount: 0,
                depositedAmount: 0,
                refundedAmount: 0,
              },
            }),
      });
    }
    if (method.startsWith('sbp/')) {
      return json(200, this.#sbp(method, params));
    }
    return json(404, { errorCode: '7', errorMessage: 'Unknown method' });
  }

  /** The SBP methods, with mdOrder and qrId as RBS names them. */
  #sbp(method: string, params: Record<string, string>): Record<string, unknown> {
    const o = this.orders.get(params.mdOrder ?? '');
    if (!o) {
      return { errorCode: '6', errorMessage: 'Заказ не найден' };
    }
    if (method === 'sbp/c2b/qr/dynamic/get.do') {
      if (this.refuseNextQr) {
        const e = this.refuseNextQr;
        this.refuseNextQr = null;
        return e;
      }
      const qrId = randomUUID().replaceAll('-', '').toUpperCase();
      const payload = `https://qr.nspk.ru/${qrId}?type=02&bank=100000000111&sum=${o.amount}&cur=RUB&crc=AB12`;
      this.qrs.set(qrId, { orderId: o.orderId, payload, status: 'STARTED' });
      return { errorCode: '0', qrId, payload, qrStatus: 'STARTED' };
    }
    const qr = this.qrs.get(params.qrId ?? '');
    if (!qr || qr.orderId !== o.orderId) {
      return { errorCode: '6', errorMessage: 'QR-код не найден' };
    }
    if (method === 'sbp/c2b/qr/status.do') {
      return { errorCode: '0', qrStatus: o.status === 2 ? 'CONFIRMED' : qr.status };
    }
    if (method === 'sbp/c2b/qr/dynamic/reject.do') {
      if (o.status === 2) {
        return { errorCode: '7', errorMessage: 'Заказ уже оплачен' };
      }
      qr.status = 'REJECTED';
      o.status = 6;
      o.actionCode = -2015;
      o.actionCodeDescription = 'QR-код отклонён';
      return { errorCode: '0' };
    }
    return { errorCode: '7', errorMessage: 'Unknown method' };
  }

  /** The customer paid on the bank's page (optionally, the bank then reports another amount). */
  pay(orderId: string, opts: { reportedAmount?: number; at?: number } = {}): void {
    const o = this.#order(orderId);
    o.status = 2;
    o.authDateTime = opts.at ?? Date.now();
    if (opts.reportedAmount !== undefined) {
      o.reportedAmount = opts.reportedAmount;
    }
  }

  decline(orderId: string): void {
    const o = this.#order(orderId);
    o.status = 6;
    o.actionCode = 2003;
    o.actionCodeDescription = 'Отказ банка-эмитента';
  }

  /** The bank's 20 minutes passed without payment. */
  timeOut(orderId: string): void {
    const o = this.#order(orderId);
    o.status = 6;
    o.actionCode = -2007;
    o.actionCodeDescription = 'Истек срок ожидания ввода данных.';
  }

  /** A notification's parameters with the checksum (computed here, from the protocol's description). */
  callback(
    orderId: string,
    operation: string,
    status: '0' | '1',
    key = this.callbackKey,
  ): Record<string, string> {
    const o = this.orders.get(orderId);
    const params: Record<string, string> = {
      mdOrder: orderId,
      orderNumber: o?.orderNumber ?? 'LK000000-UNKNOWN1',
      operation,
      status,
    };
    const data = Object.keys(params)
      .sort()
      .map((k) => `${k};${params[k]};`)
      .join('');
    params.checksum = createHmac('sha256', key).update(data).digest('hex').toUpperCase();
    return params;
  }

  #order(orderId: string): EmuOrder {
    const o = this.orders.get(orderId);
    if (!o) {
      throw new Error(`no order ${orderId}`);
    }
    return o;
  }
}
