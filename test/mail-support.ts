import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Db } from '../src/platform/db/connect.ts';
import { linkKey } from '../src/features/mail/tokens.repository.ts';
import { sha256Hex, unsubscribeToken } from '../src/features/mail/tokens.ts';

/** A message as the SMTP peer received it. */
export interface Received {
  from: string;
  rcpt: string[];
  raw: Buffer;
  /** The Message-ID header, as sent. */
  messageId: string | undefined;
  /** MAIL FROM carried SMTPUTF8: the envelope had an address beyond ASCII. */
  smtpUtf8: boolean;
}

export interface SmtpReject {
  code: number;
  message: string;
}

export interface SinkOptions {
  /** Refuse a recipient (RCPT TO) with this reply, e.g. 451 or 550. */
  onRcpt?: (address: string) => SmtpReject | null;
  /** Refuse a message after DATA. */
  onData?: (raw: Buffer, rcpt: string[]) => SmtpReject | null;
  /** Offer SMTPUTF8 (RFC 6531) in the EHLO reply: smtp-server does unless told not to. */
  smtpUtf8?: boolean;
}

export interface SmtpSink {
  url: string;
  received: Received[];
  /** Resolves once at least `n` messages arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function rejection(r: SmtpReject): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

/** A real SMTP server on 127.0.0.1 (the `smtp-server` package): no TLS, no AUTH. */
export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    hideSMTPUTF8: opts.smtpUtf8 === false,
    onRcptTo(address, _session, callback) {
      const r = opts.onRcpt?.(address.address);
      callback(r ? rejection(r) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('error', () => {}); // a client killed mid-message: the message is simply not received
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const rcpt = session.envelope.rcptTo.map((a) => a.address);
        const r = opts.onData?.(raw, rcpt);
        if (r) {
          return callback(rejection(r));
        }
        const head = raw.subarray(0, 16_384).toString('latin1');
        const id = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1];
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt,
          raw,
          messageId: id,
          smtpUtf8: session.envelope.smtpUtf8 === true,
        });
        for (const w of [...waiters]) {
          if (received.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
        callback();
      });
    },
  });
  // A worker killed with SIGKILL resets its connections (ECONNRESET): the sink only counts what
  // arrived, so a connection's error is no failure of the test (unheard, it would be thrown).
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(n, timeoutMs = 20_000) {
      if (received.length >= n) {
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (waiters.includes(w)) {
            reject(new Error(`only ${received.length} of ${n} messages arrived`));
          }
        }, timeoutMs).unref();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function parse(m: Received): Promise<ParsedMail> {
  return simpleParser(m.raw);
}

/** The confirmation link in a received confirmation e-mail (its path). */
export async function confirmPathOf(m: Received): Promise<string> {
  const mail = await parse(m);
  const match = /https?:\/\/[^/\s]+(\/mail\/confirm\/[A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!match) {
    throw new Error('no confirmation link in the message');
  }
  return match[1]!;
}

/**
 * Gives the accounts confirmed, subscribed addresses `<account number>@mail.test`, as a customer
 * who saved the form and followed the link would have (the tests of the mailing start there).
 */
export async function subscribeAccounts(
  db: Db,
  accountIds?: number[],
  domain = 'mail.test',
): Promise<Map<number, string>> {
  const k = db.kysely;
  let q = k.selectFrom('accounts').select(['id', 'number']);
  if (accountIds) {
    q = q.where('id', 'in', accountIds);
  }
  const accounts = await q.execute();
  const key = await linkKey(k);
  const out = new Map<number, string>();
  const now = Date.now();
  for (let i = 0; i < accounts.length; i += 500) {
    const rows = accounts.slice(i, i + 500).map((a) => {
      const email = `${a.number}@${domain}`;
      out.set(Number(a.id), email);
      return {
        account_id: Number(a.id),
        email,
        subscribed: 1,
        confirmed_at: now,
        unsubscribe_hash: sha256Hex(unsubscribeToken(key, Number(a.id), email)),
        created_at: now,
        updated_at: now,
      };
    });
    await k
      .insertInto('mail_subscriptions')
      .values(rows)
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet((eb) => ({
          email: eb.ref('excluded.email'),
          subscribed: 1,
          confirmed_at: now,
          unsubscribe_hash: eb.ref('excluded.unsubscribe_hash'),
        })),
      )
      .execute();
  }
  return out;
}
