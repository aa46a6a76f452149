import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { systemClock } from '../../platform/clock.ts';
import { addStaff, enrollPath, ENROLL_MS } from '../../features/office/staff-admin.service.ts';
import { withDb } from './common.ts';

interface Options {
  login: string;
  name: string;
  role: string[];
}

export function register(cli: Command): void {
  cli
    .command('staff-add')
    .summary('add a back-office user and print their one-time enrollment link')
    .description(
      'Add a back-office (/office) user and print a one-time enrollment link, valid 24 hours, where ' +
        'they set a password and enroll their authenticator app. The first admin is made this way.',
    )
    .requiredOption('--login <LOGIN>', 'the login: 3 to 40 latin letters, digits, ".", "_", "-"')
    .requiredOption('--name <NAME>', 'the full name')
    .requiredOption(
      '--role <ROLE>',
      'operator, accountant or admin; repeat for several',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(run);
}

async function run(opts: Options, command: Command): Promise<void> {
  const config = loadConfig();
  const result = await withDb(
    config,
    (db) =>
      addStaff(
        { db: db.kysely, clock: systemClock },
        { login: opts.login, fullName: opts.name, roles: opts.role, reason: '' },
        { staffUserId: null, ip: '127.0.0.1', name: os.userInfo().username },
        { requireReason: false },
      ),
    { migrate: true },
  );
  if (result.kind === 'invalid') {
    command.error(Object.values(result.errors).join('\n'));
  }
  const hours = ENROLL_MS / 3_600_000;
  console.log(`${config.publicUrl}${enrollPath(result.token)}`);
  console.error(
    `staff user ${opts.login.trim().toLowerCase()} added; the link above works once, for ${hours} hours`,
  );
}
