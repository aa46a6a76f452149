import type { Kysely, Transaction } from 'kysely';
import type { Database } from './db/schema.ts';

export interface AuditEvent {
  event: string;
  outcome: string;
  accountNumber?: string | null;
  ip?: string | null;
  /** The staff user who acted (the back office); absent for customers' and programs' events. */
  staffUserId?: number | null;
  /** Never credentials, tokens, card numbers or full e-mail addresses. */
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Kysely<Database> | Transaction<Database>, at: Date, e: AuditEvent) {
  await db
    .insertInto('audit_log')
    .values({
      at: at.getTime(),
      event: e.event,
      outcome: e.outcome,
      account_number: e.accountNumber ?? null,
      ip: e.ip ?? null,
      ...(e.staffUserId != null ? { staff_user_id: e.staffUserId } : {}),
      // JSON escapes CR/LF and quotes, so input cannot forge extra log lines.
      details: e.details ? JSON.stringify(e.details) : null,
    })
    .execute();
}
