import { Type, type Static } from 'typebox';
import type { DbTimeouts } from './connect.ts';

/**
 * How long the portal waits for its database, from the environment. A request that cannot get a
 * connection, or whose statement runs too long, fails with 503 within these bounds instead of
 * hanging; command-line jobs (closing the month, the generator, the mail worker) get their own
 * statement timeout, none by default, because they legitimately run for minutes.
 */
export const DbEnvSchema = {
  DB_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 5_000,
    description: 'PostgreSQL: не открылось за столько мс новое соединение — запрос получает 503',
  }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 15_000,
    description: 'PostgreSQL: запрос страницы к базе дольше стольких мс прерывается (503); 0 — без предела',
  }),
  DB_IDLE_TX_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 30_000,
    description:
      'PostgreSQL: транзакцию, простоявшую столько мс между запросами, сервер прерывает; 0 — никогда',
  }),
  DB_JOB_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 86_400_000,
    default: 0,
    description: 'Те же два предела для команд (закрытие месяца, рассылка, загрузки), мс; 0 — без предела',
  }),
  DB_LOCK_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 5_000,
    description: 'SQLite: сколько мс запись ждёт блокировки другого процесса, прежде чем ответить 503',
  }),
};

export type DbEnv = Static<ReturnType<typeof Type.Object<typeof DbEnvSchema>>>;

/** The database's timeouts for the web server's requests and for command-line jobs. */
export interface DbConfig {
  requests: DbTimeouts;
  jobs: DbTimeouts;
}

export function dbConfig(raw: DbEnv): DbConfig {
  return {
    requests: {
      connectMs: raw.DB_CONNECT_TIMEOUT_MS,
      statementMs: raw.DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: raw.DB_IDLE_TX_TIMEOUT_MS,
      lockWaitMs: raw.DB_LOCK_WAIT_MS,
      asyncLockWait: true,
    },
    jobs: {
      connectMs: raw.DB_CONNECT_TIMEOUT_MS,
      statementMs: raw.DB_JOB_STATEMENT_TIMEOUT_MS,
      // A job's transaction may sit between statements while it computes (closing's batches).
      idleInTransactionMs: raw.DB_JOB_STATEMENT_TIMEOUT_MS,
      lockWaitMs: raw.DB_LOCK_WAIT_MS,
      asyncLockWait: false,
    },
  };
}
