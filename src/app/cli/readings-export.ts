import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import { exportReadings, type ExportFormat } from '../../features/readings/readings.backoffice.ts';
import { CHANNEL_TITLES } from '../../features/readings/reading-titles.ts';
import { isoDate, withDb } from './common.ts';

interface Options {
  from: string;
  to: string;
  format: ExportFormat;
  channel?: string;
  out?: string;
}

export function register(cli: Command): void {
  cli
    .command('readings-export')
    .summary('the readings dated D..D for the specialists; stdout by default')
    .description(
      'Write the readings dated D..D for the specialists: account, meter, zone values, date, channel, status, ' +
        'reason, billing month (CSV in UTF-8 with a BOM, or JSON).',
    )
    .requiredOption('--from <D>', 'the first date, YYYY-MM-DD', isoDate)
    .requiredOption('--to <D>', 'the last date, YYYY-MM-DD', isoDate)
    .addOption(new Option('--format <format>', 'the file format').choices(['csv', 'json']).default('csv'))
    .option(
      '--channel <c1,c2>',
      `only the readings that came by these channels: ${Object.keys(CHANNEL_TITLES).join(', ')}`,
    )
    .option('--out <FILE>', 'write to this file instead of stdout')
    .action(run);
}

async function run(opts: Options, command: Command): Promise<void> {
  if (opts.from > opts.to) {
    command.error(`--from ${opts.from} is after --to ${opts.to}`);
  }
  const channels = opts.channel
    ?.split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const unknown = channels?.filter((c) => !Object.hasOwn(CHANNEL_TITLES, c)) ?? [];
  if (unknown.length > 0) {
    command.error(
      `unknown --channel ${unknown.join(',')}: the channels are ${Object.keys(CHANNEL_TITLES).join(', ')}`,
    );
  }
  const config = loadConfig();
  const out = opts.out ? fs.openSync(opts.out, 'w') : 1;
  try {
    const n = await withDb(config, (db) =>
      exportReadings(
        db.kysely,
        { from: opts.from, to: opts.to, format: opts.format, ...(channels ? { channels } : {}) },
        (chunk) => {
          fs.writeSync(out, chunk);
        },
      ),
    );
    console.error(`exported ${n} readings`);
  } finally {
    if (out !== 1) {
      fs.closeSync(out);
    }
  }
}
