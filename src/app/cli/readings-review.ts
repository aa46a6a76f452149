import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { queueReviewOutcome } from '../../features/mail/office-mail.ts';
import { loadConfig } from '../config.ts';
import {
  parseDecisionsCsv,
  reviewReadings,
  type ReviewDecision,
} from '../../features/readings/readings.backoffice.ts';
import { idList, withDb } from './common.ts';

interface Options {
  accept?: number[];
  reject?: number[];
  file?: string;
  note?: string;
}

export function register(cli: Command): void {
  cli
    .command('readings-review')
    .summary('decide readings under review')
    .description(
      'Decide readings under review; each decision is audited. Prints one line per decision ' +
        '(id, decision, result) and exits 1 if any could not be applied.',
    )
    .option('--accept <IDS>', 'accept these readings (ids separated by commas)', idList)
    .option('--reject <IDS>', 'reject these readings (ids separated by commas)', idList)
    .option(
      '--file <decisions.csv>',
      'decisions from a CSV file with the header id,decision[,note]; decisions accepted/rejected or принять/отклонить',
    )
    .option('--note <TEXT>', 'a note kept with the --accept and --reject decisions')
    .action(run);
}

async function run(opts: Options, command: Command): Promise<void> {
  const note = opts.note ? { note: opts.note } : {};
  const decisions: ReviewDecision[] = [
    ...(opts.accept ?? []).map((id) => ({ id, decision: 'accepted' as const, ...note })),
    ...(opts.reject ?? []).map((id) => ({ id, decision: 'rejected' as const, ...note })),
    ...(opts.file ? parseDecisionsCsv(fs.readFileSync(opts.file, 'utf8')) : []),
  ];
  if (decisions.length === 0) {
    command.error('nothing to decide: give --accept, --reject or --file');
  }
  const config = loadConfig();
  const results = await withDb(config, (db) =>
    reviewReadings(db.kysely, decisions, {
      now: () => new Date(),
      operator: os.userInfo().username,
      // The customer learns the outcome by e-mail, as from the back office's queue.
      afterDecision: async (tx, d) => {
        await queueReviewOutcome(tx, { accountId: d.accountId, period: d.period, now: new Date() });
      },
    }),
  );
  for (const r of results) {
    console.log(`${r.id}\t${r.decision}\t${r.result}`);
  }
  const done = results.filter((r) => r.result === 'done').length;
  console.error(`${done} of ${results.length} decisions applied`);
  if (done !== results.length) {
    process.exitCode = 1;
  }
}
