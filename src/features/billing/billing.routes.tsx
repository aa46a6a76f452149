import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import type { CoreConfig } from '../../platform/config.ts';
import { dateInZone } from '../../domain/dates.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { customerOf, switcherFor, type RequireCustomer } from '../account/session.hook.ts';
import type { BillingConfig } from './billing.config.ts';
import { SlipPage } from './slip.view.tsx';
import { loadBillDocument, loadSlipDocument } from './bill-document.ts';
import type { PdfRenderer } from './pdf/pdf-pool.ts';
import { paymentQrMatrix, slipQrPayload } from './pdf/bill-qr.ts';

export type BillingContext = AppContext<CoreConfig & { billing: BillingConfig }>;

/** The customer's bills (PDF, one per closed month) and the payment slip (page and PDF). */
export function registerBillRoutes(
  app: FastifyInstance,
  ctx: BillingContext,
  requireCustomer: RequireCustomer,
  pdf: PdfRenderer,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const guard = requireCustomer();

  // The month's bill: only its owner reaches it (the charge is looked up by the session's account).
  r.get(
    '/cabinet/bills/:file',
    {
      preHandler: guard,
      schema: {
        params: Type.Object({ file: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object({ download: Type.Optional(Type.Literal('1')) }),
        response: { 200: Type.Unknown(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const m = /^(\d{4}-(?:0[1-9]|1[0-2]))\.pdf$/.exec(req.params.file);
      const bill = m
        ? await loadBillDocument(ctx.db.kysely, customerOf(req).accountId, m[1]!, ctx.config.billing.dueDay)
        : undefined;
      if (!bill) {
        return sendNoBill(ctx, reply);
      }
      const file = await pdf.bill(bill);
      const name = `${bill.customer.account}-${bill.period}.pdf`;
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `${req.query.download ? 'attachment' : 'inline'}; filename="${name}"`)
        .send(file);
    },
  );

  r.get(
    '/cabinet/slip',
    { preHandler: guard, schema: { response: { 200: Type.String() } } },
    async (req, reply) => {
      const slip = await loadSlip(ctx, customerOf(req).accountId);
      const html = renderPage(
        <SlipPage
          slip={slip}
          qr={paymentQrMatrix(slipQrPayload(slip))}
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          switcher={switcherFor(customerOf(req))}
        />,
      );
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  r.get(
    '/cabinet/slip.pdf',
    { preHandler: guard, schema: { response: { 200: Type.Unknown() } } },
    async (req, reply) => {
      const slip = await loadSlip(ctx, customerOf(req).accountId);
      const file = await pdf.slip(slip);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `inline; filename="${slip.customer.account}-${slip.date}.pdf"`)
        .send(file);
    },
  );
}

async function loadSlip(ctx: BillingContext, accountId: number) {
  const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
  const slip = await loadSlipDocument(ctx.db.kysely, accountId, today);
  if (!slip) {
    throw new Error('the session account has no row');
  }
  return slip;
}

function sendNoBill(ctx: BillingContext, reply: FastifyReply) {
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(
      renderPage(
        <ErrorPage
          supplierName={ctx.supplierName}
          title="Квитанция не найдена"
          message="Квитанции за этот период нет. Квитанции формируются после закрытия расчётного месяца."
          back="/cabinet"
        />,
      ),
    );
}
