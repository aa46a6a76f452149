import type { Command } from 'commander';
import { heapGuard } from '../../platform/memory.ts';
import { loadConfig } from '../config.ts';
import { closeMonth, type CloseResult } from '../../features/billing/close-month.ts';
import { addMonths, dateInZone, periodOf } from '../../domain/dates.ts';
import { period, progressBar, wholeNumber, withDb } from './common.ts';

interface Options {
  batchSize: number;
  workers: number;
}

export function register(cli: Command): void {
  cli
    .command('close-month')
    .summary("compute every account's charge for the period and close it")
    .description(
      "Compute every account's charge for the period by the rules in force, with a progress bar, and close it. " +
        'Periods close in order; a closed one never changes (a second run is a no-op); ' +
        'a run killed at any point can simply be run again. Refused (exit 2) while a closing started from the ' +
        'back office (/office/closing) is queued or running.',
    )
    .argument('[period]', 'the period to close, YYYY-MM (default: the month that just ended)', period)
    .option(
      '--batch-size <N>',
      'accounts per batch (one transaction each), 1 to 100000',
      wholeNumber(1, 100_000),
      2000,
    )
    .option(
      '--workers <W>',
      'worker threads that read and compute the next batches while this one writes, 0 to 16 (each adds about 70 MB)',
      wholeNumber(0, 16),
      1,
    )
    .action(run);
}

async function run(given: string | undefined, opts: Options): Promise<void> {
  const config = loadConfig();
  const currentPeriod = periodOf(dateInZone(new Date(), config.timeZone));
  const closing = given ?? addMonths(currentPeriod, -1);
  const bar = progressBar(
    `close ${closing} [{bar}] {percentage}% {value}/{total} accounts, {eta_formatted} left`,
  );
  const guard = heapGuard(64);
  const started = Date.now();
  let res: CloseResult;
  try {
    res = await withDb(
      config,
      (db) =>
        closeMonth(db, {
          period: closing,
          currentPeriod,
          limits: config.billing,
          readingsLastDay: config.readingsLastDay,
          now: () => new Date(),
          batchSize: opts.batchSize,
          outsideJobs: true,
          workers: {
            count: opts.workers,
            db: {
              databaseUrl: config.databaseUrl,
              sqlitePath: config.sqlitePath,
              poolSize: 2,
              timeouts: config.db.jobs,
            },
          },
          onProgress: (done, total) => {
            bar.update(done, total);
            guard();
          },
        }),
      { migrate: true },
    );
  } finally {
    bar.stop();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status === 'already_closed') {
    console.log(`${closing} is already closed: ${res.accounts} charges, nothing changed`);
  } else {
    console.log(
      `${closing} closed: ${res.accounts} charges (${res.computed} computed now), ${(res.totalKop / 100).toFixed(2)} ₽ charged, ${secs} s`,
    );
  }
}
