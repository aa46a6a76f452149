import { createHmac } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { CoreConfig } from '../../platform/config.ts';
import type { Db } from '../../platform/db/connect.ts';
import type { AppContext } from '../../platform/http/context.ts';
import type { PaymentGateway } from './gateway.ts';
import type { PaymentsConfig } from './payments.config.ts';
import type { PaymentsDeps, PaymentsLog } from './payments.deps.ts';
import { reconcilePayments, type ReconcileSummary } from './payments.settle.ts';
import { RbsGateway } from './rbs.gateway.ts';
import { recordReconcileRun, type ReconcileTrigger } from './reconcile-runs.repository.ts';
import { SandboxBank, SANDBOX_PREFIX } from './sandbox/sandbox-bank.ts';
import { SandboxGateway } from './sandbox/sandbox.gateway.ts';
import { SandboxSbp } from './sandbox/sandbox-sbp.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { linkKey } from '../mail/tokens.repository.ts';

/** The settings payments read: its own and the supplier's calendar and address. */
export type PaymentsAppConfig = Pick<CoreConfig, 'publicUrl' | 'timeZone' | 'readingsLastDay'> & {
  payments: PaymentsConfig;
};
export type PaymentsContext = AppContext<CoreConfig & { payments: PaymentsConfig }>;

/** The payments feature as one object: the app decorates itself with it (`app.payments`). */
export interface PaymentsModule {
  deps: PaymentsDeps;
  gateway: PaymentGateway;
  /** The sandbox bank when PAYMENT_GATEWAY=sandbox (its card pages are served by the same app). */
  sandbox: SandboxBank | null;
  /** Its SBP part: QR codes and the "bank app" page (state in the database). */
  sandboxSbp: SandboxSbp | null;
  /** One reconciliation run, recorded in payment_reconcile_runs ('job' unless said otherwise). */
  reconcile(opts?: { limit?: number; trigger?: ReconcileTrigger }): Promise<ReconcileSummary>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by app.ts: the gateway, the sandbox bank and the reconciliation (tests, benches). */
    payments: PaymentsModule;
  }
}

/**
 * The sandbox bank's notification key when RBS_CALLBACK_KEY is not set: derived from the
 * database's own secret (mail_keys, made once by the migrations), so that every instance over one
 * database signs and verifies the bank's notifications alike; it is never stored.
 */
export async function sandboxCallbackKey(db: Kysely<Database>): Promise<string> {
  return createHmac('sha256', await linkKey(db))
    .update('sandbox bank notifications')
    .digest('hex');
}

/** The configured gateway; with the sandbox, also its bank. */
export async function createGateway(
  config: PaymentsAppConfig,
  db: Kysely<Database>,
  clock: Clock,
  supplierName: string,
  log: PaymentsLog,
): Promise<{ gateway: PaymentGateway; sandbox: SandboxBank | null; sandboxSbp: SandboxSbp | null }> {
  const p = config.payments;
  if (p.gateway === 'rbs' && p.rbs) {
    return { gateway: new RbsGateway(p.rbs), sandbox: null, sandboxSbp: null };
  }
  const bank = new SandboxBank({
    db,
    clock,
    callbackKey: p.sandboxCallbackKey ?? (await sandboxCallbackKey(db)),
    pageUrl: `${config.publicUrl}${SANDBOX_PREFIX}/pay`,
    merchant: supplierName,
    onDeliveryFailed: (order, operation) =>
      log.warn({ order, operation }, 'sandbox bank: notification not delivered'),
  });
  const sbp = new SandboxSbp({
    db,
    clock,
    bank,
    appUrl: `${config.publicUrl}${SANDBOX_PREFIX}/sbp`,
    merchant: supplierName,
  });
  return { gateway: new SandboxGateway(bank, sbp), sandbox: bank, sandboxSbp: sbp };
}

/**
 * The feature's part that needs no server: the gateway, the services' deps and the reconciliation.
 * The app makes it once, decorates itself with it and hands it to paymentsPlugin; the
 * payments-reconcile command makes its own, without any HTTP.
 */
export async function createPaymentsModule(
  config: PaymentsAppConfig,
  db: Db,
  clock: Clock,
  supplierName: string,
  log: PaymentsLog,
): Promise<PaymentsModule> {
  const { gateway, sandbox, sandboxSbp } = await createGateway(config, db.kysely, clock, supplierName, log);
  const deps: PaymentsDeps = {
    db: db.kysely,
    clock,
    gateway,
    config: config.payments,
    publicUrl: config.publicUrl,
    timeZone: config.timeZone,
    readingsLastDay: config.readingsLastDay,
    supplierName,
    log,
  };
  return {
    deps,
    gateway,
    sandbox,
    sandboxSbp,
    reconcile: (opts = {}) => recordedReconcile(deps, opts.trigger ?? 'job', opts.limit),
  };
}

/**
 * A reconciliation run, recorded with what it found (or why it failed) for the accountant's
 * payments page. A run that fails is recorded if the database still answers, then rethrown.
 */
async function recordedReconcile(
  deps: PaymentsDeps,
  trigger: ReconcileTrigger,
  limit: number | undefined,
): Promise<ReconcileSummary> {
  const startedAt = deps.clock.now().getTime();
  const run = { trigger, startedAt, checked: 0, results: {}, failedRegistrations: 0, readings: 0 };
  let summary: ReconcileSummary;
  try {
    summary = await reconcilePayments(deps, limit === undefined ? {} : { limit });
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    await recordReconcileRun(deps.db, { ...run, finishedAt: deps.clock.now().getTime(), error }).catch(
      () => undefined,
    );
    throw err;
  }
  await recordReconcileRun(deps.db, {
    ...run,
    ...summary,
    results: { ...summary.results },
    finishedAt: deps.clock.now().getTime(),
    error: null,
  });
  return summary;
}
