import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.ts';
import { openDb, type Db } from '../../platform/db/connect.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { dateInZone } from '../../domain/dates.ts';
import {
  enqueueBillMailing,
  enqueueReminders,
  mailingProgress,
  MailingRefused,
  progressBar,
  type MailingProgress,
} from '../../features/mail/mailing.ts';
import { runMailWorker, workerName } from '../../features/mail/mail.worker.ts';
import { createMailTransport } from '../../features/mail/transport.ts';
import { heapGuard } from '../../platform/memory.ts';

export const MAIL_USAGE = `  mail-enqueue [YYYY-MM]          queue the bill e-mails of a closed month (default: the last closed one)
                                  for every account with a confirmed, subscribed address
  mail-worker [--drain] [--id NAME]
                                  send the queued e-mails (SMTP_URL, or .eml files in DATA_DIR/outbox-eml);
                                  --drain: stop when nothing is left; otherwise run until Ctrl+C
  mail-status [YYYY-MM] [--kind bill|reminder] [--watch]
                                  the mailing's progress bar and counts: queued, sent, failed
  mail-reminders                  queue this month's reminders to send readings (MAIL_REMINDERS=true)`;

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openDb({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    poolSize: config.dbPoolSize,
  });
  try {
    await migrateToLatest(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

function statusLines(p: MailingProgress): string[] {
  const c = p.counts;
  return [
    `${p.kind === 'bill' ? 'bills' : 'reminders'} ${p.period} ${progressBar(p.done, p.total)}`,
    `queued ${c.queued + c.sending} (sending now ${c.sending}), sent ${c.sent}, failed ${c.failed}, cancelled ${c.cancelled}`,
    ...p.failures.map((f) => `  failed: ${f.account}: ${f.error}`),
  ];
}

/** The mail-* commands of the CLI; returns the exit code. */
export async function runMailCommand(command: string, args: string[]): Promise<number> {
  try {
    switch (command) {
      case 'mail-enqueue': {
        const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
        const config = loadConfig();
        const res = await withDb(config, (db) =>
          enqueueBillMailing(db.kysely, {
            ...(positionals[0] ? { period: positionals[0] } : {}),
            now: new Date(),
          }),
        );
        console.log(`${res.period}: ${res.queued} bill e-mails queued; send them with mail-worker`);
        return 0;
      }
      case 'mail-reminders': {
        parseArgs({ args, options: {} });
        const config = loadConfig();
        if (!config.mail.reminders) {
          console.log('reminders are off (MAIL_REMINDERS=false): nothing queued');
          return 0;
        }
        try {
          const now = new Date();
          const res = await withDb(config, (db) =>
            enqueueReminders(db.kysely, {
              today: dateInZone(now, config.timeZone),
              reminderDay: config.mail.reminderDay,
              readingsLastDay: config.readingsLastDay,
              now,
            }),
          );
          console.log(`${res.period}: ${res.queued} reminders queued; send them with mail-worker`);
        } catch (err) {
          // Run daily from cron: outside the window there is simply nothing to do.
          if (!(err instanceof MailingRefused)) {
            throw err;
          }
          console.log(`${err.message}: nothing queued`);
        }
        return 0;
      }
      case 'mail-status': {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { kind: { type: 'string', default: 'bill' }, watch: { type: 'boolean', default: false } },
        });
        if (values.kind !== 'bill' && values.kind !== 'reminder') {
          console.error('--kind is bill or reminder');
          return 2;
        }
        const kind = values.kind;
        const config = loadConfig();
        return await withDb(config, async (db) => {
          const read = () =>
            mailingProgress(db.kysely, { kind, ...(positionals[0] ? { period: positionals[0] } : {}) });
          let p = await read();
          if (!p) {
            console.log(`no ${kind} e-mails queued yet (mail-enqueue)`);
            return 0;
          }
          if (!values.watch || !process.stdout.isTTY) {
            for (const line of statusLines(p)) {
              console.log(line);
            }
            return 0;
          }
          for (;;) {
            process.stdout.write(
              `\r\x1b[2K${statusLines(p)[0]}  sent ${p.counts.sent}, failed ${p.counts.failed}`,
            );
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
          return 0;
        });
      }
      case 'mail-worker': {
        const { values } = parseArgs({
          args,
          options: { drain: { type: 'boolean', default: false }, id: { type: 'string' } },
        });
        const config = loadConfig();
        const logger = pino({ level: config.logLevel }, pino.destination(2));
        const transport = createMailTransport(config.mail);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const owner = values.id ? `${values.id}:${process.pid}` : workerName();
        const started = Date.now();
        let outcomes = 0;
        const ticker = setInterval(() => logger.info({ handled: outcomes }, 'mail-worker progress'), 10_000);
        ticker.unref();
        try {
          const stats = await withDb(config, (db) =>
            runMailWorker({
              db,
              transport,
              mail: config.mail,
              publicUrl: config.publicUrl,
              dueDay: config.billing.dueDay,
              timeZone: config.timeZone,
              readingsLastDay: config.readingsLastDay,
              owner,
              drain: values.drain,
              signal: controller.signal,
              log: logger,
              onOutcome: () => outcomes++,
              afterBatch: heapGuard(64),
            }),
          );
          const secs = (Date.now() - started) / 1000;
          const cpu = process.cpuUsage();
          const cpuMs = (cpu.user + cpu.system) / 1000;
          console.log(
            `mail-worker ${owner}: sent ${stats.sent}, retried ${stats.retried}, failed ${stats.failed}, cancelled ${stats.cancelled}, lost leases ${stats.lost}; ${secs.toFixed(1)} s, ${(stats.sent / Math.max(secs, 0.001)).toFixed(1)} messages/s, CPU ${(cpuMs / Math.max(stats.sent, 1)).toFixed(1)} ms/message, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (${transport.kind})`,
          );
          return 0;
        } finally {
          clearInterval(ticker);
          transport.close();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }
      default:
        console.error(`unknown command: ${command}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof MailingRefused) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}
