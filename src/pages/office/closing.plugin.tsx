import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { periodTitle } from '../../domain/dates.ts';
import { formatInteger } from '../../domain/format.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { recordStaffAudit } from '../../features/office/staff-session.repository.ts';
import {
  closingOverview,
  closingProblem,
  confirmClosing,
  currentPeriodOf,
  parseSummary,
  requestClosing,
} from '../../features/billing/closing-job.ts';
import { enqueueBillMailing } from '../../features/mail/mailing.ts';
import { ClosingPage, REFRESH_SECONDS, type ClosingPageProps } from './closing.view.tsx';
import type { Kit } from './account-actions.kit.tsx';

export interface OfficeClosingPluginOptions {
  ctx: AppContext;
}

type Extra = Pick<
  ClosingPageProps,
  'asking' | 'refused' | 'done' | 'auto' | 'reason' | 'reasonError' | 'confirmReason' | 'confirmReasonError'
>;
type Show = (
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  extra?: Extra,
) => Promise<FastifyReply>;
type Routes = Kit['r'];

/**
 * The accountant's month closing (/office/closing): the closing is queued here and run by the
 * billing feature's job (closing-job.ts); its summary, confirmed here, releases the bill mailing
 * (the mail feature). Both the start and the confirmation take a mandatory reason («Основание»)
 * and are audited with it (who, when, before and after).
 */
export const officeClosingPlugin: FastifyPluginCallback<OfficeClosingPluginOptions> = (
  app,
  { ctx },
  done,
) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;
  const currentPeriod = () => currentPeriodOf(ctx.clock, ctx.config.timeZone);

  const show: Show = async (req, reply, status, extra = {}) => {
    const overview = await closingOverview(db, currentPeriod());
    if (extra.auto && overview.active) {
      // Asked for by the accountant («Обновлять автоматически»): the browser reloads by itself.
      reply.header('Refresh', `${REFRESH_SECONDS}; url=/office/closing?auto=1`);
    }
    const page = (
      <ClosingPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        timeZone={ctx.config.timeZone}
        {...overview}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get(
    '/office/closing',
    {
      schema: {
        querystring: Type.Object({ auto: Type.Optional(Type.String({ maxLength: 5 })) }),
        response: Html,
      },
    },
    async (req, reply) => show(req, reply, 200, { auto: req.query.auto === '1' }),
  );

  registerStart(r, ctx, show);
  registerConfirm(r, ctx, show);
  done();
};

const Html = { 200: Type.String(), 400: Type.String(), 409: Type.String() };
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const Reason = { reason: Type.Optional(Type.String({ maxLength: 2000 })) };

/** «Закрыть месяц»: asked again, then, with its reason, queued and audited. */
function registerStart(r: Routes, ctx: AppContext, show: Show): void {
  const db = ctx.db.kysely;
  const currentPeriod = () => currentPeriodOf(ctx.clock, ctx.config.timeZone);
  r.post(
    '/office/closing',
    {
      schema: {
        body: Type.Object({
          period: Type.Optional(Type.String({ maxLength: 20 })),
          confirm: Type.Optional(Type.String({ maxLength: 10 })),
          ...Reason,
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const period = req.body.period ?? '';
      if (req.body.confirm !== 'yes') {
        // The first press asks again; nothing is stored yet.
        const problem = await closingProblem(db, period, currentPeriod());
        return problem
          ? show(req, reply, 400, { refused: problem })
          : show(req, reply, 200, { asking: period });
      }
      const reason = req.body.reason ?? '';
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        // A period that cannot be closed says so first; otherwise the question again, with what was typed.
        const problem = await closingProblem(db, period, currentPeriod());
        return problem
          ? show(req, reply, 409, { refused: problem })
          : show(req, reply, 400, { asking: period, reason, reasonError });
      }
      const now = ctx.clock.now().getTime();
      const staffUserId = staffOf(req).user.id;
      const result = await db.transaction().execute(async (tx) => {
        const res = await requestClosing(tx, { period, currentPeriod: currentPeriod(), staffUserId, now });
        if (res.kind === 'ok') {
          await recordStaffAudit(tx, now, {
            staffUserId,
            event: 'closing.start',
            outcome: 'ok',
            ip: req.ip,
            details: {
              target: period,
              reason: reason.trim(),
              before: { job: null },
              after: { job: res.id, state: 'queued' },
            },
          });
        }
        return res;
      });
      if (result.kind === 'refused') {
        return show(req, reply, 409, { refused: result.message });
      }
      return reply.redirect('/office/closing', 303);
    },
  );
}

/** «Подтвердить итоги»: with its reason, audited, and the bill mailing queued in the same transaction. */
function registerConfirm(r: Routes, ctx: AppContext, show: Show): void {
  const db = ctx.db.kysely;
  r.post(
    '/office/closing/:id/confirm',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
        body: Type.Object({ ...Reason, ...Csrf }),
        response: Html,
      },
    },
    async (req, reply) => {
      const reason = req.body.reason ?? '';
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        return show(req, reply, 400, { confirmReason: reason, confirmReasonError: reasonError });
      }
      const now = ctx.clock.now();
      const staffUserId = staffOf(req).user.id;
      const result = await db.transaction().execute(async (tx) => {
        const res = await confirmClosing(tx, req.params.id, staffUserId, now.getTime());
        if (res.kind === 'refused') {
          return res;
        }
        // The mailing is queued in the confirmation's transaction: both happen, or neither.
        const mailing = await enqueueBillMailing(tx, { period: res.job.period, now });
        await recordStaffAudit(tx, now.getTime(), {
          staffUserId,
          event: 'closing.confirm',
          outcome: 'ok',
          ip: req.ip,
          details: {
            target: res.job.period,
            reason: reason.trim(),
            before: { confirmed: false },
            after: { confirmed: true, summary: parseSummary(res.job.summary), billsQueued: mailing.queued },
          },
        });
        return { kind: 'ok' as const, period: res.job.period, queued: mailing.queued };
      });
      if (result.kind === 'refused') {
        return show(req, reply, 409, { refused: result.message });
      }
      return show(req, reply, 200, {
        done: `Итоги за ${periodTitle(result.period)} подтверждены. Квитанций в очереди рассылки: ${formatInteger(result.queued)}.`,
      });
    },
  );
}
