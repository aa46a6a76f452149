import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/schema.ts';
import type { MailConfig } from './mail.config.ts';
import { renewLeases, type ClaimedMessage } from './outbox.repository.ts';

/**
 * The lease of a claimed batch, as this worker set it. A send starts only while the lease has
 * more than the SMTP timeout left, so that it ends (or is given up) before any other worker may
 * take the row; when too little is left, the whole batch's lease is renewed in one statement,
 * which also tells which rows are still this worker's. No query per message.
 */
export class BatchLease {
  private until: number;
  private owned: Set<number>;
  private renewing: Promise<void> | null = null;

  constructor(
    batch: ClaimedMessage[],
    claimedAt: number,
    private readonly o: { db: Kysely<Database>; owner: string; clock: Clock; mail: MailConfig },
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
    this.owned = await renewLeases(this.o.db, [...this.owned], this.o.owner, until, now);
    this.until = until;
  }
}
