import type { FastifyPluginCallback } from 'fastify';
import type { Job } from '../../platform/jobs.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import type { MailContext } from './mail.config.ts';
import { scrubEmails } from './email-address.ts';
import { registerMailRoutes, type MailRoutesOptions } from './mail.routes.tsx';
import { runMailWorker } from './mail.worker.ts';
import { countUnfinishedByStatus } from './outbox.repository.ts';
import type { MailTransport } from './transport.ts';

export interface MailPluginOptions extends MailRoutesOptions {
  ctx: MailContext;
  jobs: Job[];
  metrics: Metrics;
  /**
   * The SMTP (or .eml) transport, made by app.ts so that the back office's address form sends its
   * confirmation links through the same one; closed here when the app closes.
   */
  transport: MailTransport;
}

/**
 * Bills by e-mail: the address form, the confirmation and unsubscribe links, and (with
 * MAIL_WORKER_IN_SERVER) an outbox worker in each listening portal process; otherwise the outbox
 * is sent by `npm run cli -- mail-worker`.
 */
export const mailPlugin: FastifyPluginCallback<MailPluginOptions> = (
  app,
  { ctx, jobs, metrics, transport, ...routes },
  done,
) => {
  registerMailRoutes(app, ctx, transport, routes);
  metrics.gauge({
    name: 'lk_mail_outbox_messages',
    help: 'Messages of the mail outbox not sent yet (queued, sending), and those that bounced (bounced)',
    labelNames: ['status'],
    collect: async () => {
      const counts = await countUnfinishedByStatus(ctx.db.kysely);
      return ['queued', 'sending', 'bounced'].map((status) => ({
        labels: { status },
        value: counts.get(status) ?? 0,
      }));
    },
  });
  if (ctx.config.mail.workerInServer) {
    jobs.push({
      name: 'mail worker',
      async run(signal, log) {
        try {
          await runMailWorker({
            db: ctx.db,
            transport,
            mail: ctx.config.mail,
            publicUrl: ctx.config.publicUrl,
            dueDay: ctx.config.billing.dueDay,
            timeZone: ctx.config.timeZone,
            readingsLastDay: ctx.config.readingsLastDay,
            clock: ctx.clock,
            signal,
            log,
          });
        } catch (err) {
          // Addresses never reach the logs, not even in an error's text.
          throw new Error(scrubEmails(String(err)), { cause: err });
        }
      },
    });
  }
  // Closed after the jobs have stopped: app/jobs.ts's hook is registered after every feature.
  app.addHook('onClose', (_app, done) => {
    transport.close();
    done();
  });
  done();
};
