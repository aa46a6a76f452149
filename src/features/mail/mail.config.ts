import path from 'node:path';
import { Type } from 'typebox';
import type { CoreConfig } from '../../platform/config.ts';
import type { AppContext } from '../../platform/http/context.ts';
import type { BillingConfig } from '../billing/billing.config.ts';
import { parseMailbox } from './email-address.ts';

/**
 * Bills by e-mail: settings checked at boot (app/config.ts calls `mailConfig`).
 *
 * - SMTP_URL (smtp:// or smtps://, user and password in the URL): the mail relay. Without it (the
 *   quickstart) every message is written as an RFC 822 `.eml` file under MAIL_EML_DIR
 *   (default DATA_DIR/outbox-eml), so that the whole flow can be seen with nothing else installed.
 * - MAIL_FROM: the sender, `Имя <noreply@example.ru>` (the name also signs the e-mails) or
 *   `noreply@example.ru`.
 * - The outbox worker: MAIL_CONCURRENCY messages in flight per worker (also the most that can be
 *   sent twice when a worker is killed), claimed MAIL_BATCH_SIZE at a time under a lease of
 *   MAIL_LEASE_SECONDS (renewed before each send; a killed worker's messages are taken over when
 *   it runs out); temporary SMTP errors (4xx, lost connections) are retried after
 *   MAIL_RETRY_BASE_SECONDS × 2^(attempt−1), at most MAIL_RETRY_MAX_SECONDS, up to
 *   MAIL_MAX_ATTEMPTS attempts. MAIL_WORKER_IN_SERVER=true also runs a worker in each listening
 *   portal process (off by default: run `npm run cli -- mail-worker`).
 * - Confirmation e-mails: at most MAIL_CONFIRM_LIMIT per account, and per address, within
 *   MAIL_CONFIRM_WINDOW_MINUTES.
 * - Reminders (MAIL_REMINDERS=true): from day MAIL_REMINDER_DAY of the month to READINGS_LAST_DAY.
 */
export const MailEnvSchema = {
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://[^\\s]+$',
      description:
        'Почтовый сервер (smtp:// или smtps://, имя и пароль в адресе); без него письма пишутся файлами .eml',
    }),
  ),
  MAIL_FROM: Type.String({
    minLength: 3,
    maxLength: 300,
    default: 'ОАО «Хакасэнергосбыт» <noreply@localhost>',
    description: 'Отправитель писем: «Имя <адрес>» (имя и подписывает письма) или просто адрес',
  }),
  MAIL_EML_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Каталог файлов .eml, когда SMTP_URL не задан; без значения — outbox-eml в каталоге данных',
    }),
  ),
  MAIL_WORKER_IN_SERVER: Type.Boolean({
    default: false,
    description: 'Отправлять письма и в процессе портала, а не только командой mail-worker',
  }),
  MAIL_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 4,
    description: 'Писем одновременно в работе у одного обработчика',
  }),
  MAIL_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 20,
    description: 'Сколько писем обработчик берёт за раз',
  }),
  MAIL_LEASE_SECONDS: Type.Integer({
    minimum: 2,
    maximum: 3600,
    default: 120,
    description: 'На сколько секунд обработчик закрепляет за собой взятые письма',
  }),
  MAIL_SMTP_TIMEOUT_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 60,
    description: 'Сколько секунд может длиться один разговор с почтовым сервером',
  }),
  MAIL_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 8,
    description: 'Попыток отправки письма при временных ошибках почтового сервера',
  }),
  MAIL_RETRY_BASE_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description: 'Пауза перед повтором, секунд (удваивается с каждой попыткой)',
  }),
  MAIL_RETRY_MAX_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 604_800,
    default: 21_600,
    description: 'Наибольшая пауза перед повтором, секунд',
  }),
  MAIL_POLL_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 3600,
    default: 5,
    description: 'Как часто свободный обработчик ищет новые письма, секунд',
  }),
  MAIL_CONFIRM_LIMIT: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 3,
    description: 'Писем подтверждения адреса на один лицевой счёт и на один адрес за окно',
  }),
  MAIL_CONFIRM_WINDOW_MINUTES: Type.Integer({
    minimum: 1,
    maximum: 1440,
    default: 60,
    description: 'Окно этого ограничения, минут',
  }),
  MAIL_REMINDERS: Type.Boolean({
    default: false,
    description: 'Напоминать передать показания, если в этом месяце их ещё не было',
  }),
  MAIL_REMINDER_DAY: Type.Integer({
    minimum: 1,
    maximum: 31,
    default: 15,
    description: 'С этого дня месяца отправляются напоминания',
  }),
};

