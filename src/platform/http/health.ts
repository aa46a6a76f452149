import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../db/connect.ts';
import { pendingMigrations } from '../db/migrate.ts';

/** Seconds a load balancer is asked to wait before asking an instance that is not ready again. */
const NOT_READY_RETRY_AFTER_S = 5;

/** A check's outcome; `unknown` when an earlier one failed and it could not be made. */
type Check = 'ok' | 'failing' | 'unknown';

const CheckSchema = Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')]);
const Checks = Type.Object({
  database: CheckSchema,
  migrations: CheckSchema,
  shutdown: CheckSchema,
  load: CheckSchema,
});

/**
 * `/healthz`: the process lives and its event loop turns (no database call, so that a database
 * outage does not get every instance restarted). `/readyz`: this instance may take requests: the
 * database answers, no migration of this version is pending, it is not shutting down and its event
 * loop is not saturated (pressure.ts); otherwise 503 with Retry-After and the failing checks named.
 */
export function registerHealth(
  app: FastifyInstance,
  db: Db,
  state: { isClosing: () => boolean; isOverloaded: () => boolean },
): void {
  app.get('/healthz', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, () =>
    Promise.resolve({ status: 'ok' as const }),
  );

  // Once current, the migrations stay so for this process: later ones belong to a later version.
  let migrationsCurrent = false;
  const checkMigrations = async (): Promise<Check> => {
    if (!migrationsCurrent) {
      migrationsCurrent = (await pendingMigrations(db)).length === 0;
    }
    return migrationsCurrent ? 'ok' : 'failing';
  };
  const checkDatabase = async (): Promise<Check> => {
    try {
      await db.ping();
      return 'ok';
    } catch {
      return 'failing';
    }
  };

  const Answer = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Checks,
  });
  app.get('/readyz', { schema: { response: { 200: Answer, 503: Answer } } }, async (_req, reply) => {
    const shutdown: Check = state.isClosing() ? 'failing' : 'ok';
    const load: Check = state.isOverloaded() ? 'failing' : 'ok';
    const database = await checkDatabase();
    const migrations: Check =
      database === 'ok' ? await checkMigrations().catch(() => 'failing' as const) : 'unknown';
    const checks = { database, migrations, shutdown, load };
    if (Object.values(checks).every((c) => c === 'ok')) {
      return { status: 'ready' as const, checks };
    }
    void reply.code(503).header('Retry-After', String(NOT_READY_RETRY_AFTER_S));
    return { status: 'unavailable' as const, checks };
  });
}
