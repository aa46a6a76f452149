import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import { mailingProgress, progressBar, type MailingProgress } from '../../features/mail/mailing.ts';
import type { Db } from '../../platform/db/connect.ts';
import { period, withDb } from './common.ts';

interface Options {
  kind: 'bill' | 'reminder';
  watch?: boolean;
}

export function register(cli: Command): void {
  cli
    .command('mail-status')
    .summary("the mailing's progress bar and counts: queued, sent, failed")
    .description("The mailing's progress bar and counts: queued, sent, failed, cancelled, and the failures.")
    .argument('[period]', 'the period of the mailing, YYYY-MM (default: the latest)', period)
    .addOption(new Option('--kind <kind>', 'which mailing').choices(['bill', 'reminder']).default('bill'))
    .option('--watch', 'on a terminal, redraw the progress every second until nothing is left to send')
    .action(async (given: string | undefined, opts: Options) => {
      const config = loadConfig();
      await withDb(config, (db) => show(db, given, opts), { migrate: true });
    });
}

async function show(db: Db, given: string | undefined, opts: Options): Promise<void> {
  const read = () => mailingProgress(db.kysely, { kind: opts.kind, ...(given ? { period: given } : {}) });
  let p = await read();
  if (!p) {
    console.log(`no ${opts.kind} e-mails queued yet (mail-enqueue)`);
    return;
  }
  if (!opts.watch || !process.stdout.isTTY) {
    for (const line of statusLines(p)) {
      console.log(line);
    }
    return;
  }
  for (;;) {
    process.stdout.write(`\r\x1b[2K${statusLines(p)[0]}  sent ${p.counts.sent}, failed ${p.counts.failed}`);
    if (p.counts.queued + p.counts.sending === 0) {
      break;
    }
    await sleep(1000);
    p = (await read())!;
  }
  process.stdout.write('\n');
  for (const line of statusLines(p).slice(1)) {
    console.log(line);
  }
}

function statusLines(p: MailingProgress): string[] {
  const c = p.counts;
  return [
    `${p.kind === 'bill' ? 'bills' : 'reminders'} ${p.period} ${progressBar(p.done, p.total)}`,
    `queued ${c.queued + c.sending} (sending now ${c.sending}), sent ${c.sent}, failed ${c.failed}, bounced ${c.bounced}, cancelled ${c.cancelled}`,
    ...p.failures.map((f) => `  failed: ${f.account}: ${f.error}`),
  ];
}
