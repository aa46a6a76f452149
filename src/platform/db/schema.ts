import type { Generated, GeneratedAlways, Insertable, Selectable } from 'kysely';
import type {
  StaffLoginAttemptsTable,
  StaffRecoveryCodesTable,
  StaffSessionsTable,
  StaffUsersTable,
} from './schema-staff.ts';
import type {
  ImportRunsTable,
  ImportUploadChunksTable,
  ImportUploadsTable,
  RegistryPaymentsTable,
} from './schema-imports.ts';
import type { DebtRegistryFilesTable } from './schema-exports.ts';
import type {
  ApiIdempotencyKeysTable,
  ApiTokensTable,
  ApiTokenWindowsTable,
  PasskeysTable,
  ProfileAccountsTable,
  ProfileAttachFailuresTable,
  ProfileLoginAttemptsTable,
  ProfileMailsTable,
  ProfilesTable,
  WebauthnChallengesTable,
} from './schema-profiles.ts';
import type {
  PaymentOrdersTable,
  PaymentReconcileRunsTable,
  SandboxOrdersTable,
  SandboxSbpQrsTable,
} from './schema-payments.ts';

export type {
  StaffLoginAttemptsTable,
  StaffRecoveryCodesTable,
  StaffSessionsTable,
  StaffUsersTable,
} from './schema-staff.ts';
export type {
  ImportRunsTable,
  ImportUploadChunksTable,
  ImportUploadsTable,
  RegistryPaymentsTable,
} from './schema-imports.ts';
export type { DebtRegistryFilesTable } from './schema-exports.ts';
export type * from './schema-profiles.ts';
export type {
  PaymentOrdersTable,
  PaymentReconcileRunsTable,
  SandboxOrdersTable,
  SandboxSbpQrsTable,
} from './schema-payments.ts';

/**
 * Every table of the portal. Conventions, the same on SQLite and PostgreSQL:
 * - money is integer kopecks (`*_kop`); tariff prices are integer 1/100000 ₽ (`price_e5`);
 * - calendar dates of business meaning are 'YYYY-MM-DD' text, periods 'YYYY-MM' text;
 * - instants are integer milliseconds since the epoch (`*_at`);
 * - booleans are integers 0/1.
 */
export interface Database {
  settlements: SettlementsTable;
  branches: BranchesTable;
  offices: OfficesTable;
  tariff_plans: TariffPlansTable;
  tariff_prices: TariffPricesTable;
  tariff_components: TariffComponentsTable;
  accounts: AccountsTable;
  meters: MetersTable;
  readings: ReadingsTable;
  payments: PaymentsTable;
  charges: ChargesTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  consents: ConsentsTable;
  audit_log: AuditLogTable;
  billing_periods: BillingPeriodsTable;
  price_locks: PriceLocksTable;
  closing_jobs: ClosingJobsTable;
  recalculations: RecalculationsTable;
  buildings: BuildingsTable;
  building_volumes: BuildingVolumesTable;
  payment_orders: PaymentOrdersTable;
  payment_reconcile_runs: PaymentReconcileRunsTable;
  sandbox_sbp_qrs: SandboxSbpQrsTable;
  anonymous_writes: AnonymousWritesTable;
  sandbox_orders: SandboxOrdersTable;
  mail_keys: MailKeysTable;
  mail_subscriptions: MailSubscriptionsTable;
  mail_confirmations: MailConfirmationsTable;
  mail_removed_addresses: MailRemovedAddressesTable;
  mail_outbox: MailOutboxTable;
  staff_users: StaffUsersTable;
  staff_recovery_codes: StaffRecoveryCodesTable;
  staff_sessions: StaffSessionsTable;
  staff_login_attempts: StaffLoginAttemptsTable;
  import_runs: ImportRunsTable;
  registry_payments: RegistryPaymentsTable;
  import_uploads: ImportUploadsTable;
  import_upload_chunks: ImportUploadChunksTable;
  debt_registry_files: DebtRegistryFilesTable;
  profiles: ProfilesTable;
  profile_accounts: ProfileAccountsTable;
  api_tokens: ApiTokensTable;
  profile_login_attempts: ProfileLoginAttemptsTable;
  profile_mails: ProfileMailsTable;
  profile_attach_failures: ProfileAttachFailuresTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  api_token_windows: ApiTokenWindowsTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
}

