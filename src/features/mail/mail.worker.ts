import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable, type Db } from '../../platform/db/connect.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { BillDocument } from '../billing/pdf/bill.model.ts';
import { loadBillDocument } from '../billing/bill-document.ts';
import { renderBillPdf } from '../billing/pdf/bill-pdf.ts';
import { dateInZone, periodOf } from '../../domain/dates.ts';
import type { MailConfig } from './mail.config.ts';
import { maskEmail, scrubEmails } from './email-address.ts';
import { billMessage, reminderMessage } from './mail.messages.tsx';
import { linkKeyOf, unsubscribeUrl } from './mail.service.ts';
import { readingsLastDate } from './mailing.ts';
import { unsubscribeToken } from './tokens.ts';
import { MailSendError, type MailMessage, type MailTransport } from './transport.ts';
import { accountNumbers, activeMeter, hasReadingFor } from './accounts.repository.ts';
import * as outbox from './outbox.repository.ts';
import type { ClaimedMessage } from './outbox.repository.ts';
import { subscriptionsOf, type Subscription } from './subscription.repository.ts';

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
 *   MAIL_MAX_ATTEMPTS; permanent ones (5xx to MAIL FROM / RCPT TO / DATA) are recorded as failed.
 * - The recipient is read at send time: the account's own address, confirmed and subscribed, or
 *   the message is cancelled (unsubscribed, deleted, changed and not yet confirmed).
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

export type Outcome = 'sent' | 'retry' | 'failed' | 'cancelled' | 'lost';

export interface WorkerStats {
  sent: number;
  retried: number;
  failed: number;
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
  const clock = o.clock ?? systemClock;
  const owner = o.owner ?? workerName();
  const log = o.log ?? silent;
  const render = o.renderPdf ?? renderBillPdf;
  const { mail } = o;
  const db = o.db.kysely;
  const stats: WorkerStats = { sent: 0, retried: 0, failed: 0, cancelled: 0, lost: 0 };
  const count = (outcome: Outcome) => {
    if (outcome === 'sent') {
      stats.sent++;
    } else if (outcome === 'retry') {
      stats.retried++;
    } else if (outcome === 'failed') {
      stats.failed++;
    } else if (outcome === 'cancelled') {
      stats.cancelled++;
    } else {
      stats.lost++;
    }
    o.onOutcome?.(outcome);
  };
  const aborted = () => o.signal?.aborted === true;
  const pause = async (ms: number) => {
    try {
      await sleep(Math.max(10, ms), undefined, o.signal ? { signal: o.signal } : {});
    } catch {
      /* aborted */
    }
  };

  async function build(
    m: ClaimedMessage,
    sub: Subscription | undefined,
    number: string | undefined,
  ): Promise<MailMessage> {
    if (!sub || !sub.subscribed || sub.confirmedAt === null) {
      throw new Skip('cancelled', 'no confirmed, subscribed address');
    }
    const key = await linkKeyOf(db);
    const unsubscribe = unsubscribeUrl(o.publicUrl, unsubscribeToken(key, m.accountId, sub.email));
    const messageId = `<${m.kind}-${m.period}-${m.id}@${mail.fromDomain}>`;
    const cabinetUrl = `${o.publicUrl}/cabinet`;
    if (m.kind === 'bill') {
      const doc = await loadBillDocument(db, m.accountId, m.period, o.dueDay);
      if (!doc) {
        throw new Skip('failed', `no bill for ${m.period}`);
      }
      const pdf = await render(doc);
      return billMessage({
        to: sub.email,
        doc,
        pdf,
        cabinetUrl,
        unsubscribeUrl: unsubscribe,
        supplierName: mail.senderName,
        messageId,
      });
    }
    const today = dateInZone(clock.now(), o.timeZone);
    const lastDate = readingsLastDate(m.period, o.readingsLastDay);
    if (periodOf(today) !== m.period || today > lastDate) {
      throw new Skip('cancelled', 'the readings window has closed');
    }
    if (await hasReadingFor(db, m.accountId, m.period, lastDate)) {
      throw new Skip('cancelled', 'a reading came in');
    }
    const meter = await activeMeter(db, m.accountId);
    if (!meter || number === undefined) {
      throw new Skip('cancelled', 'no meter in service');
    }
    return reminderMessage({
      to: sub.email,
      account: number,
      period: m.period,
      lastDate,
      meterSerial: meter.serial,
      cabinetUrl,
      unsubscribeUrl: unsubscribe,
      supplierName: mail.senderName,
      messageId,
    });
  }

