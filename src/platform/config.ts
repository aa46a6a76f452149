import path from 'node:path';
import { envSchema } from 'env-schema';
import { Type, type Static } from 'typebox';
import { paymentsConfig, type PaymentsConfig } from '../features/payments/payments.config.ts';
import { MailEnvSchema, mailConfig, type MailConfig } from '../features/mail/mail.config.ts';

/**
 * The oldest Node.js the portal runs on. Fastify's `inject` (the sandbox bank's notifications go
 * through it) loads the ES-module-only `cookie` 2 with require(), which Node 20 does only from 20.19.
 */
export const MIN_NODE_VERSION = '20.19.0';

/** Why this Node.js cannot run the portal, or null when it can. */
export function unsupportedNode(version: string = process.versions.node): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NODE_VERSION.split('.').map(Number);
  return major > minMajor || (major === minMajor && minor >= minMinor)
    ? null
    : `Node.js ${MIN_NODE_VERSION} or later is required; this is ${version}`;
}

/** The supplier's time zone when SUPPLIER_TIME_ZONE is not set: business dates are its calendar dates. */
export const DEFAULT_TIME_ZONE = 'Asia/Krasnoyarsk';

/**
 * Every setting the portal reads from the environment, checked once at boot.
 * Values marked "(verify)" in docs/domain rules are configuration on purpose.
 */
const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  DATA_DIR: Type.String({ default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SUPPLIER_TIME_ZONE: Type.String({ default: DEFAULT_TIME_ZONE }),
  SESSION_IDLE_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
  SESSION_ABSOLUTE_HOURS: Type.Integer({ minimum: 1, maximum: 168, default: 12 }),
  LOGIN_MAX_FAILURES: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  LOGIN_WINDOW_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
  IP_MAX_FAILED_ACCOUNTS: Type.Integer({ minimum: 1, maximum: 10000, default: 20 }),
  IP_WINDOW_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 10 }),
  CONSENT_POLICY_VERSION: Type.String({ minLength: 1, default: '2025-09-01' }),
  DEMO_MODE: Type.Boolean({ default: false }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  READINGS_LAST_DAY: Type.Integer({ minimum: 1, maximum: 31, default: 25 }),
  AVERAGE_MAX_PERIODS: Type.Integer({ minimum: 0, maximum: 24, default: 6 }),
  AVERAGE_MAX_PERIODS_METER_FAULT: Type.Integer({ minimum: 0, maximum: 24, default: 3 }),
  NORM_COEFFICIENT: Type.String({ pattern: '^[0-9]{1,2}([.,][0-9]{1,3})?$', default: '1.0' }),
  BILL_DUE_DAY: Type.Integer({ minimum: 1, maximum: 28, default: 10 }),
  // Card payments (src/payments): the bank's gateway and its limits.
  PAYMENT_GATEWAY: oneOf(['sandbox', 'rbs'] as const, 'sandbox'),
  RBS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  RBS_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  RBS_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  RBS_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  RBS_CALLBACK_KEY: Type.Optional(Type.String({ minLength: 16 })),
  RBS_FORM_ORIGIN: Type.Optional(Type.String({ pattern: '^https?://' })),
  RBS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
  PAYMENT_SESSION_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 20 }),
  PAYMENT_MIN_RUBLES: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  PAYMENT_MAX_RUBLES: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 300_000 }),
  PAYMENT_RECONCILE_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 120 }),
  PAYMENT_TAX_SYSTEM: Type.Integer({ minimum: 0, maximum: 5, default: 0 }),
  PAYMENT_TAX_TYPE: Type.Integer({ minimum: 0, maximum: 20, default: 6 }),
  PAYMENT_BANK_NAME: Type.String({ minLength: 1, maxLength: 100, default: 'ПАО Сбербанк' }),
  // Bills by e-mail (src/mail): SMTP_URL, MAIL_FROM, the outbox worker, confirmations, reminders.
  ...MailEnvSchema,
});

