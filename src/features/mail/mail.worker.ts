import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import { isDatabaseUnavailable, type Db } from '../../platform/db/connect.ts';
import type { Database } from '../../platform/db/schema.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { BillDocument } from '../billing/pdf/bill.model.ts';
import { loadBillDocument } from '../billing/bill-document.ts';
import { renderBillPdf } from '../billing/pdf/bill-pdf.ts';
import { dateInZone, periodOf } from '../../domain/dates.ts';
import type { MailConfig } from './mail.config.ts';
import { maskEmail, scrubEmails } from './email-address.ts';
import { billMessage, reminderMessage, reviewMessage } from './mail.messages.tsx';
import { linkKeyOf, unsubscribeUrl } from './mail.service.ts';
import { readingsLastDate } from './mailing.ts';
import { unsubscribeToken } from './tokens.ts';
import { MailSendError, sendWithin, type MailMessage, type MailTransport } from './transport.ts';
import { accountNumbers, activeMeter, hasReadingFor, reviewedReadingsOf } from './accounts.repository.ts';
import * as outbox from './outbox.repository.ts';
import type { ClaimedMessage } from './outbox.repository.ts';
import { subscriptionsOf, type Subscription } from './subscription.repository.ts';
import { suspendAddress } from './bounces.ts';
import { BatchLease } from './batch-lease.ts';

/**
 * The outbox worker. It claims a batch of due messages under a lease, and sends them with at most
 * `concurrency` in flight. A send starts only while the lease has more than the SMTP timeout left
 * (renewing it for the batch when needed); the outcome is recorded only while holding the lease.
 *
 * - Killed at any moment: its rows stay 'sending' until the lease runs out, then any worker takes
 *   them again. A message whose send completed but whose outcome was not recorded is sent again:
 *   so at most `concurrency` duplicates per kill; none otherwise. The Message-ID is the same
 *   for every attempt of a row, so a receiving side that de-duplicates by it shows one.
 * - Several workers (PostgreSQL): claims are disjoint (FOR UPDATE SKIP LOCKED), a row is sent by
 *   its lease holder only.
 * - Temporary SMTP errors (4xx, connection lost, timeout): retried with exponential back-off up to
 *   MAIL_MAX_ATTEMPTS; a permanent one to MAIL FROM (our sender) is recorded as failed; a 5xx to
 *   RCPT TO or DATA is a bounce: the message is bounced (not retried) and the address is marked
 *   undeliverable until its owner confirms an address again.
 * - The recipient is read at send time: the account's own address, confirmed, subscribed and not
 *   bounced, or the message is cancelled (unsubscribed, deleted, changed and not yet confirmed).
 */

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: WorkerLog = { info() {}, warn() {}, error() {} };

export interface WorkerOptions {
  db: Db;
  transport: MailTransport;
  mail: MailConfig;
  publicUrl: string;
  dueDay: number;
  timeZone: string;
  readingsLastDay: number;
  clock?: Clock;
  /** This worker's name in the leases; unique per process by default. */
  owner?: string;
  /** Stop when nothing is left to send (the CLI's --drain); otherwise poll until aborted. */
  drain?: boolean;
  signal?: AbortSignal;
  log?: WorkerLog;
  renderPdf?: (doc: BillDocument) => Promise<Buffer>;
  /** Called after each batch (the CLI passes a heap guard). */
  afterBatch?: () => void;
  /** Called after each outcome is recorded. */
  onOutcome?: (outcome: Outcome) => void;
}

export type Outcome = 'sent' | 'retry' | 'failed' | 'bounced' | 'cancelled' | 'lost';

export interface WorkerStats {
  sent: number;
  retried: number;
  failed: number;
  /** Refused for good by the recipient's server (5xx to RCPT TO or DATA). */
  bounced: number;
  cancelled: number;
  /** Rows whose lease another worker had taken (a pause longer than the lease). */
  lost: number;
}

