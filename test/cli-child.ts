import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliEnvFor } from './db.ts';
import { portalArgs } from './portal-process.ts';

// The CLI in a child process of its own, as an operator runs it, on a test database: for the
// tests that kill it with SIGKILL half-way (imports, closing) and run it again.

export interface CliRun {
  /** The process; `exitCode` is null while it runs. */
  child: ReturnType<typeof spawn>;
  /** Its exit code (null when killed) and everything it wrote to stdout and stderr. */
  done: Promise<{ code: number | null; out: string }>;
}

/** Starts `npm run cli -- ARGS` (without npm) on the database at `dbUrl`, logging nothing. */
export function runCli(dbUrl: string, args: string[]): CliRun {
  const child = spawn(process.execPath, portalArgs('cli', args), {
    env: cliEnvFor(dbUrl, { LOG_LEVEL: 'silent' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
  return { child, done };
}

/**
 * Kills the run with SIGKILL as soon as `ready` says so (checked every `pollMs`, for at most
 * `tries` times), or when the tries are over; returns how it ended. A run that finished first is
 * not killed: the caller's assertions on what it left then say that the kill came too late.
 */
export async function killWhen(
  run: CliRun,
  ready: () => boolean | Promise<boolean>,
  { pollMs = 20, tries = 12_000 }: { pollMs?: number; tries?: number } = {},
): Promise<{ code: number | null; out: string }> {
  for (let i = 0; i < tries && run.child.exitCode === null; i++) {
    if (await ready()) {
      break;
    }
    await sleep(pollMs);
  }
  run.child.kill('SIGKILL');
  return run.done;
}
