import path from 'node:path';
import { envSchema } from 'env-schema';
import { Type, type Static, type TProperties } from 'typebox';
import { parseTrustProxy, type TrustProxy } from './http/trust-proxy.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../domain/schedule.ts';

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

/** The supplier's name as customers see it (pages, bills, e-mails). */
export const SUPPLIER_NAME = 'ОАО «Хакасэнергосбыт»';

/** A string setting that takes one of a few values (one clear message instead of one per value). */
export function oneOf<const T extends readonly string[]>(
  values: T,
  fallback: T[number],
  description?: string,
) {
  return Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    default: fallback,
    ...(description === undefined ? {} : { description }),
  });
}

/** A day of the month. */
function day(fallback: number, description: string) {
  return Type.Integer({ minimum: 1, maximum: 31, default: fallback, description });
}

/**
 * The settings every part of the portal shares, from the environment. Each feature that has
 * settings of its own exports its schema next to its code; app/config.ts checks them all at once.
 * Each `description` (Russian) is what the admin's settings page says of the variable
 * (platform/settings.ts); `secret: true` hides a value that its name does not show to be secret.
 */
export const CoreEnvSchema = {
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP-порт портала' }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'Адрес, на котором портал принимает соединения (0.0.0.0 — в контейнере)',
  }),
  DATA_DIR: Type.String({
    default: './data',
    description: 'Каталог данных: база SQLite (portal.db), письма в виде файлов .eml',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'База PostgreSQL (postgres://…); без неё — SQLite в каталоге данных',
    }),
  ),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'Адрес, по которому портал открывают клиенты (ссылки в письмах, возврат из банка); https:// включает защищённые cookie и HSTS; без него — http://localhost:PORT',
    }),
  ),
  SUPPLIER_TIME_ZONE: Type.String({
    default: DEFAULT_TIME_ZONE,
    description: 'Часовой пояс поставщика: календарные даты, расчётные периоды, «сегодня»',
  }),
  SESSION_IDLE_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 30,
    description: 'Сеанс клиента завершается после стольких минут без запросов',
  }),
  SESSION_ABSOLUTE_HOURS: Type.Integer({
    minimum: 1,
    maximum: 168,
    default: 12,
    description: 'Сеанс клиента завершается через столько часов после входа',
  }),
  LOGIN_MAX_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 5,
    description: 'Неудачных входов в один лицевой счёт из одного браузера, после которых браузеру отказано',
  }),
  LOGIN_ADDRESS_MAX_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'То же с одного IP-адреса, из каких угодно браузеров',
  }),
  LOGIN_ACCOUNT_MAX_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 20,
    description: 'То же отовсюду: после них вход в лицевой счёт закрыт для всех',
  }),
  LOGIN_WINDOW_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 15,
    description: 'Окно трёх ограничений входа, минут',
  }),
  IP_MAX_FAILED_ACCOUNTS: Type.Integer({
    minimum: 1,
    maximum: 10000,
    default: 20,
    description: 'Лицевых счетов, на которых один адрес может ошибиться при входе, прежде чем ему откажут',
  }),
  IP_WINDOW_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 10,
    description: 'Окно этого ограничения, минут',
  }),
  CONSENT_POLICY_VERSION: Type.String({
    minLength: 1,
    default: '2025-09-01',
    description: 'Версия политики обработки персональных данных, записываемая с каждым согласием',
  }),
  DEMO_MODE: Type.Boolean({
    default: false,
    description: 'Демонстрационный режим: демо-данные при запуске и демо-вход на форме входа',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    maxLength: 1000,
    description:
      'Каким прокси верить в X-Forwarded-For: false; 1 — одному (nginx); число звеньев; адреса и сети прокси через запятую',
  }),
  SHUTDOWN_DRAIN_MS: Type.Integer({
    minimum: 0,
    maximum: 30_000,
    default: 0,
    description: 'При остановке: сколько мс портал ещё отвечает 503 на GET, прежде чем закрыть сокет',
  }),
  LOG_LEVEL: oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    'info',
    'Подробность журнала работы (pino): fatal, error, warn, info, debug, trace или silent',
  ),
  DB_POOL_SIZE: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 10,
    description: 'Соединений с PostgreSQL на один процесс',
  }),
  READINGS_FIRST_DAY: day(
    DEFAULT_MONTH_SCHEDULE.readingsFirstDay,
    'С этого дня месяца главная страница просит передать показания',
  ),
  READINGS_LAST_DAY: day(
    DEFAULT_MONTH_SCHEDULE.readingsLastDay,
    'Показания до этого дня месяца включительно относятся к этому месяцу, позже — к следующему',
  ),
};

export type CoreEnv = Static<ReturnType<typeof Type.Object<typeof CoreEnvSchema>>>;