export interface BillingPeriodsTable {
  period: string;
  /** 'closing' while the monthly run is under way (or was interrupted), then 'closed' for good. */
  status: string;
  started_at: number;
  /** When a closing run last marked it or committed a batch (migration 2026121030). */
  progress_at: number | null;
  closed_at: number | null;
  accounts: Generated<number>;
  total_kop: Generated<number>;
}

/**
 * The row that a tariff write and a month's closing both update first, so that they take turns
 * (migration 2026121016_price_lock). `taken_at`: when it was last taken, for nothing but the update.
 */
export interface PriceLocksTable {
  name: string;
  taken_at: number;
}

/** A month's closing requested from the back office, run by a job under a lease. */
export interface ClosingJobsTable {
  id: Generated<number>;
  period: string;
  /** The staff user who asked for it. */
  requested_by: number;
  requested_at: number;
  /** 'queued' | 'running' | 'done' | 'failed' */
  state: string;
  /** 1 while queued or running, NULL after (unique: one job at a time). */
  active: number | null;
  total: Generated<number>;
  done: Generated<number>;
  /** The last account id whose charge is committed. */
  after_id: Generated<number>;
  /** When the current (or last) run began, and `done` at that moment: the rate. */
  run_started_at: number | null;
  run_done_from: Generated<number>;
  progress_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  /** Runs begun: more than one when a run died and another took over. */
  runs: Generated<number>;
  finished_at: number | null;
  error: string | null;
  /** JSON of the closing's summary (ClosingSummary), set when done. */
  summary: string | null;
  confirmed_by: number | null;
  confirmed_at: number | null;
}

/** A change to a closed period's charge, shown and charged on the next bill. */
export interface RecalculationsTable {
  id: Generated<number>;
  account_id: number;
  /** The closed period that was recalculated. */
  period: string;
  /** The period whose bill carries it; null until that period is closed. */
  applied_period: string | null;
  kwh: number;
  amount_kop: number;
  reason: string;
  details: string | null;
  created_at: number;
}

export interface BuildingsTable {
  id: Generated<number>;
  address: string;
  flats_area_e2: number;
}

/** A building's monthly volumes (kWh) for the ОДН formula. */
export interface BuildingVolumesTable {
  building_id: number;
  period: string;
  total_kwh: number;
  nonresidential_kwh: Generated<number>;
  unmetered_flats_kwh: Generated<number>;
  metered_flats_kwh: Generated<number>;
}

export interface SettlementsTable {
  code: string;
  name: string;
  /** The branch that serves it: new accounts of an import get it; null = not said. */
  branch_id: Generated<number | null>;
}

export interface BranchesTable {
  id: Generated<number>;
  code: string;
  name: string;
  payee_name: string;
  inn: string;
  kpp: string;
  bank_name: string;
  bic: string;
  corr_account: string;
  settlement_account: string;
  address: string;
  phones: string;
  fax: string;
  email: string;
  website: string;
}

export interface OfficesTable {
  id: Generated<number>;
  branch_id: number;
  name: string;
  address: string;
  phones: string;
  hours: string;
  /** Coordinates in millionths of a degree (exact integers). */
  lat_e6: number | null;
  lon_e6: number | null;
}

export interface TariffPlansTable {
  id: Generated<number>;
  code: string;
  name: string;
  /** 1 (single rate), 2 (day/night) or 3 (peak/half-peak/night). */
  zones: number;
  /** Social norm of consumption (Decree 614), kWh per month for one resident; null = none. */
  social_norm_kwh: number | null;
  /** Additional kWh of the social norm per additional resident. */
  social_norm_extra_kwh: number | null;
  /** Consumption norm (п.42) per resident per month, kWh. */
  norm_kwh_per_resident: number;
}

