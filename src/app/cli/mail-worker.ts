import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../config.ts';
import { runMailWorker, workerName } from '../../features/mail/mail.worker.ts';
import { createMailTransport } from '../../features/mail/transport.ts';
import { heapGuard } from '../../platform/memory.ts';
import { nonEmpty, withDb } from './common.ts';

interface Options {
  drain?: boolean;
  id?: string;
}

export function register(cli: Command): void {
  cli
    .command('mail-worker')
    .summary('send the queued e-mails (SMTP_URL, or .eml files in DATA_DIR/outbox-eml)')
    .description(
      'Send the queued e-mails through SMTP_URL, or as .eml files in DATA_DIR/outbox-eml. Any number of ' +
        "workers may run at once, each message is sent once; a killed worker's messages are taken over " +
        'when its lease ends.',
    )
    .option('--drain', 'stop when nothing is left to send (otherwise run until Ctrl+C)')
    .option(
      '--id <NAME>',
      "this worker's name in the queue, followed by :pid (default: host:pid:random)",
      nonEmpty,
    )
    .action(run);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

async function run(opts: Options): Promise<void> {
  const config = loadConfig();
  if (!config.publicUrlGiven) {
    // The default, http://localhost:$PORT, is the server's own address only when PORT is the
    // server's: this process would write links to whatever port it was started with.
    throw new Error(
      'PUBLIC_URL is not set: the e-mails carry links to the portal, and the worker takes them from PUBLIC_URL only',
    );
  }
  const logger = pino({ level: config.logLevel }, pino.destination(2));
  const transport = createMailTransport(config.mail);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const owner = opts.id ? `${opts.id}:${process.pid}` : workerName();
  const started = Date.now();
  let outcomes = 0;
  const ticker = setInterval(() => logger.info({ handled: outcomes }, 'mail-worker progress'), 10_000);
  ticker.unref();
  try {
    const stats = await withDb(
      config,
      (db) =>
        runMailWorker({
          db,
          transport,
          mail: config.mail,
          publicUrl: config.publicUrl,
          dueDay: config.billing.dueDay,
          timeZone: config.timeZone,
          readingsLastDay: config.readingsLastDay,
          owner,
          drain: opts.drain === true,
          signal: controller.signal,
          log: logger,
          onOutcome: () => outcomes++,
          afterBatch: heapGuard(64),
        }),
      { migrate: true },
    );
    const secs = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `mail-worker ${owner}: sent ${stats.sent}, retried ${stats.retried}, failed ${stats.failed}, bounced ${stats.bounced}, cancelled ${stats.cancelled}, lost leases ${stats.lost}; ${secs.toFixed(1)} s, ${(stats.sent / Math.max(secs, 0.001)).toFixed(1)} messages/s, CPU ${(cpuMs / Math.max(stats.sent, 1)).toFixed(1)} ms/message, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (${transport.kind})`,
    );
  } finally {
    clearInterval(ticker);
    transport.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
