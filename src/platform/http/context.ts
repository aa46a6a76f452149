import type { Clock } from '../clock.ts';
import type { CoreConfig } from '../config.ts';
import type { Db } from '../db/connect.ts';

/**
 * What every feature's routes get: configuration, the database and the clock. A feature names the
 * settings it reads beyond the shared ones in `C` (e.g. `CoreConfig & { mail: MailConfig }`);
 * the app passes the whole configuration, which has them all.
 */
export interface AppContext<C extends CoreConfig = CoreConfig> {
  config: C;
  db: Db;
  clock: Clock;
  /** The supplier's name as shown to customers. */
  supplierName: string;
}
