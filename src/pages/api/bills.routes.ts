import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { loadBillDocument } from '../../features/billing/bill-document.ts';
import type { PdfRenderer } from '../../features/billing/pdf/pdf-pool.ts';
import { attachedAccount } from './api.auth.ts';
import type { ApiContext } from './api.routes.ts';
import { AccountParams, PERIOD } from './api.schemas.ts';
import { ApiProblem, problemResponses } from './problems.ts';

/** A month's bill as a PDF, the same document the cabinet serves. */
export function registerBillRoute(app: FastifyInstance, ctx: ApiContext, pdf: PdfRenderer): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/accounts/:number/bills/:period.pdf',
    {
      schema: {
        summary: "A closed month's bill (PDF)",
        tags: ['accounts'],
        params: Type.Object({
          ...AccountParams.properties,
          period: Type.String({ pattern: PERIOD, description: 'YYYY-MM' }),
        }),
        response: {
          200: {
            description: 'The bill',
            content: { 'application/pdf': { schema: Type.Unknown({ description: 'PDF' }) } },
          },
          ...problemResponses(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const bill = await loadBillDocument(
        ctx.db.kysely,
        account.accountId,
        req.params.period,
        ctx.config.billing.dueDay,
      );
      if (!bill) {
        throw new ApiProblem(
          404,
          'not-found',
          'Квитанции за этот период нет. Квитанции формируются после закрытия расчётного месяца.',
        );
      }
      const file = await pdf.bill(bill);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `inline; filename="${account.number}-${bill.period}.pdf"`)
        .send(file);
    },
  );
}
