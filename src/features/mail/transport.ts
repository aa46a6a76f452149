import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Nodemailer from 'nodemailer';
import type SmtpConnection from 'nodemailer/lib/smtp-connection';
import { lazyRequire } from '../../platform/lazy.ts';
import type { MailConfig } from './mail.config.ts';
import { asciiDomain, scrubEmails } from './email-address.ts';

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
  /**
   * Whether a mailbox with letters beyond ASCII before the `@` (`иванов@почта.рф`) can be sent to:
   * the SMTP server offers SMTPUTF8 (RFC 6531) in its EHLO reply. Files can hold any address.
   */
  utf8Mailboxes(): Promise<boolean>;
  close(): void;
}

/**
 * A send that did not go through. `permanent`: the server refused this message for good (a 5xx
 * reply to MAIL FROM, RCPT TO or DATA); anything else (4xx, a lost connection, a timeout, a
 * refused login) may pass later. `bounced`: a permanent refusal of the recipient or of the
 * message (RCPT TO, DATA), not of our sender (MAIL FROM): the address is undeliverable. The
 * message has every address masked.
 */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode: number | undefined,
    readonly bounced = false,
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

/** The recipient's side refusing: the address (RCPT TO) or the message for it (DATA). */
const RECIPIENT_COMMANDS = /^(RCPT|DATA)/i;

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
  return new MailSendError(text, permanent, responseCode, permanent && RECIPIENT_COMMANDS.test(command));
}

/** SMTP through nodemailer's pool when SMTP_URL is set; otherwise .eml files. */
export function createMailTransport(config: MailConfig): MailTransport {
  return config.smtpUrl ? smtpTransport(config) : emlTransport(config);
}

const nodemailer = lazyRequire<typeof Nodemailer>('nodemailer');

function envelopeOf(config: MailConfig, m: MailMessage) {
  // The domain in punycode: an ASCII mailbox at пример.рф then needs no SMTPUTF8 on the way.
  const to = asciiDomain(m.to);
  return {
    from: config.from,
    to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers ?? {},
    attachments: m.attachments ?? [],
    // Exactly the one recipient; never Cc/Bcc.
    envelope: { from: config.fromAddress, to: [to] },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function smtpTransport(config: MailConfig): MailTransport {
  const timeout = config.smtpTimeoutMs;
  const smtpUtf8 = smtpUtf8Probe(config);
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
    utf8Mailboxes: () => smtpUtf8.get(),
    close() {
      transporter.current()?.close();
    },
  };
}

/** How long an SMTP server's answer about SMTPUTF8 is believed: a relay may be replaced. */
const SMTPUTF8_TTL_MS = 10 * 60_000;

const smtpConnection = lazyRequire<typeof SmtpConnection>('nodemailer/lib/smtp-connection');

/**
 * Asks the SMTP server (one connection: greeting, EHLO, STARTTLS where offered, QUIT) whether it
 * offers SMTPUTF8; an unreachable server counts as not offering it, and is asked again next time.
 */
function smtpUtf8Probe(config: MailConfig): { get(): Promise<boolean> } {
  let known: { value: boolean; until: number } | undefined;
  let pending: Promise<{ value: boolean; answered: boolean }> | undefined;
  const ask = () =>
    new Promise<{ value: boolean; answered: boolean }>((resolve) => {
      const url = new URL(config.smtpUrl!);
      const secure = url.protocol === 'smtps:';
      const Connection = smtpConnection();
      const conn = new Connection({
        host: url.hostname,
        port: Number(url.port || (secure ? 465 : 587)),
        secure,
        connectionTimeout: config.smtpTimeoutMs,
        greetingTimeout: config.smtpTimeoutMs,
        socketTimeout: config.smtpTimeoutMs,
        logger: false,
      });
      conn.once('error', () => resolve({ value: false, answered: false }));
      conn.connect(() => {
        // After the handshake the last reply is EHLO's, which lists the extensions.
        const ehlo = typeof conn.lastServerResponse === 'string' ? conn.lastServerResponse : '';
        resolve({ value: /[ -]SMTPUTF8\b/im.test(ehlo), answered: true });
        conn.quit();
      });
    });
  return {
    async get() {
      if (known && known.until > Date.now()) {
        return known.value;
      }
      pending ??= ask().finally(() => (pending = undefined));
      const { value, answered } = await pending;
      known = answered ? { value, until: Date.now() + SMTPUTF8_TTL_MS } : undefined;
      return value;
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
    utf8Mailboxes: () => Promise.resolve(true),
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

/** A send that takes longer than `ms` in all is given up (and retried later, like a timeout). */
export async function sendWithin(transport: MailTransport, message: MailMessage, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      transport.send(message),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new MailSendError(`ETIMEDOUT: no answer within ${ms / 1000} s`, false, undefined)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