export interface RawMailEnv {
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  MAIL_EML_DIR?: string | undefined;
  MAIL_WORKER_IN_SERVER: boolean;
  MAIL_CONCURRENCY: number;
  MAIL_BATCH_SIZE: number;
  MAIL_LEASE_SECONDS: number;
  MAIL_SMTP_TIMEOUT_SECONDS: number;
  MAIL_MAX_ATTEMPTS: number;
  MAIL_RETRY_BASE_SECONDS: number;
  MAIL_RETRY_MAX_SECONDS: number;
  MAIL_POLL_SECONDS: number;
  MAIL_CONFIRM_LIMIT: number;
  MAIL_CONFIRM_WINDOW_MINUTES: number;
  MAIL_REMINDERS: boolean;
  MAIL_REMINDER_DAY: number;
  READINGS_LAST_DAY: number;
}

export interface MailConfig {
  /** The relay; undefined writes .eml files into `emlDir` instead. */
  smtpUrl: string | undefined;
  /** The From header as configured. */
  from: string;
  /** The sender's bare address (the envelope's MAIL FROM) and its domain (for Message-IDs). */
  fromAddress: string;
  /** Who signs the e-mails: MAIL_FROM's display name, else its address. */
  senderName: string;
  fromDomain: string;
  emlDir: string;
  workerInServer: boolean;
  concurrency: number;
  batchSize: number;
  leaseMs: number;
  smtpTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  confirmLimit: number;
  confirmWindowMs: number;
  /** A confirmation link is valid this long (security.md row 18: 24 h). */
  confirmTtlMs: number;
  reminders: boolean;
  reminderDay: number;
}

export function mailConfig(raw: RawMailEnv, dataDir: string): MailConfig {
  const from = parseMailbox(raw.MAIL_FROM);
  if (!from) {
    throw new Error(`MAIL_FROM: "${raw.MAIL_FROM}" is not an address (name@domain or Name <name@domain>)`);
  }
  if (raw.MAIL_SMTP_TIMEOUT_SECONDS >= raw.MAIL_LEASE_SECONDS) {
    throw new Error(
      'MAIL_SMTP_TIMEOUT_SECONDS must be less than MAIL_LEASE_SECONDS (a send must end before its lease does)',
    );
  }
  if (raw.MAIL_RETRY_BASE_SECONDS > raw.MAIL_RETRY_MAX_SECONDS) {
    throw new Error('MAIL_RETRY_BASE_SECONDS must not exceed MAIL_RETRY_MAX_SECONDS');
  }
  if (raw.MAIL_REMINDER_DAY > raw.READINGS_LAST_DAY) {
    throw new Error(
      'MAIL_REMINDER_DAY must not be after READINGS_LAST_DAY (the reminder goes while readings count for the month)',
    );
  }
  if (raw.SMTP_URL) {
    try {
      new URL(raw.SMTP_URL);
    } catch {
      throw new Error('SMTP_URL: not a URL (smtp://user:password@host:port)');
    }
  }
  return {
    smtpUrl: raw.SMTP_URL,
    from: raw.MAIL_FROM.trim(),
    fromAddress: from.address,
    senderName: from.name ?? from.address,
    fromDomain: from.address.slice(from.address.lastIndexOf('@') + 1),
    emlDir: path.resolve(raw.MAIL_EML_DIR ?? path.join(dataDir, 'outbox-eml')),
    workerInServer: raw.MAIL_WORKER_IN_SERVER,
    concurrency: raw.MAIL_CONCURRENCY,
    batchSize: raw.MAIL_BATCH_SIZE,
    leaseMs: raw.MAIL_LEASE_SECONDS * 1000,
    smtpTimeoutMs: raw.MAIL_SMTP_TIMEOUT_SECONDS * 1000,
    maxAttempts: raw.MAIL_MAX_ATTEMPTS,
    retryBaseMs: raw.MAIL_RETRY_BASE_SECONDS * 1000,
    retryMaxMs: raw.MAIL_RETRY_MAX_SECONDS * 1000,
    pollMs: raw.MAIL_POLL_SECONDS * 1000,
    confirmLimit: raw.MAIL_CONFIRM_LIMIT,
    confirmWindowMs: raw.MAIL_CONFIRM_WINDOW_MINUTES * 60_000,
    confirmTtlMs: 24 * 3_600_000,
    reminders: raw.MAIL_REMINDERS,
    reminderDay: raw.MAIL_REMINDER_DAY,
  };
}

/** The settings the mail feature reads: its own, the bills' due day, and the shared ones. */
export type MailAppConfig = CoreConfig & { mail: MailConfig; billing: Pick<BillingConfig, 'dueDay'> };
export type MailContext = AppContext<MailAppConfig>;
