import type { Command } from 'commander';

export function register(cli: Command): void {
  cli
    .command('quickstart')
    .summary('migrate, create demo data if needed, and start the portal in demo mode')
    .description(
      'Start the portal in demo mode (DEMO_MODE=true unless set): the server migrates the database ' +
        'and creates the demo data if needed, then runs until stopped.',
    )
    .action(async () => {
      process.env.DEMO_MODE ??= 'true';
      // Importing starts the server, which keeps the process running until it is stopped.
      await import('../server.ts');
    });
}
