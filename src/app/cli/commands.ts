import type { Command } from 'commander';

// The CLI's commands in the order of its help, one file each in this folder, named as the command
// (close-month.ts adds `close-month`), so that a run loads only the file of its command.
export const COMMANDS = [
  'migrate',
  'seed-demo',
  'generate',
  'quickstart',
  'close-month',
  'closing-worker',
  'recalculate',
  'readings-export',
  'readings-review',
  'payments-reconcile',
  'mail-enqueue',
  'mail-worker',
  'mail-status',
  'mail-reminders',
  'mail-bounces',
  'backup',
  'staff-add',
  'import-registry',
  'import-readings',
  'payments-allocate',
  'tariff-set',
  'import-tariffs',
  'import-meters',
  'branches-load',
  'tariff-plans-load',
  'settlements-load',
  'import-accounts',
  'export-charges',
  'export-balances',
  'export-payments',
  'export-debts-registry',
  'export-debtors',
];

/** A command's file: it adds the command, its options and its action to the program. */
export interface CommandFile {
  register(cli: Command): void;
}

export async function loadCommand(name: string): Promise<CommandFile> {
  return (await import(`./${name}.ts`)) as CommandFile;
}
