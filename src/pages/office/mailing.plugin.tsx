import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { isPeriod, periodTitle } from '../../domain/dates.ts';
import { formatInteger } from '../../domain/format.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { recordStaffAudit } from '../../features/office/staff-session.repository.ts';
import { billMailings, mailingProgress, retryFailedBills } from '../../features/mail/mailing.ts';
import { MailingPage, type MailingPageProps } from './mailing.view.tsx';

export interface OfficeMailingPluginOptions {
  ctx: AppContext;
}

/** Periods shown on the page. */
const PERIODS = 12;

/**
 * The accountant's bill mailing (/office/mailing): each period's messages by state, the latest
 * errors, and the failed bills of a period queued again with a reason (audited). A page: the
 * mail feature's outbox and the office's staff and audit.
 */
export const officeMailingPlugin: FastifyPluginCallback<OfficeMailingPluginOptions> = (
  app,
  { ctx },
  done,
) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;
  const Html = { 200: Type.String(), 400: Type.String() };

  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Pick<MailingPageProps, 'done' | 'refused'> = {},
  ) => {
    const [mailings, latest] = await Promise.all([
      billMailings(db, PERIODS),
      mailingProgress(db, { kind: 'bill' }),
    ]);
    const page = (
      <MailingPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        mailings={mailings}
        failures={latest?.failures ?? []}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get('/office/mailing', { schema: { response: Html } }, async (req, reply) => show(req, reply, 200));

  r.post(
    '/office/mailing/retry',
    {
      schema: {
        body: Type.Object({
          period: Type.String({ maxLength: 20 }),
          reason: Type.Optional(Type.String({ maxLength: 2000 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const { period } = req.body;
      const reason = (req.body.reason ?? '').trim();
      if (!isPeriod(period)) {
        return show(req, reply, 400, { done: 'Период не распознан: откройте страницу заново.' });
      }
      const problem = reasonProblem(reason);
      if (problem) {
        return show(req, reply, 400, { refused: { period, error: problem, reason } });
      }
      const now = ctx.clock.now();
      const queued = await db.transaction().execute(async (tx) => {
        const n = await retryFailedBills(tx, period, now);
        await recordStaffAudit(tx, now.getTime(), {
          staffUserId: staffOf(req).user.id,
          event: 'mailing.retry',
          outcome: 'ok',
          ip: req.ip,
          details: { reason, target: period, before: { failed: n }, after: { queued: n } },
        });
        return n;
      });
      return show(req, reply, 200, {
        done: `${periodTitle(period)}: снова в очереди ${formatInteger(queued)}.`,
      });
    },
  );
  done();
};
