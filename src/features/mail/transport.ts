import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Nodemailer from 'nodemailer';
import { lazyRequire } from '../../platform/lazy.ts';
import type { MailConfig } from './mail.config.ts';
import { scrubEmails } from './email-address.ts';

/** One message, to exactly one recipient (security.md row 18). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** '<…@…>' */
  messageId: string;
  headers?: Record<string, string>;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'eml';
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * A send that did not go through. `permanent`: the server refused this message for good (a 5xx
 * reply to MAIL FROM, RCPT TO or DATA); anything else (4xx, a lost connection, a timeout, a
 * refused login) may pass later. The message has every address masked.
 */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode: number | undefined,
  ) {
    super(message);
  }
}

interface SmtpErrorLike {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  permanent?: unknown;
}

/** Session-level commands: a refusal there is about the connection, not about this message. */
const SESSION_COMMANDS = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH)/i;

export function classifySendError(err: unknown): MailSendError {
  const e = (err ?? {}) as SmtpErrorLike;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const permanent =
    responseCode !== undefined &&
    responseCode >= 500 &&
    responseCode < 600 &&
    responseCode !== 503 &&
    code !== 'EAUTH' &&
    !SESSION_COMMANDS.test(command);
  const text = scrubEmails(`${code ? `${code}: ` : ''}${raw}`.replace(/[\r\n]+/g, ' ')).slice(0, 400);
  return new MailSendError(text, permanent, responseCode);
}

/** SMTP through nodemailer's pool when SMTP_URL is set; otherwise .eml files. */
export function createMailTransport(config: MailConfig): MailTransport {
  return config.smtpUrl ? smtpTransport(config) : emlTransport(config);
}

const nodemailer = lazyRequire<typeof Nodemailer>('nodemailer');

function envelopeOf(config: MailConfig, m: MailMessage) {
  return {
    from: config.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers ?? {},
    attachments: m.attachments ?? [],
    // Exactly the one recipient; never Cc/Bcc.
    envelope: { from: config.fromAddress, to: [m.to] },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function smtpTransport(config: MailConfig): MailTransport {
  const timeout = config.smtpTimeoutMs;
  const transporter = once(() =>
    nodemailer().createTransport({
      url: config.smtpUrl!,
      pool: true,
      maxConnections: config.concurrency,
      maxMessages: 1000,
      // Every failed attempt comes back to the outbox, which retries with back-off and counts it.
      maxRequeues: 0,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    }),
  );
  return {
    kind: 'smtp',
    async send(m) {
      try {
        const info = await transporter.get().sendMail(envelopeOf(config, m));
        // A server that takes the message for nobody has not delivered it.
        if (info.accepted.length !== 1) {
          throw Object.assign(new Error(`recipient not accepted: ${info.response}`), {
            responseCode: 550,
            command: 'RCPT TO',
          });
        }
      } catch (err) {
        throw classifySendError(err);
      }
    },
    close() {
      transporter.current()?.close();
    },
  };
}

/**
 * The quickstart's "mail server": each message is written as an .eml file (RFC 822, CRLF) named
 * after its Message-ID, so a message sent twice is one file. Written to a temporary name and
 * renamed, so that a half-written file never appears.
 */
function emlTransport(config: MailConfig): MailTransport {
  const transporter = once(() =>
    nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
  );
  let made = false;
  return {
    kind: 'eml',
    async send(m) {
      try {
        if (!made) {
          await fs.promises.mkdir(config.emlDir, { recursive: true });
          made = true;
        }
        const info = await transporter.get().sendMail(envelopeOf(config, m));
        const name = m.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
        const file = path.join(config.emlDir, `${name}.eml`);
        const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        await fs.promises.writeFile(tmp, info.message as Buffer);
        await fs.promises.rename(tmp, file);
      } catch (err) {
        throw err instanceof MailSendError
          ? err
          : new MailSendError(scrubEmails(String(err)).slice(0, 400), false, undefined);
      }
    },
    close() {
      transporter.current()?.close();
    },
  };
}

/** A transporter made on the first message: a server that sends no mail never loads nodemailer. */
function once<T>(make: () => T): { get(): T; current(): T | undefined } {
  let value: T | undefined;
  return {
    get: () => (value ??= make()),
    current: () => value,
  };
}
