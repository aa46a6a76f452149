import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { loadBillDocument } from './bill-document.ts';
import type { BillingContext } from './billing.routes.tsx';
import type { PdfRenderer } from './pdf/pdf-pool.ts';

/**
 * A month's bill of any account for the back office's account card (operators and accountants:
 * rights.ts), the same PDF the customer downloads, rendered by the same pool. The staff guard
 * (office.guard.tsx) admits the request before it gets here.
 */
export function registerOfficeBillRoute(app: FastifyInstance, ctx: BillingContext, pdf: PdfRenderer): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/office/accounts/:id/bills/:file',
    {
      schema: {
        params: Type.Object({
          id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
          file: Type.String({ maxLength: 40 }),
        }),
        response: { 200: Type.Unknown(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const m = /^(\d{4}-(?:0[1-9]|1[0-2]))\.pdf$/.exec(req.params.file);
      const bill = m
        ? await loadBillDocument(ctx.db.kysely, req.params.id, m[1]!, ctx.config.billing.dueDay)
        : undefined;
      if (!bill) {
        const page = (
          <ErrorPage
            supplierName={ctx.supplierName}
            title="Квитанция не найдена"
            message="Квитанции за этот период у этого лицевого счёта нет."
            back={`/office/accounts/${req.params.id}`}
          />
        );
        return reply.code(404).type('text/html; charset=utf-8').send(renderPage(page));
      }
      const file = await pdf.bill(bill);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `inline; filename="${bill.customer.account}-${bill.period}.pdf"`)
        .send(file);
    },
  );
}
