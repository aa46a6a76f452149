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

/** An event of an account's audit trail, with the staff member who acted, if one did. */
export interface AuditRow {
  at: number;
  event: string;
  outcome: string;
  ip: string | null;
  details: string | null;
  staffLogin: string | null;
}

/** The account's audit trail (or its events of one kind), newest first (index audit_log_account). */
export async function auditOfAccount(
  db: Kysely<Database> | Transaction<Database>,
  accountNumber: string,
  limit: number,
  only: { event?: string; outcome?: string } = {},
): Promise<AuditRow[]> {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('staff_users as s', 's.id', 'a.staff_user_id')
    .select(['a.at', 'a.event', 'a.outcome', 'a.ip', 'a.details', 's.login'])
    .where('a.account_number', '=', accountNumber);
  if (only.event !== undefined) {
    q = q.where('a.event', '=', only.event);
  }
  if (only.outcome !== undefined) {
    q = q.where('a.outcome', '=', only.outcome);
  }
  const rows = await q.orderBy('a.at', 'desc').orderBy('a.id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    at: Number(r.at),
    event: r.event,
    outcome: r.outcome,
    ip: r.ip,
    details: r.details,
    staffLogin: r.login,
  }));
}
