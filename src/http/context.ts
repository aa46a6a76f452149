import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import type { PageCache } from '../cabinet/page-cache.ts';

/** What every feature's routes get: configuration, the database and the clock. */
export interface AppContext {
  config: Config;
  db: Db;
  clock: Clock;
  /** The supplier's name as shown to customers. */
  supplierName: string;
  /** The main page's cached account sections (see cabinet/page-cache.ts). */
  pageCache: PageCache;
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
  interface FastifyInstance {
    /** The app's main page cache, for its figures (hits, misses, size). */
    pageCache: PageCache;
  }
}