type RawConfig = Static<typeof ConfigSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL when set; otherwise SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  publicUrl: string;
  /** True when the site is served over HTTPS: Secure cookies, `__Host-` prefix, HSTS. */
  https: boolean;
  timeZone: string;
  session: { idleMs: number; absoluteMs: number };
  loginLimits: { maxFailures: number; windowMs: number; ipMaxAccounts: number; ipWindowMs: number };
  consentPolicyVersion: string;
  demoMode: boolean;
  trustProxy: boolean;
  logLevel: string;
  dbPoolSize: number;
  /** Readings up to and including this day of the month count for that month; later ones for the next. */
  readingsLastDay: number;
  /**
   * Decree 354 п.59–60: periods in a row charged by the average when readings are not submitted
   * (59б) and when the meter is broken or past verification (59а), then by the norm times the
   * coefficient (thousandths). All three are (verify) in the domain notes, hence configuration.
   */
  billing: {
    averageMaxPeriods: number;
    averageMaxPeriodsFault: number;
    normCoefficientE3: number;
    dueDay: number;
  };
  /** Card payments: see src/payments/payments.config.ts. */
  payments: PaymentsConfig;
  /** Bills by e-mail: see src/mail/mail.config.ts. */
  mail: MailConfig;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "1,5" → 1500 (thousandths), exactly. */
function decimalE3(s: string): number {
  const [int = '0', frac = ''] = s.replace(',', '.').split('.');
  return Number(int) * 1000 + Number(frac.padEnd(3, '0'));
}

/** A string setting that takes one of a few values (one clear message instead of one per value). */
function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], default: fallback });
}

/** The environment checked against the schema; the error names each bad variable and what it takes. */
function checkedEnv(env: NodeJS.ProcessEnv): RawConfig {
  try {
    return envSchema<RawConfig>({ schema: ConfigSchema, data: env, dotenv: false });
  } catch (err) {
    const errors = (err as { errors?: unknown }).errors;
    if (!Array.isArray(errors)) {
      throw err;
    }
    const lines = (
      errors as Array<{ instancePath?: string; message?: string; params?: { allowedValues?: unknown[] } }>
    ).map((e) => {
      const name = (e.instancePath ?? '').replace(/^\//, '') || 'environment';
      const allowed = e.params?.allowedValues;
      return allowed
        ? `${name} must be one of: ${allowed.join(', ')}`
        : `${name} ${e.message ?? 'is invalid'}`;
    });
    throw new Error(`bad configuration: ${lines.join('; ')}`, { cause: err });
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const runtime = unsupportedNode();
  if (runtime) {
    throw new Error(runtime);
  }
  const raw = checkedEnv(env);
  if (!isValidTimeZone(raw.SUPPLIER_TIME_ZONE)) {
    throw new Error(`SUPPLIER_TIME_ZONE: unknown time zone "${raw.SUPPLIER_TIME_ZONE}"`);
  }
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    port: raw.PORT,
    host: raw.HOST,
    dataDir,
    databaseUrl: raw.DATABASE_URL,
    sqlitePath: path.join(dataDir, 'portal.db'),
    publicUrl,
    https: publicUrl.startsWith('https://'),
    timeZone: raw.SUPPLIER_TIME_ZONE,
    session: {
      idleMs: raw.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: raw.SESSION_ABSOLUTE_HOURS * 3_600_000,
    },
    loginLimits: {
      maxFailures: raw.LOGIN_MAX_FAILURES,
      windowMs: raw.LOGIN_WINDOW_MINUTES * 60_000,
      ipMaxAccounts: raw.IP_MAX_FAILED_ACCOUNTS,
      ipWindowMs: raw.IP_WINDOW_MINUTES * 60_000,
    },
    consentPolicyVersion: raw.CONSENT_POLICY_VERSION,
    demoMode: raw.DEMO_MODE,
    trustProxy: raw.TRUST_PROXY,
    logLevel: raw.LOG_LEVEL,
    dbPoolSize: raw.DB_POOL_SIZE,
    readingsLastDay: raw.READINGS_LAST_DAY,
    billing: {
      averageMaxPeriods: raw.AVERAGE_MAX_PERIODS,
      averageMaxPeriodsFault: raw.AVERAGE_MAX_PERIODS_METER_FAULT,
      normCoefficientE3: decimalE3(raw.NORM_COEFFICIENT),
      dueDay: raw.BILL_DUE_DAY,
    },
    payments: paymentsConfig(raw),
    mail: mailConfig(raw, dataDir),
  };
}
