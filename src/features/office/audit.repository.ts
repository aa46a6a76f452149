import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** What the audit viewer filters by; every part optional. */
export interface AuditFilter {
  /** The staff user's login (exact, lower case). */
  staffLogin?: string;
  accountNumber?: string;
  /** The beginning of the event's code: `login`, `staff.`, `reading.`… */
  eventPrefix?: string;
  /** Times in ms: from (inclusive) and to (exclusive). */
  fromMs?: number;
  toMs?: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  event: string;
  outcome: string;
  accountNumber: string | null;
  ip: string | null;
  /** The login of the staff user who acted, if one did. */
  staffLogin: string | null;
  details: string | null;
}

/**
 * The newest `limit` entries matching `filter` with an id below `beforeId` (the next page starts
 * below the last id shown): keyset paging, so a page deep in a large log costs what the first does.
 * One account's entries come from the index audit_log_account (account_number, at), a staff
 * user's from audit_log_staff, a range of days from audit_log_at.
 */
export async function findAudit(
  db: Q,
  filter: AuditFilter,
  limit: number,
  beforeId?: number,
): Promise<AuditEntry[]> {
  let q = db
    .selectFrom('audit_log')
    .leftJoin('staff_users', 'staff_users.id', 'audit_log.staff_user_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.event',
      'audit_log.outcome',
      'audit_log.account_number',
      'audit_log.ip',
      'audit_log.details',
      'staff_users.login as staff_login',
    ]);
  if (filter.staffLogin !== undefined) {
    const login = filter.staffLogin;
    q = q.where('audit_log.staff_user_id', 'in', (eb) =>
      eb.selectFrom('staff_users').select('id').where('login', '=', login),
    );
  }
  if (filter.accountNumber !== undefined) {
    q = q.where('audit_log.account_number', '=', filter.accountNumber);
  }
  if (filter.eventPrefix !== undefined) {
    // substr, not LIKE: event codes hold `_`, a LIKE wildcard, and the two databases escape it differently.
    const prefix = filter.eventPrefix;
    q = q.where((eb) =>
      eb(eb.fn('substr', ['audit_log.event', eb.val(1), eb.val(prefix.length)]), '=', prefix),
    );
  }
  if (filter.fromMs !== undefined) {
    q = q.where('audit_log.at', '>=', filter.fromMs);
  }
  if (filter.toMs !== undefined) {
    q = q.where('audit_log.at', '<', filter.toMs);
  }
  if (beforeId !== undefined) {
    q = q.where('audit_log.id', '<', beforeId);
  }
  const rows = await q.orderBy('audit_log.id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    event: r.event,
    outcome: r.outcome,
    accountNumber: r.account_number,
    ip: r.ip,
    staffLogin: r.staff_login,
    details: r.details,
  }));
}

/** The newest entry of an event, with who made it: a staff user's login, or the `by` its details name. */
export interface LatestAudit {
  at: number;
  staffLogin: string | null;
  details: string | null;
}

/** The newest entry of the event, if any (index audit_log_event: event, at). */
export async function latestAuditOf(db: Q, event: string): Promise<LatestAudit | undefined> {
  const r = await db
    .selectFrom('audit_log')
    .leftJoin('staff_users', 'staff_users.id', 'audit_log.staff_user_id')
    .select(['audit_log.at', 'audit_log.details', 'staff_users.login as staff_login'])
    .where('audit_log.event', '=', event)
    .orderBy('audit_log.at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && { at: Number(r.at), staffLogin: r.staff_login, details: r.details };
}
