import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { generate } from '../../tools/generate/generate.ts';
import { integer, wholeNumber, withDb } from './common.ts';

interface Options {
  accounts: number;
  seed: number;
}

export function register(cli: Command): void {
  cli
    .command('generate')
    .summary('fill the database with N generated accounts (deterministic for a seed)')
    .description(
      'Add N realistic accounts with two years of history up to today (meters, readings, payments, charges), ' +
        'with a progress bar. The same seed on the same day gives the same data.',
    )
    .option('--accounts <N>', 'how many accounts to add, 1 to 10000000', wholeNumber(1, 10_000_000), 1000)
    .option('--seed <S>', 'the seed of the generated data, a whole number', integer, 1)
    .action(async (opts: Options) => {
      const config = loadConfig();
      await withDb(
        config,
        async (db) => {
          const started = Date.now();
          const res = await generate(db, {
            accounts: opts.accounts,
            seed: opts.seed,
            now: new Date(),
            timeZone: config.timeZone,
            progress: true,
            // The generated history follows the same rules the closing applies.
            billing: config.billing,
            readingsLastDay: config.readingsLastDay,
          });
          console.log(
            `generated ${res.accounts} accounts (${res.readings} readings, ${res.payments} payments, ${res.charges} charges) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
        },
        { migrate: true },
      );
    });
}
