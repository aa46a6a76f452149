import { checksumValid } from '../checksum.ts';
import type { BankOrderState, PaymentGateway, RegisterRequest, Registered } from '../gateway.ts';
import type { SandboxBank } from './sandbox-bank.ts';

/** The portal's side of the sandbox bank: the same calls as RBS, made in-process. */
export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;
  constructor(readonly bank: SandboxBank) {}

  async register(req: RegisterRequest): Promise<Registered> {
    return this.bank.register(req);
  }

  async orderStatus(orderId: string): Promise<BankOrderState> {
    return this.bank.status(orderId);
  }

  verifyCallback(params: Record<string, string>): boolean {
    return checksumValid(params, this.bank.callbackKey);
  }
}
