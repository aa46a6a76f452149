import type { Generated } from 'kysely';

// Exports (features/exports). Part of the one Database interface in schema.ts.

/** A debts registry made for the bank: its number within the (INN, account, month). */
export interface DebtRegistryFilesTable {
  id: Generated<number>;
  inn: string;
  settlement_account: string;
  /** The period whose debts it carries, 'YYYY-MM' (the file name's MMYY). */
  period: string;
  /** NNN of the file name: 1 for the month's first file. */
  seq: number;
  file_name: string;
  /** The branch whose accounts it lists; null when INN and account were given without one. */
  branch_id: number | null;
  /** Who made it in the back office; null for the CLI. */
  staff_user_id: number | null;
  created_at: number;
}