export function workerName(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function backoffMs(mail: Pick<MailConfig, 'retryBaseMs' | 'retryMaxMs'>, attempts: number): number {
  const exp = mail.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(mail.retryMaxMs, exp);
}

class Skip extends Error {
  constructor(
    readonly outcome: 'cancelled' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export async function runMailWorker(o: WorkerOptions): Promise<WorkerStats> {
  return new MailWorker(o).run();
}

const STAT_OF: Record<Outcome, keyof WorkerStats> = {
  sent: 'sent',
  retry: 'retried',
  failed: 'failed',
  bounced: 'bounced',
  cancelled: 'cancelled',
  lost: 'lost',
};

/** What the log lines of one message say about it (the address masked). */
type MessageFields = Record<string, string | number>;

/** One run of the worker: its settings, its counts, and the steps from a claim to an outcome. */
class MailWorker {
  private readonly stats: WorkerStats = { sent: 0, retried: 0, failed: 0, bounced: 0, cancelled: 0, lost: 0 };
  private readonly clock: Clock;
  private readonly owner: string;
  private readonly log: WorkerLog;
  private readonly render: (doc: BillDocument) => Promise<Buffer>;
  private readonly mail: MailConfig;
  private readonly db: Kysely<Database>;

  constructor(private readonly o: WorkerOptions) {
    this.clock = o.clock ?? systemClock;
    this.owner = o.owner ?? workerName();
    this.log = o.log ?? silent;
    this.render = o.renderPdf ?? renderBillPdf;
    this.mail = o.mail;
    this.db = o.db.kysely;
  }

  async run(): Promise<WorkerStats> {
    while (!this.aborted()) {
      try {
        if (!(await this.step())) {
          break;
        }
      } catch (err) {
        // The database went away (or a query failed): leases expire, rows are taken again later.
        this.log.error(
          { error: scrubEmails(err instanceof Error ? err.message : String(err)) },
          'mail worker: batch failed',
        );
        await this.pause(this.mail.pollMs);
      }
    }
    return this.stats;
  }

  /** Claims and sends a batch, or waits for one; false when draining and nothing is left. */
  private async step(): Promise<boolean> {
    const { mail } = this;
    const now = this.clock.now().getTime();
    const batch = await outbox.claim(this.db, this.o.db.dialect, {
      owner: this.owner,
      now,
      leaseMs: mail.leaseMs,
      limit: mail.batchSize,
    });
    if (batch.length > 0) {
      await this.processBatch(batch, now);
      this.o.afterBatch?.();
      return true;
    }
    if (!this.o.drain) {
      await this.pause(mail.pollMs);
      return true;
    }
    const left = await outbox.unfinished(this.db);
    if (left.count === 0) {
      return false;
    }
    const wait = left.nextAt === null ? mail.pollMs : left.nextAt - this.clock.now().getTime();
    await this.pause(Math.min(Math.max(wait, 20), mail.pollMs));
    return true;
  }

  private async processBatch(batch: ClaimedMessage[], claimedAt: number): Promise<void> {
    const { db, mail } = this;
    const ids = batch.map((m) => m.accountId);
    const subs = await subscriptionsOf(db, ids);
    const numbers = batch.some((m) => m.kind !== 'bill')
      ? await accountNumbers(db, ids)
      : new Map<number, string>();
    const queue = [...batch];
    const started = new Set<number>();
    const lease = new BatchLease(batch, claimedAt, { db, owner: this.owner, clock: this.clock, mail });
    const lane = async () => {
      for (;;) {
        if (this.aborted()) {
          return;
        }
        const m = queue.shift();
        if (!m) {
          return;
        }
        started.add(m.id);
        await this.processOne(m, subs.get(m.accountId), numbers.get(m.accountId), lease);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(mail.concurrency, batch.length) }, lane));
    } finally {
      // Stopping (or a database error): hand back what was not tried, without counting an attempt.
      const untried = batch.filter((m) => !started.has(m.id)).map((m) => m.id);
      if (untried.length) {
        await outbox.release(db, untried, this.owner, this.clock.now().getTime()).catch(() => undefined);
      }
    }
  }

  private async processOne(
    m: ClaimedMessage,
    sub: Subscription | undefined,
    number: string | undefined,
    lease: BatchLease,
  ): Promise<void> {
    const fields: MessageFields = {
      outbox: m.id,
      kind: m.kind,
      period: m.period,
      attempt: m.attempts,
      ...(sub ? { to: maskEmail(sub.email) } : {}),
    };
    const message = await this.buildOrRecord(m, sub, number, fields);
    // Built only for a confirmed, subscribed address: `sub` is there whenever `message` is.
    if (!message || !sub) {
      return;
    }
    if (!(await lease.hold(m.id))) {
      this.count('lost');
      this.log.warn(fields, 'mail outbox: the lease was taken over before sending');
      return;
    }
    const { messageId } = message;
    try {
      await sendWithin(this.o.transport, message, this.mail.smtpTimeoutMs);
    } catch (err) {
      return this.recordSendError(m, sub, messageId, err, fields);
    }
    return this.record(m, fields, 'sent', { status: 'sent', messageId });
  }

  /** The message to send; or, when there is none to send, its outcome recorded and undefined. */
  private async buildOrRecord(
    m: ClaimedMessage,
    sub: Subscription | undefined,
    number: string | undefined,
    fields: MessageFields,
  ): Promise<MailMessage | undefined> {
    try {
      return await this.build(m, sub, number);
    } catch (err) {
      if (err instanceof Skip) {
        if (err.outcome === 'failed') {
          this.log.warn({ ...fields, reason: err.message }, 'mail not sent');
        }
        await this.record(m, fields, err.outcome, { status: err.outcome, error: err.message });
        return undefined;
      }
      const reason = scrubEmails(err instanceof Error ? err.message : String(err)).slice(0, 300);
      if (isDatabaseUnavailable(err)) {
        throw err;
      }
      this.log.error({ ...fields, reason }, 'mail could not be built');
      await this.record(m, fields, 'failed', {
        status: 'failed',
        error: `could not build the message: ${reason}`,
      });
      return undefined;
    }
  }

  /**
   * A failed send: bounced when the recipient's server refused it for good, failed for good when
   * otherwise permanent or out of attempts, otherwise retried later.
   */
  private async recordSendError(
    m: ClaimedMessage,
    sub: Subscription,
    messageId: string,
    err: unknown,
    fields: MessageFields,
  ): Promise<void> {
    const { mail } = this;
    const e =
      err instanceof MailSendError
        ? err
        : new MailSendError(scrubEmails(String(err)).slice(0, 300), false, undefined);
    if (e.bounced) {
      this.log.warn({ ...fields, error: e.message }, 'mail bounced');
      const bounce = { accountId: m.accountId, email: sub.email, diagnostic: e.message, sentAt: null };
      return this.record(
        m,
        fields,
        'bounced',
        { status: 'bounced', error: e.message, messageId },
        (tx, now) => suspendAddress(tx, { ...bounce, now, via: 'smtp', message: m }),
      );
    }
    if (e.permanent || m.attempts >= mail.maxAttempts) {
      this.log.warn({ ...fields, error: e.message, permanent: e.permanent }, 'mail failed');
      return this.record(m, fields, 'failed', { status: 'failed', error: e.message, messageId });
    }
    const delay = backoffMs(mail, m.attempts);
    this.log.info({ ...fields, error: e.message, retryInMs: delay }, 'mail deferred');
    return this.record(m, fields, 'retry', {
      status: 'queued',
      nextAttemptAt: this.clock.now().getTime() + delay,
      error: e.message,
      messageId,
    });
  }

  /**
   * Writes the outcome, which only the lease holder can; a row taken over counts as lost. `also`
   * (a bounce's address marked undeliverable) is written in the same transaction, by the holder only.
   */
  private async record(
    m: ClaimedMessage,
    fields: MessageFields,
    outcome: Outcome,
    f: outbox.Finish,
    also?: (tx: Transaction<Database>, now: Date) => Promise<unknown>,
  ): Promise<void> {
    const now = this.clock.now();
    const finish = (db: Kysely<Database>) => outbox.finish(db, m.id, this.owner, now.getTime(), f);
    const recorded = also
      ? await this.db.transaction().execute(async (tx) => (await finish(tx)) && (await also(tx, now), true))
      : await finish(this.db);
    if (recorded) {
      this.count(outcome);
    } else {
      this.count('lost');
      this.log.warn(fields, 'mail outbox: the lease was taken over before the outcome was recorded');
    }
  }

  private async build(
    m: ClaimedMessage,
    sub: Subscription | undefined,
    number: string | undefined,
  ): Promise<MailMessage> {
    if (!sub || !sub.subscribed || sub.confirmedAt === null) {
      throw new Skip('cancelled', 'no confirmed, subscribed address');
    }
    if (sub.bouncedAt !== null) {
      throw new Skip('cancelled', 'the address bounced: it awaits a confirmation');
    }
    const key = await linkKeyOf(this.db);
    const links: MessageLinks = {
      to: sub.email,
      cabinetUrl: `${this.o.publicUrl}/cabinet`,
      unsubscribeUrl: unsubscribeUrl(this.o.publicUrl, unsubscribeToken(key, m.accountId, sub.email)),
      supplierName: this.mail.senderName,
      messageId: `<${m.kind}-${m.period}-${m.id}@${this.mail.fromDomain}>`,
    };
    switch (m.kind) {
      case 'bill':
        return this.buildBill(m, links);
      case 'reminder':
        return this.buildReminder(m, number, links);
      case 'review':
        return this.buildReview(m, number, links);
    }
  }

  /** The outcome of the account's readings of the period that the back office's review queue decided. */
  private async buildReview(
    m: ClaimedMessage,
    number: string | undefined,
    links: MessageLinks,
  ): Promise<MailMessage> {
    const readings = await reviewedReadingsOf(this.db, m.accountId, m.period);
    if (readings.length === 0 || number === undefined) {
      throw new Skip('cancelled', 'no reviewed reading');
    }
    return reviewMessage({
      ...links,
      account: number,
      period: m.period,
      readings: readings.map((r) => ({
        date: r.readingDate,
        values: r.values,
        zones: r.zones,
        accepted: r.status === 'accepted',
        reason: r.reviewReason,
      })),
    });
  }

  private async buildBill(m: ClaimedMessage, links: MessageLinks): Promise<MailMessage> {
    const doc = await loadBillDocument(this.db, m.accountId, m.period, this.o.dueDay);
    if (!doc) {
      throw new Skip('failed', `no bill for ${m.period}`);
    }
    const pdf = await this.render(doc);
    return billMessage({ ...links, doc, pdf });
  }

  /** The reminder, unless the readings window has closed or a reading came in since it was queued. */
  private async buildReminder(
    m: ClaimedMessage,
    number: string | undefined,
    links: MessageLinks,
  ): Promise<MailMessage> {
    const today = dateInZone(this.clock.now(), this.o.timeZone);
    const lastDate = readingsLastDate(m.period, this.o.readingsLastDay);
    if (periodOf(today) !== m.period || today > lastDate) {
      throw new Skip('cancelled', 'the readings window has closed');
    }
    if (await hasReadingFor(this.db, m.accountId, m.period, lastDate)) {
      throw new Skip('cancelled', 'a reading came in');
    }
    const meter = await activeMeter(this.db, m.accountId);
    if (!meter || number === undefined) {
      throw new Skip('cancelled', 'no meter in service');
    }
    return reminderMessage({
      ...links,
      account: number,
      period: m.period,
      lastDate,
      meterSerial: meter.serial,
    });
  }

  private count(outcome: Outcome): void {
    this.stats[STAT_OF[outcome]]++;
    this.o.onOutcome?.(outcome);
  }

  private aborted(): boolean {
    return this.o.signal?.aborted === true;
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(Math.max(10, ms), undefined, this.o.signal ? { signal: this.o.signal } : {});
    } catch {
      /* aborted */
    }
  }
}

/** What every message of the mailing carries: its recipient, its links, its sender and its Message-ID. */
interface MessageLinks {
  to: string;
  cabinetUrl: string;
  unsubscribeUrl: string;
  supplierName: string;
  messageId: string;
}
