/**
 * Who may do what in the back office: every route under /office, by method and Fastify's route
 * pattern, with the roles it admits. A route missing here is refused to everyone (and the app
 * refuses to start with it: office.guard.ts), so adding a route is adding its line here.
 *
 * - operator: search, the account card, readings on a customer's behalf, the review queue,
 *   resending a bill, unlocking a customer's login, the number of residents, a meter replacement,
 *   the bill e-mail on the customer's written request;
 * - accountant: everything an operator reads, plus payments, recalculation, the month's
 *   closing, the mailing and the exports;
 * - admin: staff users, settings, the audit log.
 */

export const ROLES = ['operator', 'accountant', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLES: Record<Role, string> = {
  operator: 'оператор',
  accountant: 'бухгалтер',
  admin: 'администратор',
};

/** Reachable without a staff session: the login steps and the enrollment link. */
export const PUBLIC = 'public';
/** Every logged-in staff user, whatever the roles. */
export const ANY_STAFF: readonly Role[] = ROLES;
const ADMIN: readonly Role[] = ['admin'];
const ACCOUNTANT: readonly Role[] = ['accountant'];
const OPERATOR: readonly Role[] = ['operator'];
/** What operators read (accounts, the review queue), accountants read too. */
const OPERATOR_READS: readonly Role[] = ['operator', 'accountant'];
/** Who may upload some kind of import. */
const IMPORTERS: readonly Role[] = ['accountant', 'admin'];

export type Access = typeof PUBLIC | readonly Role[];

export const OFFICE_RIGHTS: Readonly<Record<string, Access>> = {
  'GET /office/login': PUBLIC,
  'POST /office/login': PUBLIC,
  'GET /office/login/code': PUBLIC,
  'POST /office/login/code': PUBLIC,
  'POST /office/logout': PUBLIC,
  'GET /office/enroll/:token': PUBLIC,
  'POST /office/enroll/password': PUBLIC,
  'POST /office/enroll/code': PUBLIC,

  'GET /office': ANY_STAFF,

  // The readings review queue: operators decide, accountants read (the queue and each reading).
  'GET /office/review': OPERATOR_READS,
  'POST /office/review': OPERATOR,
  'GET /office/review/:id': OPERATOR_READS,
  'POST /office/review/:id': OPERATOR,
  // Operators' actions on an account, each a form with a mandatory reason.
  'GET /office/accounts/:id/reading': OPERATOR,
  'POST /office/accounts/:id/reading': OPERATOR,
  'GET /office/accounts/:id/unlock': OPERATOR,
  'POST /office/accounts/:id/unlock': OPERATOR,
  'GET /office/accounts/:id/resend-bill': OPERATOR,
  'POST /office/accounts/:id/resend-bill': OPERATOR,
  'GET /office/accounts/:id/residents': OPERATOR,
  'POST /office/accounts/:id/residents': OPERATOR,
  'GET /office/accounts/:id/meter': OPERATOR,
  'POST /office/accounts/:id/meter': OPERATOR,
  'GET /office/accounts/:id/email': OPERATOR,
  'POST /office/accounts/:id/email': OPERATOR,
  'GET /office/search': OPERATOR_READS,
  'GET /office/accounts/:id': OPERATOR_READS,
  'GET /office/accounts/:id/bills/:file': OPERATOR_READS,

  'GET /office/staff': ADMIN,
  'POST /office/staff': ADMIN,
  'POST /office/staff/:id/disable': ADMIN,
  'POST /office/staff/:id/enable': ADMIN,
  'POST /office/staff/:id/end-sessions': ADMIN,
  'POST /office/staff/:id/reset-factor': ADMIN,

  // The month's closing: started here, run by the billing feature's job, its summary confirmed.
  'GET /office/closing': ACCOUNTANT,
  'POST /office/closing': ACCOUNTANT,
  'POST /office/closing/:id/confirm': ACCOUNTANT,
  // Recalculation of a closed month's charge: a preview of the difference, then applied.
  'GET /office/accounts/:id/recalculate': ACCOUNTANT,
  'POST /office/accounts/:id/recalculate': ACCOUNTANT,
  'GET /office/mailing': ACCOUNTANT,
  'POST /office/mailing/retry': ACCOUNTANT,
  // Pending card orders, the last reconciliation, unallocated registry payments.
  'GET /office/payments': ACCOUNTANT,
  'POST /office/payments/unallocated/:id': ACCOUNTANT,
  // Files for 1С, the debtors list and the bank's debts registry (features/exports).
  'GET /office/exports': ACCOUNTANT,
  'POST /office/exports/charges': ACCOUNTANT,
  'POST /office/exports/balances': ACCOUNTANT,
  'POST /office/exports/payments': ACCOUNTANT,
  'POST /office/exports/debts-registry': ACCOUNTANT,
  'POST /office/exports/debtors': ACCOUNTANT,

  // Uploaded imports (features/imports/upload.kinds.ts): registries and readings by accountants;
  // admins for the kinds that are theirs (accounts, meters, tariffs). Each upload's kind is
  // checked against the staff member's roles again by its routes.
  'GET /office/imports': IMPORTERS,
  'POST /office/imports': IMPORTERS,
  'GET /office/imports/:id': IMPORTERS,
  'POST /office/imports/:id/apply': IMPORTERS,
  'GET /office/imports/:id/report.csv': IMPORTERS,

  // The settings in effect and the reference data (pages/office/settings.*), read only.
  'GET /office/settings': ADMIN,
  'GET /office/audit': ADMIN,
  'GET /office/audit.csv': ADMIN,
};

/** The key of a route in the matrix; HEAD answers as its GET does. */
export function rightsKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`;
}

export function accessFor(method: string, url: string): Access | undefined {
  return OFFICE_RIGHTS[rightsKey(method, url)];
}

export function isOfficeUrl(url: string): boolean {
  return url === '/office' || url.startsWith('/office/');
}

export function allows(access: Access, roles: readonly Role[]): boolean {
  return access === PUBLIC || roles.some((r) => access.includes(r));
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** The roles stored as 'operator,admin'; unknown names are dropped. */
export function parseRoles(s: string): Role[] {
  return s.split(',').filter(isRole);
}
