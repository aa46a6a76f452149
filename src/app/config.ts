import { checkedEnv, CoreEnvSchema, coreConfig, type CoreConfig } from '../platform/config.ts';
import { BillingEnvSchema, billingConfig, type BillingConfig } from '../features/billing/billing.config.ts';
import type { BatchRules } from '../features/billing/close-batch.ts';
import {
  PaymentsEnvSchema,
  paymentsConfig,
  type PaymentsConfig,
} from '../features/payments/payments.config.ts';
import { MailEnvSchema, mailConfig, type MailConfig } from '../features/mail/mail.config.ts';
import { HostEnvSchema } from '../platform/http/canonical-host.ts';
import { DbEnvSchema, dbConfig, type DbConfig } from '../platform/db/db.config.ts';
import {
  ObservabilityEnvSchema,
  observabilityConfig,
  type ObservabilityConfig,
} from '../platform/http/observability.config.ts';
import { ImportsEnvSchema, importsConfig, type ImportsConfig } from '../features/imports/imports.config.ts';
import { AnonymousWritesEnvSchema, type AnonymousWriteLimits } from '../platform/http/anonymous-writes.ts';
import {
  ApiTokensEnvSchema,
  apiTokensConfig,
  type ApiTokensConfig,
} from '../features/api-tokens/api-tokens.config.ts';
import { settingsInEffect, type SettingsGroup, type SettingsSection } from '../platform/settings.ts';

/**
 * Every feature's settings, as the admin's settings page groups them (pages/office/settings.*):
 * a new schema goes here, and its variables are checked at boot and shown there.
 */
const SETTINGS_GROUPS = [
  { title: 'Общие', schema: CoreEnvSchema },
  { title: 'Адрес сайта', schema: HostEnvSchema },
  { title: 'База данных', schema: DbEnvSchema },
  { title: 'Запросы без сеанса', schema: AnonymousWritesEnvSchema },
  { title: 'Наблюдение и перегрузка', schema: ObservabilityEnvSchema },
  { title: 'Начисления и счета', schema: BillingEnvSchema },
  { title: 'Оплата картой и через СБП', schema: PaymentsEnvSchema },
  { title: 'Счета по электронной почте', schema: MailEnvSchema },
  { title: 'Загрузка файлов в служебном разделе', schema: ImportsEnvSchema },
  { title: 'Открытый API: токены доступа', schema: ApiTokensEnvSchema },
] as const satisfies readonly SettingsGroup[];

/** The schemas of a union as one object type: `A | B` → `A & B`. */
type Merged<U> = (U extends unknown ? (u: U) => void : never) extends (m: infer M) => void ? M : never;

/** Every setting the portal reads from the environment, checked once at boot. */
const EnvSchema = Object.assign({}, ...SETTINGS_GROUPS.map((g) => g.schema)) as Merged<
  (typeof SETTINGS_GROUPS)[number]['schema']
>;

/** The portal's settings: the shared ones and each feature's own. */
export interface Config extends CoreConfig {
  billing: BillingConfig;
  /** Card payments: see features/payments/payments.config.ts. */
  payments: PaymentsConfig;
  /** Bills by e-mail: see features/mail/mail.config.ts. */
  mail: MailConfig;
  /** HOST_REDIRECT: page requests at another host than PUBLIC_URL's go there (canonical-host.ts). */
  hostRedirect: boolean;
  /**
   * Whether PUBLIC_URL was given. Without it `publicUrl` is the server's guess from its own PORT,
   * which a process that writes links for the server (the mail worker) must not make.
   */
  publicUrlGiven: boolean;
  /** The database's timeouts for requests and for jobs: see platform/db/db.config.ts. */
  db: DbConfig;
  /** Metrics, load shedding: see platform/http/observability.config.ts. */
  observability: ObservabilityConfig;
  /** ANON_WRITES_*: writes without a session allowed per address and in all, per window. */
  anonymousWrites: AnonymousWriteLimits;
  /** Uploads in the back office: see features/imports/imports.config.ts. */
  imports: ImportsConfig;
  /** Personal access tokens of the open API: see features/api-tokens/api-tokens.config.ts. */
  apiTokens: ApiTokensConfig;
  /** Every setting with its value in effect, secrets hidden: what the admin's settings page shows. */
  settings: SettingsSection[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = checkedEnv(EnvSchema, env);
  const core = coreConfig(raw);
  return {
    ...core,
    billing: billingConfig(raw),
    payments: paymentsConfig(raw),
    mail: mailConfig(raw, core.dataDir),
    hostRedirect: raw.HOST_REDIRECT,
    publicUrlGiven: raw.PUBLIC_URL !== undefined,
    db: dbConfig(raw),
    observability: observabilityConfig(raw),
    anonymousWrites: {
      perAddress: raw.ANON_WRITES_PER_ADDRESS,
      total: raw.ANON_WRITES_TOTAL,
      windowMs: raw.ANON_WRITES_WINDOW_SECONDS * 1000,
    },
    imports: importsConfig(raw),
    apiTokens: apiTokensConfig(raw),
    // env-schema reads process.env under the given variables: both count as given.
    settings: settingsInEffect(SETTINGS_GROUPS, { ...process.env, ...env }, raw),
  };
}

/** The rules the demo's own closing of its later months uses (tools/demo/seed-demo.ts). */
export function demoClosing(config: Config): BatchRules {
  return { limits: config.billing, readingsLastDay: config.readingsLastDay };
}