  async function processOne(
    m: ClaimedMessage,
    sub: Subscription | undefined,
    number: string | undefined,
    lease: BatchLease,
  ): Promise<void> {
    const fields = {
      outbox: m.id,
      kind: m.kind,
      period: m.period,
      attempt: m.attempts,
      ...(sub ? { to: maskEmail(sub.email) } : {}),
    };
    const record = async (outcome: Outcome, f: Parameters<typeof outbox.finish>[4]) => {
      if (await outbox.finish(db, m.id, owner, clock.now().getTime(), f)) {
        count(outcome);
      } else {
        count('lost');
        log.warn(fields, 'mail outbox: the lease was taken over before the outcome was recorded');
      }
    };
    let message: MailMessage;
    try {
      message = await build(m, sub, number);
    } catch (err) {
      if (err instanceof Skip) {
        if (err.outcome === 'failed') {
          log.warn({ ...fields, reason: err.message }, 'mail not sent');
        }
        return record(err.outcome, { status: err.outcome, error: err.message });
      }
      const reason = scrubEmails(err instanceof Error ? err.message : String(err)).slice(0, 300);
      if (isDatabaseUnavailable(err)) {
        throw err;
      }
      log.error({ ...fields, reason }, 'mail could not be built');
      return record('failed', { status: 'failed', error: `could not build the message: ${reason}` });
    }

    if (!(await lease.hold(m.id))) {
      count('lost');
      log.warn(fields, 'mail outbox: the lease was taken over before sending');
      return;
    }
    try {
      await sendWithin(o.transport, message, mail.smtpTimeoutMs);
    } catch (err) {
      const e =
        err instanceof MailSendError
          ? err
          : new MailSendError(scrubEmails(String(err)).slice(0, 300), false, undefined);
      if (e.permanent || m.attempts >= mail.maxAttempts) {
        log.warn({ ...fields, error: e.message, permanent: e.permanent }, 'mail failed');
        return record('failed', { status: 'failed', error: e.message });
      }
      const delay = backoffMs(mail, m.attempts);
      log.info({ ...fields, error: e.message, retryInMs: delay }, 'mail deferred');
      return record('retry', {
        status: 'queued',
        nextAttemptAt: clock.now().getTime() + delay,
        error: e.message,
      });
    }
    return record('sent', { status: 'sent' });
  }

  async function processBatch(batch: ClaimedMessage[], claimedAt: number): Promise<void> {
    const ids = batch.map((m) => m.accountId);
    const subs = await subscriptionsOf(db, ids);
    const numbers = batch.some((m) => m.kind === 'reminder')
      ? await accountNumbers(db, ids)
      : new Map<number, string>();
    const queue = [...batch];
    const started = new Set<number>();
    const lease = new BatchLease(batch, claimedAt, { db, owner, clock, mail });
    const lane = async () => {
      for (;;) {
        if (aborted()) {
          return;
        }
        const m = queue.shift();
        if (!m) {
          return;
        }
        started.add(m.id);
        await processOne(m, subs.get(m.accountId), numbers.get(m.accountId), lease);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(mail.concurrency, batch.length) }, lane));
    } finally {
      // Stopping (or a database error): hand back what was not tried, without counting an attempt.
      const untried = batch.filter((m) => !started.has(m.id)).map((m) => m.id);
      if (untried.length) {
        await outbox.release(db, untried, owner, clock.now().getTime()).catch(() => undefined);
      }
    }
  }

  while (!aborted()) {
    try {
      const now = clock.now().getTime();
      const batch = await outbox.claim(db, o.db.dialect, {
        owner,
        now,
        leaseMs: mail.leaseMs,
        limit: mail.batchSize,
      });
      if (batch.length > 0) {
        await processBatch(batch, now);
        o.afterBatch?.();
        continue;
      }
      if (o.drain) {
        const left = await outbox.unfinished(db);
        if (left.count === 0) {
          break;
        }
        const wait = left.nextAt === null ? mail.pollMs : left.nextAt - clock.now().getTime();
        await pause(Math.min(Math.max(wait, 20), mail.pollMs));
      } else {
        await pause(mail.pollMs);
      }
    } catch (err) {
      // The database went away (or a query failed): leases expire, rows are taken again later.
      log.error(
        { error: scrubEmails(err instanceof Error ? err.message : String(err)) },
        'mail worker: batch failed',
      );
      await pause(mail.pollMs);
    }
  }
  return stats;
}

/**
 * The lease of a claimed batch, as this worker set it. A send starts only while the lease has
 * more than the SMTP timeout left, so that it ends (or is given up) before any other worker may
 * take the row; when too little is left, the whole batch's lease is renewed in one statement,
 * which also tells which rows are still this worker's. No query per message.
 */
class BatchLease {
  private until: number;
  private owned: Set<number>;
  private renewing: Promise<void> | null = null;

  constructor(
    batch: ClaimedMessage[],
    claimedAt: number,
    private readonly o: { db: WorkerOptions['db']['kysely']; owner: string; clock: Clock; mail: MailConfig },
  ) {
    this.until = claimedAt + o.mail.leaseMs;
    this.owned = new Set(batch.map((m) => m.id));
  }

  async hold(id: number): Promise<boolean> {
    const margin = this.o.mail.smtpTimeoutMs + Math.min(1000, this.o.mail.leaseMs / 10);
    if (this.o.clock.now().getTime() + margin >= this.until) {
      this.renewing ??= this.renew().finally(() => (this.renewing = null));
      await this.renewing;
    }
    return this.owned.has(id);
  }

  private async renew(): Promise<void> {
    const now = this.o.clock.now().getTime();
    const until = now + this.o.mail.leaseMs;
    this.owned = await outbox.renewLeases(this.o.db, [...this.owned], this.o.owner, until, now);
    this.until = until;
  }
}

/** A send that takes longer than `ms` in all is given up (and retried later, like a timeout). */
async function sendWithin(transport: MailTransport, message: MailMessage, ms: number): Promise<void> {
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
