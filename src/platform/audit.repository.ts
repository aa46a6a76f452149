import type { Kysely, Transaction } from 'kysely';
import type { Database } from './db/schema.ts';
import type { Cursor, ListPage } from './db/paging.ts';

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

/** The order of an account's audit trail: newest first, the id breaking ties. */
export interface AuditKey {
  at: number;
  id: number;
}

/**
 * A page of `limit` events of the account's audit trail, newest first, from `at` (`after` a key are
 * the older events), with how many come before it and how many there are (audit_log_account).
 */
export async function auditPageOfAccount(
  db: Kysely<Database> | Transaction<Database>,
  accountNumber: string,
  limit: number,
  at: Cursor<AuditKey> = undefined,
): Promise<ListPage<AuditRow & { id: number }>> {
  const backwards = at !== undefined && 'before' in at;
  const key = at === undefined ? undefined : 'after' in at ? at.after : at.before;
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('staff_users as s', 's.id', 'a.staff_user_id')
    .select(['a.id', 'a.at', 'a.event', 'a.outcome', 'a.ip', 'a.details', 's.login'])
    .where('a.account_number', '=', accountNumber);
  if (key) {
    // Newest first: the page after a key holds the older events, the page before it the newer.
    const op = backwards ? '>' : '<';
    q = q.where((eb) =>
      eb.or([eb('a.at', op, key.at), eb.and([eb('a.at', '=', key.at), eb('a.id', op, key.id)])]),
    );
  }
  const dir = backwards ? 'asc' : 'desc';
  const [found, total] = await Promise.all([
    q.orderBy('a.at', dir).orderBy('a.id', dir).limit(limit).execute(),
    countAudit(db, accountNumber),
  ]);
  const rows = (backwards ? found.reverse() : found).map((r) => ({
    id: Number(r.id),
    at: Number(r.at),
    event: r.event,
    outcome: r.outcome,
    ip: r.ip,
    details: r.details,
    staffLogin: r.login,
  }));
  const first = rows[0];
  // Past the end (the rows after the key are gone): every row comes before.
  const skipped = first ? await countAudit(db, accountNumber, first) : backwards ? 0 : total;
  return { rows, skipped, total };
}

/** How many events the account's trail holds in all, or newer than `key`. */
async function countAudit(
  db: Kysely<Database> | Transaction<Database>,
  accountNumber: string,
  key?: AuditKey,
): Promise<number> {
  let q = db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_number', '=', accountNumber);
  if (key) {
    q = q.where((eb) =>
      eb.or([eb('at', '>', key.at), eb.and([eb('at', '=', key.at), eb('id', '>', key.id)])]),
    );
  }
  const r = await q.executeTakeFirstOrThrow();
  return Number(r.n);
}
