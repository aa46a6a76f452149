import { checksumValid } from '../checksum.ts';
import type { BankOrderState, PaymentGateway, RegisterRequest, Registered } from '../gateway.ts';
import type { SandboxBank } from './sandbox-bank.ts';

/** The portal's side of the sandbox bank: the same calls as RBS, made in-process. */
export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;
  constructor(readonly bank: SandboxBank) {}

  // The bank is in this process: its answers are at hand, a refusal comes as a rejection.
  register(req: RegisterRequest): Promise<Registered> {
    return settled(() => this.bank.register(req));
  }

  orderStatus(orderId: string): Promise<BankOrderState> {
    return settled(() => this.bank.status(orderId));
  }

  verifyCallback(params: Record<string, string>): boolean {
    return checksumValid(params, this.bank.callbackKey);
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