export interface TariffPricesTable {
  id: Generated<number>;
  plan_id: number;
  /** 'single' | 'day' | 'night' | 'peak' | 'half_peak' */
  zone: string;
  /** 'base' (within the social norm, or the only band) | 'above_norm' */
  band: string;
  valid_from: string;
  price_e5: number;
}

/** A component's share of a plan's tariff from a date, for the bill's cost breakdown. */
export interface TariffComponentsTable {
  id: Generated<number>;
  plan_id: number;
  valid_from: string;
  /** 'purchase' | 'transmission' | 'sales' | 'other' (domain/cost-breakdown.ts) */
  component: string;
  /** Millionths of the tariff; the rows of one plan and date sum to 1 000 000. */
  share_e6: number;
}

export interface AccountsTable {
  id: Generated<number>;
  number: string;
  settlement_code: string;
  surname: string;
  first_name: string;
  patronymic: string;
  object_address: string;
  delivery_address: string;
  /** Floor area in 1/100 m². */
  area_e2: number;
  residents: number;
  branch_id: number;
  tariff_plan_id: number;
  created_at: number;
  building_id: Generated<number | null>;
  /** The surname folded for the back office's search (domain/search-key.ts), computed by the database. */
  surname_key: GeneratedAlways<string>;
  /** The address from the street on, folded, without «ул.», «д.», «кв.» («ленина 5а 12»), likewise. */
  address_key: GeneratedAlways<string>;
  /** The customer's phone from the supplier's import; null = none. */
  phone: Generated<string | null>;
  /**
   * An e-mail address from the supplier's import, not confirmed by its owner: never used to send
   * anything (bills go only to confirmed `mail_subscriptions` addresses).
   */
  imported_email: Generated<string | null>;
  /**
   * The day (YYYY-MM-DD) from which the account is closed, from the supplier's accounts file; null
   * while open. Not charged for months that begin after it; registry payments from it on stay
   * unallocated.
   */
  closed_on: Generated<string | null>;
}

export interface MetersTable {
  id: Generated<number>;
  account_id: number;
  serial: string;
  digits: number;
  zones: number;
  ratio: number;
  installed_on: string;
  verification_due: string;
  removed_on: string | null;
  /** The serial folded for the back office's search, computed by the database. */
  serial_key: GeneratedAlways<string>;
}

export interface ReadingsTable {
  id: Generated<number>;
  account_id: number;
  meter_id: number;
  reading_date: string;
  /** One register per zone: single / day / peak in value1, night / half-peak in value2, night in value3. */
  value1: number;
  value2: number | null;
  value3: number | null;
  /** 'internet' | 'grid' | 'bill' | 'customer' | 'operator' | 'computed' */
  channel: string;
  /** 'accepted' | 'review' | 'rejected' */
  status: string;
  reason: string | null;
  submitted_at: number;
  submitted_ip: string | null;
  /** The idempotency key of the portal form that submitted it; null for other channels. */
  submission_key: Generated<string | null>;
  /** The billing month the reading counts in ('YYYY-MM'); null when not recorded. */
  billing_period: Generated<string | null>;
  /** The staff user who accepted or rejected a held reading (the review queue), when, and why. */
  reviewed_by: Generated<number | null>;
  reviewed_at: Generated<number | null>;
  review_reason: Generated<string | null>;
}

export interface PaymentsTable {
  id: Generated<number>;
  account_id: number;
  paid_on: string;
  amount_kop: number;
  /** 'bank' | 'post' | 'card' | 'terminal' | 'office' */
  channel: string;
  external_id: string | null;
  created_at: number;
  /** Who took the money, as the customer's history names it («Сбербанк»); null for the portal's own. */
  source: Generated<string | null>;
  /** The agent's commission, apart from `amount_kop` (which is what the account is credited). */
  commission_kop: Generated<number>;
}

export interface ChargesTable {
  id: Generated<number>;
  account_id: number;
  period: string;
  billed_on: string;
  reading_id: number | null;
  reading_value: number | null;
  kwh: number;
  amount_kop: number;
  odn_kwh: number;
  odn_kop: number;
  /** 'readings' | 'average' | 'norm' */
  method: string;
  payments_kop: number;
  debt_start_kop: number;
  /** Debt at the end of the period: positive = debt, negative = overpayment. */
  debt_kop: number;
  tariff_e5: number;
  /** JSON with the inputs of the calculation. */
  details: string | null;
  /** Recalculations of earlier periods charged in this one. */
  recalc_kop: Generated<number>;
}

