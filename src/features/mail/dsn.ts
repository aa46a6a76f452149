import type * as MailParser from 'mailparser';
import { lazyRequire } from '../../platform/lazy.ts';
import { scrubEmails } from './email-address.ts';

// Delivery status notifications (RFC 3464): what a message returned to the bounce address says.
// The MIME structure and the header fields are read by mailparser; this file only picks the
// fields RFC 3464 names.

/** One recipient of a DSN that failed for good (Action: failed, Status: 5.x.x). */
export interface DsnFailure {
  /** The address the message was sent to (Original-Recipient, else Final-Recipient), lower case. */
  recipient: string;
  /** 'X.Y.Z' */
  status: string;
  /** The remote server's words (Diagnostic-Code), else the status; addresses masked. */
  diagnostic: string;
}

export type ParsedDsn =
  | { kind: 'not-dsn' }
  | {
      kind: 'dsn';
      /** The Message-IDs that may name the message that bounced, most telling first. */
      messageIds: string[];
      /** The recipients that failed for good; none: only delays, deliveries or 4.x.x. */
      failures: DsnFailure[];
    };

const mailparser = lazyRequire<typeof MailParser>('mailparser');

const STATUS_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);

/** A header block (as mailparser reads a message's header) as a map of lower-case names to text. */
async function fieldsOf(block: string): Promise<Map<string, string>> {
  const parsed = await mailparser().simpleParser(`${block.trim()}\r\n\r\n`, { skipTextToHtml: true });
  const out = new Map<string, string>();
  for (const [name, value] of parsed.headers) {
    out.set(name, textOf(value));
  }
  return out;
}

/** A header's text as mailparser gives it: a string, a list, an address list or a structured value. */
function textOf(v: unknown): string {
  if (typeof v === 'string') {
    return v;
  }
  if (Array.isArray(v)) {
    return v.map(textOf).join(' ');
  }
  if (v && typeof v === 'object') {
    const o = v as { text?: unknown; value?: unknown };
    return typeof o.text === 'string' ? o.text : typeof o.value === 'string' ? o.value : '';
  }
  return '';
}

/** `rfc822; someone@example.ru` → `someone@example.ru` */
function addressOf(field: string | undefined): string | undefined {
  if (!field) {
    return undefined;
  }
  const semi = field.indexOf(';');
  const address = (semi >= 0 ? field.slice(semi + 1) : field).trim().replace(/^<|>$/g, '');
  return address.includes('@') ? address.toLowerCase() : undefined;
}

/** Every `<…@…>` in a header's text (Message-ID, In-Reply-To, References). */
function idsIn(text: string | undefined): string[] {
  return text ? [...text.matchAll(/<[^<>\s]+@[^<>\s]+>/g)].map((m) => m[0]) : [];
}

/** Whether a recipient's block says the message failed for good. */
function failureOf(f: Map<string, string>): DsnFailure | undefined {
  const action = (f.get('action') ?? '').trim().toLowerCase();
  const status = /^\s*(\d)\.\d{1,3}\.\d{1,3}/.exec(f.get('status') ?? '');
  const recipient = addressOf(f.get('original-recipient')) ?? addressOf(f.get('final-recipient'));
  if (action !== 'failed' || status?.[1] !== '5' || recipient === undefined) {
    return undefined;
  }
  const code = f.get('diagnostic-code')?.replace(/^[^;]*;\s*/, '') ?? '';
  const text = code.trim() === '' ? `status ${status[0].trim()}` : code;
  const diagnostic = scrubEmails(text.replace(/\s+/g, ' ').trim()).slice(0, 400);
  return { recipient, status: status[0].trim(), diagnostic };
}

/**
 * Reads one file of the bounce mailbox. A DSN is a message with a `message/delivery-status` part
 * (multipart/report; report-type=delivery-status); anything else — a reply, spam, a broken file —
 * is 'not-dsn'. The bounced message is named by the Message-ID of the returned message or
 * headers (the third part), by an `Original-Message-ID` field, or by the DSN's In-Reply-To and
 * References.
 */
export async function parseDsn(raw: Buffer): Promise<ParsedDsn> {
  try {
    return await readDsn(raw);
  } catch {
    // A file mailparser cannot read is no DSN of ours; the command goes on with the next one.
    return { kind: 'not-dsn' };
  }
}

async function readDsn(raw: Buffer): Promise<ParsedDsn> {
  const mail = await mailparser().simpleParser(raw, { keepDeliveryStatus: true, skipTextToHtml: true });
  const status = mail.attachments.find((a) => STATUS_PARTS.has(a.contentType.toLowerCase()));
  if (!status) {
    return { kind: 'not-dsn' };
  }
  // The per-message fields, then one block per recipient, separated by empty lines.
  const blocks = status.content
    .toString('utf8')
    .split(/\r?\n[ \t]*\r?\n/)
    .filter((b) => b.trim() !== '');
  const groups = await Promise.all(blocks.map(fieldsOf));
  const failures = groups.slice(1).flatMap((g) => failureOf(g) ?? []);

  const ids: string[] = [];
  for (const a of mail.attachments) {
    const type = a.contentType.toLowerCase();
    if (type === 'message/rfc822' || type === 'text/rfc822-headers' || type === 'message/global-headers') {
      const head = a.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
      ids.push(...idsIn((await fieldsOf(head)).get('message-id')));
    }
  }
  for (const g of groups) {
    ids.push(...idsIn(g.get('original-message-id')), ...idsIn(g.get('x-original-message-id')));
  }
  const header = (name: string) => textOf(mail.headers.get(name));
  ids.push(...idsIn(header('in-reply-to')), ...idsIn(header('references')));
  return { kind: 'dsn', messageIds: [...new Set(ids)], failures };
}
