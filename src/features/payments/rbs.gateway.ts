import { checksumValid } from './checksum.ts';
import {
  GatewayError,
  type BankOrderState,
  type PaymentGateway,
  type RbsOrderStatus,
  type RegisterRequest,
  type Registered,
  type SbpQr,
  type SbpQrStatus,
  sbpQrStatusOf,
} from './gateway.ts';

export interface RbsOptions {
  /** The REST root ending with '/', e.g. https://securepayments.sberbank.ru/payment/rest/ */
  url: string;
  userName?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  callbackKey: string;
  timeoutMs: number;
}

type Json = Record<string, unknown>;

/**
 * The RBS REST protocol (Sberbank, Alfa-Bank and other banks on BPC's gateway): form-encoded POSTs,
 * JSON answers with `errorCode` "0" (or absent) on success.
 */
export class RbsGateway implements PaymentGateway {
  readonly name = 'rbs' as const;
  constructor(private readonly opts: RbsOptions) {}

  async register(req: RegisterRequest): Promise<Registered> {
    const res = await this.call('register.do', {
      orderNumber: req.orderNumber,
      amount: String(req.amountKop),
      currency: String(req.currency),
      returnUrl: req.returnUrl,
      failUrl: req.failUrl,
      dynamicCallbackUrl: req.callbackUrl,
      description: req.description,
      language: 'ru',
      sessionTimeoutSecs: String(req.sessionTimeoutSecs),
      taxSystem: String(req.taxSystem),
      orderBundle: JSON.stringify(req.orderBundle),
      jsonParams: JSON.stringify(req.jsonParams),
    });
    const orderId = res.orderId;
    const formUrl = res.formUrl;
    if (
      typeof orderId !== 'string' ||
      !/^[0-9A-Za-z-]{1,64}$/.test(orderId) ||
      typeof formUrl !== 'string' ||
      !/^https?:\/\//.test(formUrl)
    ) {
      throw new GatewayError('refused', 'bad_answer', 'register.do: no orderId/formUrl in the answer');
    }
    return { orderId, formUrl };
  }

  async orderStatus(orderId: string): Promise<BankOrderState> {
    let res: Json;
    try {
      res = await this.call('getOrderStatusExtended.do', { orderId, language: 'ru' });
    } catch (err) {
      // 6: "Заказ не найден" / unregistered orderId.
      if (err instanceof GatewayError && err.kind === 'refused' && err.code === '6') {
        return { found: false };
      }
      throw err;
    }
    const status = Number(res.orderStatus);
    if (!Number.isInteger(status) || status < 0 || status > 6) {
      throw new GatewayError('refused', 'bad_answer', 'getOrderStatusExtended.do: no orderStatus');
    }
    const info = (res.paymentAmountInfo ?? {}) as Json;
    const card = (res.cardAuthInfo ?? {}) as Json;
    const deposited = info.depositedAmount;
    return {
      found: true,
      orderStatus: status as RbsOrderStatus,
      orderNumber: str(res.orderNumber) ?? '',
      amountKop: int(res.amount) ?? -1,
      currency: int(res.currency) ?? 643,
      actionCode: int(res.actionCode) ?? 0,
      actionCodeDescription: str(res.actionCodeDescription) ?? '',
      authDateTime: int(res.authDateTime) ?? null,
      depositedKop: deposited === undefined ? null : (int(deposited) ?? null),
      authRefNum: str(res.authRefNum) ?? null,
      approvalCode: str(card.approvalCode) ?? null,
    };
  }

  async sbpQr(orderId: string): Promise<SbpQr> {
    const res = await this.call('sbp/c2b/qr/dynamic/get.do', {
      mdOrder: orderId,
    });
    const qrId = str(res.qrId);
    const payload = str(res.payload);
    if (!qrId || !/^[0-9A-Za-z-]{1,64}$/.test(qrId) || !payload || !/^https:\/\//.test(payload)) {
      throw new GatewayError(
        'refused',
        'bad_answer',
        'sbp/c2b/qr/dynamic/get.do: no qrId/payload in the answer',
      );
    }
    return { qrId, payload, qrStatus: sbpQrStatusOf(res.qrStatus) };
  }

  async sbpQrStatus(orderId: string, qrId: string): Promise<SbpQrStatus> {
    const res = await this.call('sbp/c2b/qr/status.do', { mdOrder: orderId, qrId });
    return sbpQrStatusOf(res.qrStatus);
  }

  async sbpQrReject(orderId: string, qrId: string): Promise<void> {
    await this.call('sbp/c2b/qr/dynamic/reject.do', { mdOrder: orderId, qrId });
  }

  verifyCallback(params: Record<string, string>): boolean {
    return checksumValid(params, this.opts.callbackKey);
  }

  private async call(method: string, params: Record<string, string>): Promise<Json> {
    const auth: Record<string, string> = this.opts.token
      ? { token: this.opts.token }
      : { userName: this.opts.userName ?? '', password: this.opts.password ?? '' };
    let res: Response;
    try {
      res = await fetch(new URL(method, this.opts.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ ...auth, ...params }).toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new GatewayError(
        'unavailable',
        timeout ? 'timeout' : 'network',
        `${method}: ${timeout ? 'no answer in time' : 'network error'}`,
      );
    }
    if (res.status >= 500) {
      throw new GatewayError('unavailable', `http_${res.status}`, `${method}: HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new GatewayError(
        res.ok ? 'refused' : 'unavailable',
        'bad_answer',
        `${method}: not JSON (HTTP ${res.status})`,
      );
    }
    if (!body || typeof body !== 'object') {
      throw new GatewayError('refused', 'bad_answer', `${method}: not an object`);
    }
    const json = body as Json;
    const code = json.errorCode === undefined ? '0' : (str(json.errorCode) ?? '?');
    if (code !== '0') {
      // Never echo the bank's text into logs verbatim beyond a short, single line.
      const message = (str(json.errorMessage) ?? '').replace(/[\r\n]+/g, ' ').slice(0, 200);
      throw new GatewayError('refused', code, `${method}: error ${code} ${message}`.trim());
    }
    if (!res.ok) {
      throw new GatewayError('unavailable', `http_${res.status}`, `${method}: HTTP ${res.status}`);
    }
    return json;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function int(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}
