import { Type } from 'typebox';
import { oneOf } from '../../platform/config.ts';

/**
 * Card payment settings, checked at boot (app/config.ts calls `paymentsConfig`).
 *
 * - PAYMENT_GATEWAY=sandbox (default): the built-in sandbox bank at /sandbox-bank/, for the
 *   quickstart, tests and benchmarks. It behaves like an RBS bank (20 minutes, 3 attempts,
 *   3-D Secure, server-to-server notifications) and takes only its test cards.
 * - PAYMENT_GATEWAY=rbs: a real RBS ("Sberbank acquiring") merchant account. RBS_URL is the REST
 *   root (e.g. https://securepayments.sberbank.ru/payment/rest/), with RBS_USERNAME + RBS_PASSWORD
 *   or RBS_TOKEN, and RBS_CALLBACK_KEY, the merchant's key for the notifications' checksum.
 *   RBS_FORM_ORIGIN is the origin of the bank's payment page when it differs from RBS_URL's.
 *
 * PAYMENT_SBP (on by default) offers СБП by a dynamic QR code beside the card (the RBS merchant
 * account must have it enabled by the bank); the QR lives PAYMENT_SBP_QR_MINUTES.
 *
 * The fiscal receipt (54-FZ) settings are (verify) with the supplier's accountant: the tax system
 * (0 = ОСН) and the VAT code of the bank's orderBundle (6 = 20 %; the 2026 rate may need another
 * code), hence configuration rather than constants.
 */
export interface PaymentsConfig {
  gateway: 'sandbox' | 'rbs';
  rbs: {
    /** The REST root, always ending with '/'. */
    url: string;
    userName: string | undefined;
    password: string | undefined;
    token: string | undefined;
    callbackKey: string;
    timeoutMs: number;
  } | null;
  /**
   * The sandbox bank's notification key (RBS_CALLBACK_KEY); unset, one derived from the database's
   * own secret, the same in every instance over that database (payments.module.ts).
   */
  sandboxCallbackKey: string | undefined;
  /** Origins the portal's forms may lead to (the CSP's form-action): the bank's payment page. */
  formActionOrigins: string[];
  /** The bank's payment page stays open this long (RBS sessionTimeoutSecs): the seed's 20 minutes. */
  sessionTimeoutSecs: number;
  minKop: number;
  maxKop: number;
  /** Seconds between reconciliation runs of a listening server; 0 turns it off. */
  reconcileSeconds: number;
  taxSystem: number;
  taxType: number;
  /** The acquiring bank, named in the seed's text about who keeps the card data confidential. */
  bankName: string;
  /** The supplier pays the bank's fee: the payment page says «без комиссии». */
  noCommission: boolean;
  /** СБП by a dynamic QR code: offered on the payment page; the QR lives this long. */
  sbp: { enabled: boolean; qrSeconds: number };
}

/** The bank's gateway and its limits, from the environment. */
export const PaymentsEnvSchema = {
  PAYMENT_GATEWAY: oneOf(
    ['sandbox', 'rbs'] as const,
    'sandbox',
    'Банк: sandbox — встроенный тестовый банк, rbs — платёжный шлюз RBS настоящего банка',
  ),
  RBS_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: 'Адрес REST-шлюза RBS банка (при rbs)' }),
  ),
  // The merchant's login is a credential, though its name does not say so.
  RBS_USERNAME: Type.Optional(
    Type.String({ minLength: 1, secret: true, description: 'Логин магазина в шлюзе банка' }),
  ),
  RBS_PASSWORD: Type.Optional(Type.String({ minLength: 1, description: 'Пароль магазина в шлюзе банка' })),
  RBS_TOKEN: Type.Optional(
    Type.String({ minLength: 1, description: 'Токен магазина в шлюзе банка (вместо логина и пароля)' }),
  ),
  RBS_CALLBACK_KEY: Type.Optional(
    Type.String({
      minLength: 16,
      description: 'Ключ, которым проверяются уведомления банка (HMAC-SHA256)',
    }),
  ),
  RBS_FORM_ORIGIN: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description: 'Адрес платёжной страницы банка, если он не тот, что у RBS_URL',
    }),
  ),
  RBS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 15_000,
    description: 'Сколько мс ждать ответа банка на один запрос',
  }),
  PAYMENT_SESSION_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 20,
    description: 'Сколько минут открыта платёжная страница банка',
  }),
  PAYMENT_MIN_RUBLES: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1,
    description: 'Наименьшая сумма оплаты, руб.',
  }),
  PAYMENT_MAX_RUBLES: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 300_000,
    description: 'Наибольшая сумма оплаты, руб.',
  }),
  PAYMENT_RECONCILE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 120,
    description: 'Как часто (секунд) спрашивать банк о заказах, уведомление о которых не пришло; 0 — никогда',
  }),
  PAYMENT_TAX_SYSTEM: Type.Integer({
    minimum: 0,
    maximum: 5,
    default: 0,
    description: 'Система налогообложения в чеке по 54-ФЗ (0 — ОСН)',
  }),
  PAYMENT_TAX_TYPE: Type.Integer({
    minimum: 0,
    maximum: 20,
    default: 6,
    description: 'Код ставки НДС в чеке по 54-ФЗ (6 — 20 %)',
  }),
  PAYMENT_BANK_NAME: Type.String({
    minLength: 1,
    maxLength: 100,
    default: 'ПАО Сбербанк',
    description: 'Банк-эквайер, названный на странице оплаты',
  }),
  PAYMENT_NO_COMMISSION: Type.Boolean({
    default: false,
    description: 'Комиссию банка платит поставщик: страница оплаты пишет «без комиссии»',
  }),
  PAYMENT_SBP: Type.Boolean({ default: true, description: 'Предлагать оплату через СБП (QR-код)' }),
  PAYMENT_SBP_QR_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 10,
    description: 'Сколько минут действует QR-код СБП',
  }),
};

