import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CLOSING_LEASE_MS, runClosingJobs } from '../../features/billing/closing-job.ts';
import { heapGuard } from '../../platform/memory.ts';
import { nonEmpty, progressBar, wholeNumber, withDb } from './common.ts';

interface Options {
  drain?: boolean;
  id?: string;
  batchSize: number;
  leaseSeconds: number;
}

export function register(cli: Command): void {
  cli
    .command('closing-worker')
    .summary('run the month closings requested at /office/closing (as a listening portal does)')
    .description(
      'Run the month closings requested from the back office (/office/closing), as every listening portal ' +
        'does by itself. A closing held by a runner that died is taken over when its lease ends and continues ' +
        'after the last account it recorded. The summary then waits for an accountant at /office/closing.',
    )
    .option('--drain', 'stop when no closing is waiting (otherwise run until Ctrl+C)')
    .option('--id <NAME>', "this runner's name in the lease, followed by :pid (default: host:pid)", nonEmpty)
    .option(
      '--batch-size <N>',
      'accounts per batch (one transaction each), 1 to 100000',
      wholeNumber(1, 100_000),
      2000,
    )
    .option(
      '--lease-seconds <S>',
      'how long a runner that stopped recording progress keeps its closing, 1 to 3600',
      wholeNumber(1, 3600),
      CLOSING_LEASE_MS / 1000,
    )
    .action(run);
}

async function run(opts: Options): Promise<void> {
  const config = loadConfig();
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const owner = `${opts.id ?? hostname()}:${process.pid}`;
  const bar = progressBar('closing [{bar}] {percentage}% {value}/{total} accounts, {eta_formatted} left');
  const guard = heapGuard(64);
  try {
    await withDb(
      config,
      (db) =>
        runClosingJobs(
          {
            db,
            clock: { now: () => new Date() },
            timeZone: config.timeZone,
            limits: config.billing,
            readingsLastDay: config.readingsLastDay,
          },
          {
            owner,
            leaseMs: opts.leaseSeconds * 1000,
            batchSize: opts.batchSize,
            pollMs: 3000,
            drain: opts.drain === true,
            signal: controller.signal,
            afterBatch: (done, total) => {
              bar.update(done, total);
              guard();
            },
          },
        ),
      { migrate: true },
    );
  } finally {
    bar.stop();
  }
  console.log(`closing-worker ${owner}: stopped`);
}
