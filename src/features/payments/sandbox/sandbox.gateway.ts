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

  register(req: RegisterRequest): Promise<Registered> {
    return this.bank.register(req);
  }

  /** An SBP order's state is in sandbox_sbp_qrs, a card order's in sandbox_orders. */
  async orderStatus(orderId: string): Promise<BankOrderState> {
    return (await this.sbp.orderState(orderId)) ?? (await this.bank.status(orderId));
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
