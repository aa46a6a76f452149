import type { FastifyPluginCallback } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { mailingProgress } from '../../features/mail/mailing.ts';
import { latestPeriod } from '../../features/billing/billing.repository.ts';
import { readingsUnderReview } from '../../features/readings/readings.repository.ts';
import { countUnallocated } from '../../features/imports/registry.allocate.ts';
import { StartPage, type StartFigures } from './start.view.tsx';

export interface OfficeStartPluginOptions {
  ctx: AppContext;
}

/** The back office's start page (/office, any staff role): figures from readings, billing, mail and imports. */
export const officeStartPlugin: FastifyPluginCallback<OfficeStartPluginOptions> = (app, { ctx }, done) => {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/office', { schema: { response: { 200: Type.String() } } }, async (req, reply) => {
      const db = ctx.db.kysely;
      const [review, period, progress, unallocated] = await Promise.all([
        readingsUnderReview(db),
        latestPeriod(db),
        mailingProgress(db, { kind: 'bill' }),
        countUnallocated(db),
      ]);
      const figures: StartFigures = {
        review,
        period,
        unallocated,
        mailing: progress && {
          period: progress.period,
          total: progress.total,
          queued: progress.counts.queued + progress.counts.sending,
          sent: progress.counts.sent,
          failed: progress.counts.failed,
          cancelled: progress.counts.cancelled,
          bounced: progress.counts.bounced,
        },
      };
      const page = (
        <StartPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          user={staffOf(req).user}
          figures={figures}
        />
      );
      return reply.type('text/html; charset=utf-8').send(renderPage(page));
    });
  done();
};
