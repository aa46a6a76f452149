import type { Kysely } from 'kysely';
import type { CoreConfig } from '../../platform/config.ts';
import type { Database } from '../../platform/db/schema.ts';
import { pruneAttempts } from './account.repository.ts';
import { deleteExpiredSessions } from './session.repository.ts';

/**
 * Removes expired sessions and login attempts too old for any throttle window.
 * Safe to run from several instances at once: it only deletes what no one can use.
 */
export async function pruneAuthState(
  db: Kysely<Database>,
  config: Pick<CoreConfig, 'session' | 'loginLimits'>,
  now: number,
): Promise<{ sessions: number }> {
  const sessions = await deleteExpiredSessions(
    db,
    now - config.session.idleMs,
    now - config.session.absoluteMs,
  );
  // Well past every throttle window; the audit log keeps the history.
  const keepMs = Math.max(config.loginLimits.windowMs, config.loginLimits.ipWindowMs) * 4;
  await pruneAttempts(db, now - keepMs);
  return { sessions };
}
