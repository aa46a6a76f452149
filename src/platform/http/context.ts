import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';

/** What every feature's routes get: configuration, the database and the clock. */
export interface AppContext {
  config: Config;
  db: Db;
  clock: Clock;
  /** The supplier's name as shown to customers. */
  supplierName: string;
}

export interface Customer {
  sessionId: number;
  accountId: number;
  /** The raw session token from the cookie (needed to log out). */
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    customer: Customer | null;
  }
}
