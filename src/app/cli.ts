import { CliCommand, reportError } from './cli/common.ts';
import { COMMANDS, loadCommand } from './cli/commands.ts';

// `npm run cli -- <command>` (or `node dist/app/cli.js <command>`): the back office's commands,
// one file each under cli/, listed in cli/commands.ts.

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
// Only the command asked for is loaded (with what it imports): the whole CLI under tsx starts in
// about 1.4 s of CPU and 196 MB, which every run paid, and a long import kept. The help, a
// mistyped or missing command load them all, for the list and the suggestions.
const asked = process.argv[2];
for (const name of asked !== undefined && COMMANDS.includes(asked) ? [asked] : COMMANDS) {
  (await loadCommand(name)).register(program);
}

// No process.exit: a command's last output reaches a pipe, and quickstart's server keeps running.
program.parseAsync(process.argv.slice(2), { from: 'user' }).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
