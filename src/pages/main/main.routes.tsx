import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { requireCustomer } from '../../features/account/session.hook.ts';
import { dateInZone } from '../../domain/dates.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { loadSubmittedNotice } from '../../features/readings/readings.service.ts';
import type { ReadingFormState } from '../../features/readings/readings.view.tsx';
import { mainPage, type MainPageProps } from './main.view.tsx';
import { loadMainPage, loadPageHead } from './main.service.ts';
import { addressView } from '../../features/mail/mail.service.ts';
import { flashOf, mailSectionModel } from '../../features/mail/mail.section.ts';
import type { MailFormState } from '../../features/mail/mail.view.tsx';
import { SlipPage } from '../../features/billing/slip.view.tsx';
import { loadBillDocument, loadSlipDocument } from '../../features/billing/bill-document.ts';
import { renderBillPdf } from '../../features/billing/pdf/bill-pdf.ts';
import { renderSlipPdf } from '../../features/billing/pdf/slip-pdf.ts';
import { paymentQrMatrix, slipQrPayload } from '../../features/billing/pdf/bill-qr.ts';

/** Renders the logged-in customer's main page, optionally with the reading form as it was posted. */
export async function sendMainPage(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: {
    status?: 200 | 400;
    readingState?: ReadingFormState;
    formKey?: string;
    submitted?: MainPageProps['submitted'];
    mailState?: MailFormState;
  } = {},
) {
  const accountId = req.customer!.accountId;
  const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
  const head = await loadPageHead(ctx.db, accountId);
  const model = await loadMainPage(ctx.db, accountId, today, head);
  const flash = opts.mailState ? undefined : flashOf(req);
  const html = mainPage({
    model,
    formKey: opts.formKey,
    supplierName: ctx.supplierName,
    csrfToken: reply.generateCsrf(),
    ...(opts.readingState ? { readingState: opts.readingState } : {}),
    ...(opts.submitted ? { submitted: opts.submitted } : {}),
    mail: mailSectionModel(ctx, addressView(head.mail), opts.mailState, flash),
  });
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(html);
}

export function registerCabinetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const guard = requireCustomer(ctx);

  r.get(
    '/cabinet',
    {
      preHandler: guard,
      schema: {
        querystring: Type.Object({
          reading: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          repeat: Type.Optional(Type.Literal('1')),
        }),
        response: { 200: Type.String() },
      },
    },
    async (req, reply) => {
      const submitted = req.query.reading
        ? await loadSubmittedNotice(
            ctx.db.kysely,
            req.customer!.accountId,
            Number(req.query.reading),
            req.query.repeat === '1',
          )
        : undefined;
      return sendMainPage(ctx, req, reply, submitted ? { submitted } : {});
    },
  );

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
        ? await loadBillDocument(ctx.db.kysely, req.customer!.accountId, m[1]!, ctx.config.billing.dueDay)
        : undefined;
      if (!bill) {
        return sendNoBill(ctx, reply);
      }
      const pdf = await renderBillPdf(bill);
      const name = `${bill.customer.account}-${bill.period}.pdf`;
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `${req.query.download ? 'attachment' : 'inline'}; filename="${name}"`)
        .send(pdf);
    },
  );

  r.get(
    '/cabinet/slip',
    { preHandler: guard, schema: { response: { 200: Type.String() } } },
    async (req, reply) => {
      const slip = await loadSlip(ctx, req.customer!.accountId);
      const html = renderPage(
        <SlipPage slip={slip} qr={paymentQrMatrix(slipQrPayload(slip))} supplierName={ctx.supplierName} />,
      );
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  r.get(
    '/cabinet/slip.pdf',
    { preHandler: guard, schema: { response: { 200: Type.Unknown() } } },
    async (req, reply) => {
      const slip = await loadSlip(ctx, req.customer!.accountId);
      const pdf = await renderSlipPdf(slip);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `inline; filename="${slip.customer.account}-${slip.date}.pdf"`)
        .send(pdf);
    },
  );
}

async function loadSlip(ctx: AppContext, accountId: number) {
  const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
  const slip = await loadSlipDocument(ctx.db.kysely, accountId, today);
  if (!slip) {
    throw new Error('the session account has no row');
  }
  return slip;
}

function sendNoBill(ctx: AppContext, reply: FastifyReply) {
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
