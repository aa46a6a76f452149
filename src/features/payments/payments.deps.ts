// What the payment services take, in a file of its own that imports none of them (only types and
// the settings): the services (payments.service.ts, payments.settle.ts), the routes and
// payments.module.ts all use it, and payments.module.ts also imports the services, so these
// types cannot live there without an import cycle.
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { PaymentGateway } from './gateway.ts';
import type { PaymentsConfig } from './payments.config.ts';

/** Logging the payment code does: structured, never a card number (it never has one). */
export interface PaymentsLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the payment services get; the routes, the CLI and the benchmark build it. */
export interface PaymentsDeps {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  config: PaymentsConfig;
  /** The portal's address: the bank sends the customer back and its notifications here. */
  publicUrl: string;
  timeZone: string;
  readingsLastDay: number;
  supplierName: string;
  log: PaymentsLog;
}

export const RETURN_PATH = '/cabinet/payment/return';
export const CALLBACK_PATH = '/payments/callback';
