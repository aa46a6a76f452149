import { CliCommand, reportError } from './cli/common.ts';
import * as migrate from './cli/migrate.ts';
import * as seedDemo from './cli/seed-demo.ts';
import * as generate from './cli/generate.ts';
import * as quickstart from './cli/quickstart.ts';
import * as closeMonth from './cli/close-month.ts';
import * as recalculate from './cli/recalculate.ts';
import * as closingWorker from './cli/closing-worker.ts';
import * as readingsExport from './cli/readings-export.ts';
import * as readingsReview from './cli/readings-review.ts';
import * as paymentsReconcile from './cli/payments-reconcile.ts';
import * as mailEnqueue from './cli/mail-enqueue.ts';
import * as mailWorker from './cli/mail-worker.ts';
import * as mailStatus from './cli/mail-status.ts';
import * as mailReminders from './cli/mail-reminders.ts';
import * as backup from './cli/backup.ts';
import * as staffAdd from './cli/staff-add.ts';
import * as importRegistry from './cli/import-registry.ts';
import * as importReadings from './cli/import-readings.ts';
import * as paymentsAllocate from './cli/payments-allocate.ts';
import * as tariffSet from './cli/tariff-set.ts';
import * as importTariffs from './cli/import-tariffs.ts';
import * as importMeters from './cli/import-meters.ts';
import * as branchesLoad from './cli/branches-load.ts';
import * as tariffPlansLoad from './cli/tariff-plans-load.ts';
import * as settlementsLoad from './cli/settlements-load.ts';
import * as importAccounts from './cli/import-accounts.ts';
import * as exportCharges from './cli/export-charges.ts';
import * as exportBalances from './cli/export-balances.ts';
import * as exportPayments from './cli/export-payments.ts';
import * as exportDebtsRegistry from './cli/export-debts-registry.ts';
import * as exportDebtors from './cli/export-debtors.ts';

// `npm run cli -- <command>` (or `node dist/app/cli.js <command>`): the back office's commands,
// one file each under cli/.

const COMMANDS = [
  migrate,
  seedDemo,
  generate,
  quickstart,
  closeMonth,
  closingWorker,
  recalculate,
  readingsExport,
  readingsReview,
  paymentsReconcile,
  mailEnqueue,
  mailWorker,
  mailStatus,
  mailReminders,
  backup,
  staffAdd,
  importRegistry,
  importReadings,
  paymentsAllocate,
  tariffSet,
  importTariffs,
  importMeters,
  branchesLoad,
  tariffPlansLoad,
  settlementsLoad,
  importAccounts,
  exportCharges,
  exportBalances,
  exportPayments,
  exportDebtsRegistry,
  exportDebtors,
];

// The settings come first: each command inherits them when it is added.
const program = new CliCommand('npm run cli --')
  .usage('<command> [options]')
  .description('The back office of the portal from the command line.')
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nThe database is PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR (./data).\n' +
      "A command's options: npm run cli -- <command> --help",
  );
for (const command of COMMANDS) {
  command.register(program);
}

// No process.exit: a command's last output reaches a pipe, and quickstart's server keeps running.
program.parseAsync(process.argv.slice(2), { from: 'user' }).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