/**
 * The login throttles (account.service.ts): failures on one account within `windowMs` from one
 * browser (`maxFailures`), from one address (`addressMaxFailures`) and from anywhere
 * (`accountMaxFailures`); and the accounts one address may fail on within `ipWindowMs`.
 */
export interface LoginLimits {
  maxFailures: number;
  addressMaxFailures: number;
  accountMaxFailures: number;
  windowMs: number;
  ipMaxAccounts: number;
  ipWindowMs: number;
}

export interface CoreConfig {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL when set; otherwise SQLite in `dataDir`. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  publicUrl: string;
  /** True when the site is served over HTTPS: Secure cookies, `__Host-` prefix, HSTS. */
  https: boolean;
  supplierName: string;
  timeZone: string;
  session: { idleMs: number; absoluteMs: number };
  loginLimits: LoginLimits;
  consentPolicyVersion: string;
  demoMode: boolean;
  /**
   * Which proxies' `X-Forwarded-For` to believe (trust-proxy.ts): none, the nearest N hops, or
   * those at these addresses; never "all", which lets a client name its own address.
   */
  trustProxy: TrustProxy;
  /**
   * Behind a balancer that only learns from answers (nginx): how long a stopping process keeps
   * its socket open, answering GET and HEAD with 503 so that the balancer takes it out, before it
   * closes the socket (platform/http/closing.ts). 0: closed at once.
   */
  shutdownDrainMs: number;
  logLevel: string;
  dbPoolSize: number;
  /** Readings up to and including this day of the month count for that month; later ones for the next. */
  readingsLastDay: number;
  /** The main page asks for readings from this day of the month to `readingsLastDay`. */
  readingsFirstDay: number;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment checked against a schema (all the portal's settings at once); the error names
 * each bad variable and what it takes.
 */
export function checkedEnv<P extends TProperties>(
  properties: P,
  env: NodeJS.ProcessEnv,
): Static<ReturnType<typeof Type.Object<P>>> {
  try {
    return envSchema({
      schema: Type.Object(properties),
      data: env,
      dotenv: false,
      // `secret: true` on a setting: an annotation for the settings page (platform/settings.ts), no check.
      ajv: { customOptions: (ajv) => ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' }) },
    });
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

/** The shared settings from their checked environment; refuses an old Node.js and unknown time zones. */
export function coreConfig(raw: CoreEnv): CoreConfig {
  const runtime = unsupportedNode();
  if (runtime) {
    throw new Error(runtime);
  }
  if (
    raw.LOGIN_MAX_FAILURES > raw.LOGIN_ADDRESS_MAX_FAILURES ||
    raw.LOGIN_ADDRESS_MAX_FAILURES > raw.LOGIN_ACCOUNT_MAX_FAILURES
  ) {
    throw new Error(
      `login limits must grow from one browser to everyone: LOGIN_MAX_FAILURES (${raw.LOGIN_MAX_FAILURES}) ≤ LOGIN_ADDRESS_MAX_FAILURES (${raw.LOGIN_ADDRESS_MAX_FAILURES}) ≤ LOGIN_ACCOUNT_MAX_FAILURES (${raw.LOGIN_ACCOUNT_MAX_FAILURES})`,
    );
  }
  if (raw.READINGS_FIRST_DAY > raw.READINGS_LAST_DAY) {
    throw new Error(
      `READINGS_FIRST_DAY (${raw.READINGS_FIRST_DAY}) must not be after READINGS_LAST_DAY (${raw.READINGS_LAST_DAY}): the readings window lies within one month`,
    );
  }
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
    supplierName: SUPPLIER_NAME,
    timeZone: raw.SUPPLIER_TIME_ZONE,
    session: {
      idleMs: raw.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: raw.SESSION_ABSOLUTE_HOURS * 3_600_000,
    },
    loginLimits: {
      maxFailures: raw.LOGIN_MAX_FAILURES,
      addressMaxFailures: raw.LOGIN_ADDRESS_MAX_FAILURES,
      accountMaxFailures: raw.LOGIN_ACCOUNT_MAX_FAILURES,
      windowMs: raw.LOGIN_WINDOW_MINUTES * 60_000,
      ipMaxAccounts: raw.IP_MAX_FAILED_ACCOUNTS,
      ipWindowMs: raw.IP_WINDOW_MINUTES * 60_000,
    },
    consentPolicyVersion: raw.CONSENT_POLICY_VERSION,
    demoMode: raw.DEMO_MODE,
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    shutdownDrainMs: raw.SHUTDOWN_DRAIN_MS,
    logLevel: raw.LOG_LEVEL,
    dbPoolSize: raw.DB_POOL_SIZE,
    readingsLastDay: raw.READINGS_LAST_DAY,
    readingsFirstDay: raw.READINGS_FIRST_DAY,
  };
}