export interface RawPaymentsEnv {
  PAYMENT_GATEWAY: string;
  RBS_URL?: string | undefined;
  RBS_USERNAME?: string | undefined;
  RBS_PASSWORD?: string | undefined;
  RBS_TOKEN?: string | undefined;
  RBS_CALLBACK_KEY?: string | undefined;
  RBS_FORM_ORIGIN?: string | undefined;
  RBS_TIMEOUT_MS: number;
  PAYMENT_SESSION_MINUTES: number;
  PAYMENT_MIN_RUBLES: number;
  PAYMENT_MAX_RUBLES: number;
  PAYMENT_RECONCILE_SECONDS: number;
  PAYMENT_TAX_SYSTEM: number;
  PAYMENT_TAX_TYPE: number;
  PAYMENT_BANK_NAME: string;
  PAYMENT_NO_COMMISSION: boolean;
  PAYMENT_SBP: boolean;
  PAYMENT_SBP_QR_MINUTES: number;
}

export function paymentsConfig(raw: RawPaymentsEnv): PaymentsConfig {
  if (raw.PAYMENT_MIN_RUBLES > raw.PAYMENT_MAX_RUBLES) {
    throw new Error('PAYMENT_MIN_RUBLES must not exceed PAYMENT_MAX_RUBLES');
  }
  const common = {
    sessionTimeoutSecs: raw.PAYMENT_SESSION_MINUTES * 60,
    minKop: raw.PAYMENT_MIN_RUBLES * 100,
    maxKop: raw.PAYMENT_MAX_RUBLES * 100,
    reconcileSeconds: raw.PAYMENT_RECONCILE_SECONDS,
    taxSystem: raw.PAYMENT_TAX_SYSTEM,
    taxType: raw.PAYMENT_TAX_TYPE,
    bankName: raw.PAYMENT_BANK_NAME,
    noCommission: raw.PAYMENT_NO_COMMISSION,
    sbp: { enabled: raw.PAYMENT_SBP, qrSeconds: raw.PAYMENT_SBP_QR_MINUTES * 60 },
  };
  if (raw.PAYMENT_GATEWAY !== 'rbs') {
    return {
      gateway: 'sandbox',
      rbs: null,
      sandboxCallbackKey: raw.RBS_CALLBACK_KEY,
      formActionOrigins: [],
      ...common,
    };
  }
  const missing: string[] = [];
  if (!raw.RBS_URL) {
    missing.push('RBS_URL');
  }
  if (!raw.RBS_TOKEN && !(raw.RBS_USERNAME && raw.RBS_PASSWORD)) {
    missing.push('RBS_USERNAME and RBS_PASSWORD (or RBS_TOKEN)');
  }
  if (!raw.RBS_CALLBACK_KEY) {
    missing.push('RBS_CALLBACK_KEY');
  }
  if (missing.length) {
    throw new Error(`PAYMENT_GATEWAY=rbs requires ${missing.join(', ')}`);
  }
  const url = raw.RBS_URL!.endsWith('/') ? raw.RBS_URL! : `${raw.RBS_URL!}/`;
  const formOrigin = new URL(raw.RBS_FORM_ORIGIN ?? url).origin;
  return {
    gateway: 'rbs',
    rbs: {
      url,
      userName: raw.RBS_USERNAME,
      password: raw.RBS_PASSWORD,
      token: raw.RBS_TOKEN,
      callbackKey: raw.RBS_CALLBACK_KEY!,
      timeoutMs: raw.RBS_TIMEOUT_MS,
    },
    sandboxCallbackKey: undefined,
    formActionOrigins: [formOrigin],
    ...common,
  };
}
