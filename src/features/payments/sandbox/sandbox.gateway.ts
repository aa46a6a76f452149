import { checksumValid } from '../checksum.ts';
import type {
  BankOrderState,
  PaymentGateway,
  RegisterRequest,
  Registered,
  SbpQr,
  SbpQrStatus,
} from '../gateway.ts';
import type { SandboxBank } from './sandbox-bank.ts';
import type { SandboxSbp } from './sandbox-sbp.ts';

/** The portal's side of the sandbox bank: the same calls as RBS, made in-process. */
export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;
  constructor(
    readonly bank: SandboxBank,
    readonly sbp: SandboxSbp,
  ) {}

  // The bank is in this process: its answers are at hand, a refusal comes as a rejection.
  register(req: RegisterRequest): Promise<Registered> {
    return settled(() => this.bank.register(req));
  }

  /** An SBP order's state is in the database (any process may have changed it); a card's, here. */
  async orderStatus(orderId: string): Promise<BankOrderState> {
    return (await this.sbp.orderState(orderId)) ?? (await settled(() => this.bank.status(orderId)));
  }

  verifyCallback(params: Record<string, string>): boolean {
    return checksumValid(params, this.bank.callbackKey);
  }

  sbpQr(orderId: string): Promise<SbpQr> {
    return this.sbp.createQr(orderId);
  }

  sbpQrStatus(orderId: string, qrId: string): Promise<SbpQrStatus> {
    return this.sbp.qrStatus(orderId, qrId);
  }

  sbpQrReject(orderId: string, qrId: string): Promise<void> {
    return this.sbp.reject(orderId, qrId);
  }
}

/** `f()` as a promise: its value, or its throw as a rejection. */
function settled<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