export interface SessionsTable {
  id: Generated<number>;
  /** SHA-256 of the token, hex; the token itself is never stored. */
  token_hash: string;
  /** The account the session shows: the one logged in with, or the one chosen in a profile. */
  account_id: number;
  created_at: number;
  last_seen_at: number;
  ip: string | null;
  /** The profile of a profile login (migration 2026121100); null for the manual's login. */
  profile_id: number | null;
}

export interface LoginAttemptsTable {
  id: Generated<number>;
  account_number: string;
  ip: string;
  at: number;
  success: number;
  /** The browser's cookie hashed, or `ip:<address>` when it sent none; null on rows from before. */
  client: string | null;
}

export interface ConsentsTable {
  id: Generated<number>;
  account_id: number | null;
  account_number: string;
  policy_version: string;
  given_at: number;
  ip: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  event: string;
  account_number: string | null;
  ip: string | null;
  outcome: string;
  details: string | null;
  /** The staff user who acted (src/features/office); null for customers' and programs' events. */
  staff_user_id: Generated<number | null>;
}

/** Writes without a session per scope, key (an address, or `*` for everyone) and window (platform/http/anonymous-writes.ts). */
export interface AnonymousWritesTable {
  scope: string;
  key: string;
  window_start: number;
  hits: number;
  /** The limit the hits were counted against: hits beyond it were refused. */
  max_hits: number;
}

/** Secrets made by the migrations (src/mail: the HMAC key of the unsubscribe links). */
export interface MailKeysTable {
  name: string;
  secret: string;
  created_at: number;
}

/** An account's address for bills (src/mail); the only place the address is stored. */
export interface MailSubscriptionsTable {
  account_id: number;
  /** Normalised (lower case). */
  email: string;
  /** 1 = the customer wants bills by e-mail ("Я хочу получать квитанцию…"). */
  subscribed: number;
  /** When its owner followed the confirmation link; null = awaiting confirmation, nothing is sent. */
  confirmed_at: number | null;
  /** SHA-256 of the unsubscribe token. */
  unsubscribe_hash: string;
  /**
   * When a message to the address bounced (refused for good): nothing is sent to it until its
   * owner confirms an address again; null = deliverable.
   */
  bounced_at: Generated<number | null>;
  /** The receiving server's diagnostic of that bounce, addresses masked. */
  bounce_reason: Generated<string | null>;
  created_at: number;
  updated_at: number;
}

/** A confirmation link sent to an address: hashes only, single use, expiring. */
export interface MailConfirmationsTable {
  id: Generated<number>;
  account_id: number;
  /** Keyed hash of the address (the per-address rate limit; the address itself is not kept here). */
  email_hash: string;
  /** SHA-256 of the link's token. */
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/**
 * An address an account gave up (src/mail): deleted, replaced by another, or bounced. Never
 * offered back from the accounts import; only a keyed hash of it is kept.
 */
export interface MailRemovedAddressesTable {
  account_id: number;
  /** Keyed hash of the address, as `mail_confirmations.email_hash`. */
  email_hash: string;
  /** 'deleted' | 'replaced' | 'bounced' */
  reason: string;
  removed_at: number;
}

/** The durable mailing queue: one message per (account, period, kind). */
export interface MailOutboxTable {
  id: Generated<number>;
  account_id: number;
  period: string;
  /** 'bill' | 'reminder' | 'review' (the outcome of the account's held readings of `period`) */
  kind: string;
  /**
   * 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'bounced' (the recipient's server
   * refused it for good, at send time or by a later delivery status notification)
   */
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** The worker holding the row while 'sending', and until when. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** The last SMTP error, addresses masked. */
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** The Message-ID it was sent with ('<…@…>'); null before its first send. */
  message_id: Generated<string | null>;
}

export type AccountRow = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
