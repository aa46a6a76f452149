import { Command, CommanderError, InvalidArgumentError, type ErrorOptions } from 'commander';
import cliProgress from 'cli-progress';
import type { Config } from '../config.ts';
import { openDb, type Db } from '../../platform/db/connect.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { isIsoDate, isPeriod } from '../../domain/dates.ts';
import { Refused } from '../../platform/refused.ts';

/** The exit code of a command refused (a usage error, or the rules said no); 1 is a failure. */
const USAGE_EXIT = 2;

/**
 * The commands of the CLI. Commander's usage errors exit 2, not its default 1, as the CLI always
 * has (scripts and cron tell a mistyped command from a failed run by it). Its messages keep the
 * words the CLI printed before commander (`Unknown option '--x'`, `Unexpected argument 'x'`),
 * which scripts and tests look for.
 */
export class CliCommand extends Command {
  override createCommand(name?: string): CliCommand {
    return new CliCommand(name);
  }

  override error(message: string, options?: ErrorOptions): never {
    return super.error(this.reword(message, options?.code), { ...options, exitCode: USAGE_EXIT });
  }

  private reword(message: string, code: string | undefined): string {
    if (code === 'commander.excessArguments') {
      const expected = this.registeredArguments.map((a) => a.name());
      const extra = this.args[expected.length];
      const takes =
        expected.length === 0
          ? 'no arguments'
          : expected.length === 1
            ? `one ${expected[0]}`
            : `${expected.length} arguments`;
      return `Unexpected argument '${extra}': ${this.name()} takes ${takes}`;
    }
    return message
      .replace(/^error: unknown option '([^'=]*)=[^']*'/, "error: unknown option '$1'")
      .replace(/^error: (.)/, (_, first: string) => first.toUpperCase());
  }
}

/** A command that will not do what it was asked, with the reason (exit 2, nothing changed). */
export class CommandRefused extends Refused {}

/**
 * The exit code of a run that threw, after telling the user why: 2 for a usage error (already
 * printed by commander with the usage) or a refusal of the rules (a closed month, an unknown
 * account), 1 for a failure.
 */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  console.error(err instanceof Error ? err.message : err);
  return err instanceof Refused ? USAGE_EXIT : 1;
}

/** Opens the database the config names (migrated to the latest schema if asked), runs `fn`, closes it. */
export async function withDb<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrate: boolean } = { migrate: false },
): Promise<T> {
  const db = openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    poolSize: config.dbPoolSize,
    timeouts: config.db.jobs,
  });
  try {
    if (opts.migrate) {
      await migrateToLatest(db);
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** A progress bar on stderr (stdout stays for the result), drawn from the first update on. */
export function progressBar(format: string): { update(done: number, total: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) {
        bar.stop();
        started = false;
      }
    },
  };
}

// Parsers of option and argument values: commander prints the message after naming the option
// and the value, and the command exits 2 before it opens the database.

/** A whole number from `min` to `max` (as `Number()` reads it, so `1e3` is 1000). */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** Any safe integer (a seed). */
export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('It must be a whole number.');
  }
  return n;
}

/** Text that is not empty (an empty reason would be recorded as given). */
export function nonEmpty(value: string): string {
  if (value.trim() === '') {
    throw new InvalidArgumentError('It must not be empty.');
  }
  return value;
}

/** A billing period, YYYY-MM. */
export function period(value: string): string {
  if (!isPeriod(value)) {
    throw new InvalidArgumentError('It must be a period, YYYY-MM.');
  }
  return value;
}

/** A calendar date, YYYY-MM-DD. */
export function isoDate(value: string): string {
  if (!isIsoDate(value)) {
    throw new InvalidArgumentError('It must be a date, YYYY-MM-DD.');
  }
  return value;
}

/** A comma-separated list of reading ids. */
export function idList(value: string): number[] {
  return value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      if (!/^[0-9]+$/.test(x)) {
        throw new InvalidArgumentError(`"${x}" is not a reading id.`);
      }
      return Number(x);
    });
}
