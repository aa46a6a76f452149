import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { customerOf, switcherFor, type RequireCustomer } from '../account/session.hook.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { renderPage } from '../../platform/views/render.ts';
import { dateInZone } from '../../domain/dates.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import type { CheckData } from './check-image.ts';
import { checkRenderer, type CheckRenderer } from './check-image-pool.ts';
import { GatewayError, type PaymentGateway, type SbpQrStatus } from './gateway.ts';
import { CALLBACK_PATH, RETURN_PATH, type PaymentsDeps } from './payments.deps.ts';
import type { PaymentsContext, PaymentsModule } from './payments.module.ts';
import * as repo from './payments.repository.ts';
import { loadResult, resultPath, type PaymentResult } from './payments.result.ts';
import { loadPaymentForm } from './payments.form.ts';
import { createOrder, type PaymentFormState } from './payments.service.ts';
import { settleOrder } from './payments.settle.ts';
import { PaymentPage } from './payments.view.tsx';
import { ResultPage } from './result.view.tsx';
import { QR_SIZE, SbpQrPage } from './sbp.view.tsx';
import { qrcode } from '../../platform/qrcode.ts';

const OrderBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  key: Type.Optional(Type.String({ maxLength: 100 })),
  amount: Type.Optional(Type.String({ maxLength: 100 })),
  meter: Type.Optional(Type.String({ maxLength: 20 })),
  v1: Type.Optional(Type.String({ maxLength: 50 })),
  v2: Type.Optional(Type.String({ maxLength: 50 })),
  v3: Type.Optional(Type.String({ maxLength: 50 })),
  confirm_reading: Type.Optional(Type.String({ maxLength: 10 })),
  method: Type.Optional(Type.String({ maxLength: 10 })),
});

const ORDER_NUMBER = Type.String({ maxLength: 40 });

/** The app with TypeBox schemas typing each route's request. */
const withTypeBox = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

/** What each group of the payment routes is registered with. */
interface PaymentRoutes {
  r: ReturnType<typeof withTypeBox>;
  ctx: PaymentsContext;
  deps: PaymentsDeps;
  /** The customer's session guard, for every route but the bank's notification. */
  guard: ReturnType<RequireCustomer>;
}

/**
 * Card payments: the order form, the return from the bank, the result page with its electronic
 * check, and the bank's notifications, one group of routes each (the sandbox bank's own pages are
 * registered by the plugin).
 */
export function registerPaymentRoutes(
  app: FastifyInstance,
  ctx: PaymentsContext,
  payments: PaymentsModule,
  requireCustomer: RequireCustomer,
): void {
  const routes: PaymentRoutes = { r: withTypeBox(app), ctx, deps: payments.deps, guard: requireCustomer() };
  registerOrderFormRoutes(routes);
  registerReturnRoute(routes);
  const checks = checkRenderer();
  app.addHook('onClose', () => checks.close());
  registerResultRoutes(routes, checks);
  registerQrImageRoute(routes);
  registerCallbackRoute(routes, payments.gateway);
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).type('text/html; charset=utf-8').send(body);

function notFound(ctx: PaymentsContext, reply: FastifyReply) {
  return html(
    reply,
    404,
    renderPage(
      <ErrorPage
        supplierName={ctx.supplierName}
        title="Платёж не найден"
        message="Такого платежа нет среди Ваших платежей. Проверьте адрес или вернитесь в Личный кабинет."
        back="/cabinet"
      />,
    ),
  );
}

/** The order form: fresh, or again with the posted values and their messages (`state`). */
async function sendForm(
  ctx: PaymentsContext,
  reply: FastifyReply,
  accountId: number,
  status: number,
  state?: PaymentFormState,
  key?: string,
) {
  const form = await loadPaymentForm(ctx.db, accountId, dateInZone(ctx.clock.now(), ctx.config.timeZone));
  if (key) {
    form.key = key;
  }
  return html(
    reply,
    status,
    renderPage(
      <PaymentPage
        supplierName={ctx.supplierName}
        switcher={switcherFor(customerOf(reply.request))}
        bankName={ctx.config.payments.bankName}
        noCommission={ctx.config.payments.noCommission}
        sbpMinutes={
          ctx.config.payments.sbp.enabled ? Math.round(ctx.config.payments.sbp.qrSeconds / 60) : null
        }
        csrfToken={reply.generateCsrf()}
        form={form}
        sessionMinutes={Math.round(ctx.config.payments.sessionTimeoutSecs / 60)}
        {...(state ? { state } : {})}
      />,
    ),
  );
}

/** The order form and its post: the bank's payment page, or the form again with its messages. */
function registerOrderFormRoutes({ r, ctx, deps, guard }: PaymentRoutes): void {
  r.get(
    '/cabinet/payment',
    { preHandler: guard, schema: { response: { 200: Type.String() } } },
    async (req, reply) => sendForm(ctx, reply, customerOf(req).accountId, 200),
  );

  r.post(
    '/cabinet/payment',
    {
      preHandler: guard,
      schema: { body: OrderBody, response: { 303: Type.String(), 400: Type.String(), 503: Type.String() } },
    },
    async (req, reply) => {
      const b = req.body;
      const result = await createOrder(deps, {
        method: b.method === 'sbp' && ctx.config.payments.sbp.enabled ? 'sbp' : 'card',
        accountId: customerOf(req).accountId,
        formKey: b.key ?? '',
        amount: b.amount ?? '',
        meterId: /^[0-9]{1,15}$/.test(b.meter ?? '') ? Number(b.meter) : 0,
        values: [b.v1 ?? '', b.v2 ?? '', b.v3 ?? ''],
        confirmReading: b.confirm_reading === 'yes',
        ip: req.ip,
      });
      switch (result.kind) {
        case 'redirect':
          return reply.code(303).header('Location', result.url).send('');
        case 'invalid':
          return sendForm(
            ctx,
            reply,
            customerOf(req).accountId,
            400,
            result.state,
            result.keepKey ? b.key : undefined,
          );
        case 'unavailable':
          return sendForm(
            ctx,
            reply.header('Retry-After', '60'),
            customerOf(req).accountId,
            503,
            result.state,
          );
      }
    },
  );
}

// The bank sends the customer back here (RBS appends orderId and lang). The bank's status decides.
function registerReturnRoute({ r, ctx, deps, guard }: PaymentRoutes): void {
  r.get(
    RETURN_PATH,
    {
      preHandler: guard,
      schema: {
        querystring: Type.Object({
          orderId: Type.Optional(Type.String({ maxLength: 100 })),
          lang: Type.Optional(Type.String({ maxLength: 10 })),
        }),
        response: { 303: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const orderId = req.query.orderId ?? '';
      const order = /^[0-9a-zA-Z-]{1,64}$/.test(orderId)
        ? await repo.findForCustomerByBankId(ctx.db.kysely, customerOf(req).accountId, orderId)
        : undefined;
      if (!order) {
        return notFound(ctx, reply);
      }
      await settleOrder(deps, order, 'return', req.ip);
      return reply.code(303).header('Location', resultPath(order.orderNumber)).send('');
    },
  );
}

/** The result page and its electronic check: only the customer's own orders, anything else 404. */
function registerResultRoutes({ r, ctx, deps, guard }: PaymentRoutes, checks: CheckRenderer): void {
  r.get(
    '/cabinet/payment/:orderNumber',
    {
      preHandler: guard,
      schema: {
        params: Type.Object({ orderNumber: ORDER_NUMBER }),
        response: { 200: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const { accountId } = customerOf(req);
      const load = () => loadResult(ctx.db.kysely, accountId, req.params.orderNumber, ctx.config.timeZone);
      let result = await load();
      if (!result) {
        return notFound(ctx, reply);
      }
      // An SBP order still waiting: ask the bank (the page's «Проверить оплату»), then show the QR
      // while it can still be paid, or the outcome.
      if (result.method === 'sbp' && result.status === 'registered') {
        const order = await repo.findForCustomer(ctx.db.kysely, accountId, req.params.orderNumber);
        if (order) {
          await settleOrder(deps, order, 'return', req.ip);
          result = (await load()) ?? result;
        }
        if (result.status === 'registered' && result.qr && order?.bankOrderId && order.qr) {
          // What the QR itself says (sbp/c2b/qr/status.do): only shown, never credited on.
          const qrStatus = await qrStatusOf(deps.gateway, order.bankOrderId, order.qr.id);
          return html(reply, 200, renderPage(qrPage(ctx, reply, result, result.qr, qrStatus)));
        }
      }
      const check = result.status === 'paid' ? checkData(ctx, result) : null;
      return html(
        reply,
        200,
        renderPage(
          <ResultPage
            supplierName={ctx.supplierName}
            switcher={switcherFor(customerOf(req))}
            csrfToken={reply.generateCsrf()}
            result={result}
            check={check}
            checkUrl={`${resultPath(result.orderNumber)}/check.png`}
          />,
        ),
      );
    },
  );

  // The electronic check: only its owner's paid orders; anything else is the same 404.
  r.get(
    '/cabinet/payment/:orderNumber/check.png',
    {
      preHandler: guard,
      schema: {
        params: Type.Object({ orderNumber: ORDER_NUMBER }),
        querystring: Type.Object({ download: Type.Optional(Type.Literal('1')) }),
        response: { 200: Type.Unknown(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const result = await loadResult(
        ctx.db.kysely,
        customerOf(req).accountId,
        req.params.orderNumber,
        ctx.config.timeZone,
      );
      if (!result || result.status !== 'paid') {
        return notFound(ctx, reply);
      }
      const png = await checks.render(checkData(ctx, result));
      return reply
        .type('image/png')
        .header(
          'Content-Disposition',
          `${req.query.download ? 'attachment' : 'inline'}; filename="check-${result.orderNumber}.png"`,
        )
        .send(png);
    },
  );
}

/** sbp/c2b/qr/status.do; null when the bank does not answer (the page then says nothing of it). */
async function qrStatusOf(
  gateway: PaymentGateway,
  orderId: string,
  qrId: string,
): Promise<SbpQrStatus | null> {
  try {
    return await gateway.sbpQrStatus(orderId, qrId);
  } catch (err) {
    if (err instanceof GatewayError) {
      return null;
    }
    throw err;
  }
}

/** The SBP QR page of a waiting order. */
function qrPage(
  ctx: PaymentsContext,
  reply: FastifyReply,
  result: PaymentResult,
  qr: NonNullable<PaymentResult['qr']>,
  qrStatus: SbpQrStatus | null,
) {
  const path = resultPath(result.orderNumber);
  const time = new Intl.DateTimeFormat('ru-RU', {
    timeZone: ctx.config.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  });
  return (
    <SbpQrPage
      supplierName={ctx.supplierName}
      switcher={switcherFor(customerOf(reply.request))}
      csrfToken={reply.generateCsrf()}
      orderNumber={result.orderNumber}
      amountKop={result.amountKop}
      payload={qr.payload}
      qrUrl={`${path}/qr.svg`}
      checkUrl={path}
      expiresAt={time.format(new Date(qr.expiresAt))}
      minutesLeft={Math.max(0, Math.ceil((qr.expiresAt - ctx.clock.now().getTime()) / 60_000))}
      noCommission={ctx.config.payments.noCommission}
      qrStatus={qrStatus}
    />
  );
}

/** The QR code of the customer's own SBP order while it waits; anything else is a 404. */
function registerQrImageRoute({ r, ctx, guard }: PaymentRoutes): void {
  r.get(
    '/cabinet/payment/:orderNumber/qr.svg',
    {
      preHandler: guard,
      schema: {
        params: Type.Object({ orderNumber: ORDER_NUMBER }),
        response: { 200: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const order = await repo.findForCustomer(
        ctx.db.kysely,
        customerOf(req).accountId,
        req.params.orderNumber,
      );
      if (!order || order.method !== 'sbp' || order.status !== 'registered' || !order.qr) {
        return notFound(ctx, reply);
      }
      const svg = await qrcode().toString(order.qr.payload, {
        type: 'svg',
        errorCorrectionLevel: 'M',
        margin: 2,
        width: QR_SIZE,
      });
      return reply.type('image/svg+xml; charset=utf-8').send(svg);
    },
  );
}

function checkData(ctx: PaymentsContext, result: PaymentResult): CheckData {
  return {
    supplierName: ctx.supplierName,
    site: new URL(ctx.config.publicUrl).host,
    method: result.method,
    date: result.date,
    orderNumber: result.orderNumber,
    accountNumber: result.accountNumber,
    reading: result.reading,
    amountKop: result.amountKop,
    authRefNum: result.authRefNum,
    approvalCode: result.approvalCode,
  };
}

// The bank's server-to-server notification. RBS sends it as a GET; it only makes the portal ask
// the bank (getOrderStatusExtended.do) and settle the order, so a forged or replayed one gains
// nothing, and one without the merchant's checksum is refused before anything is looked up.
function registerCallbackRoute({ r, ctx, deps }: PaymentRoutes, gateway: PaymentGateway): void {
  // A flood of notifications is refused before it writes anything, as "not now" (503, Retry-After):
  // the bank retries a notification it did not get 200 for, and the reconciliation asks the bank
  // about every order still waiting, so a refused notification loses no payment.
  const limit = r.anonymousWrites.hook('bank_callback', (reply) =>
    reply.code(503).type('text/plain; charset=utf-8').send('too many notifications, retry later'),
  );
  r.get(
    CALLBACK_PATH,
    {
      onRequest: limit,
      // It settles the order: served by a draining instance as a POST is (platform/http/closing.ts).
      config: { servedWhileDraining: true },
      schema: {
        querystring: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 300 }), {
          maxProperties: 40,
        }),
        response: { 200: Type.String(), 400: Type.String(), 404: Type.String(), 503: Type.String() },
      },
    },
    async (req, reply) => {
      const params = req.query;
      const text = (status: 200 | 400 | 404 | 503, body: string) =>
        reply.code(status).type('text/plain; charset=utf-8').send(body);
      const mdOrder = params.mdOrder ?? '';
      const okId = /^[0-9a-zA-Z-]{1,64}$/.test(mdOrder);
      if (!gateway.verifyCallback(params)) {
        await recordAudit(ctx.db.kysely, ctx.clock.now(), {
          event: 'payment_callback',
          outcome: 'bad_checksum',
          ip: req.ip,
          details: { bankOrder: okId ? mdOrder : null, operation: (params.operation ?? '').slice(0, 40) },
        });
        return text(400, 'bad checksum');
      }
      const order = okId ? await repo.findByBankId(ctx.db.kysely, mdOrder) : undefined;
      if (!order || (params.orderNumber !== undefined && params.orderNumber !== order.orderNumber)) {
        await recordAudit(ctx.db.kysely, ctx.clock.now(), {
          event: 'payment_callback',
          outcome: 'unknown_order',
          ip: req.ip,
          details: { bankOrder: okId ? mdOrder : null, order: (params.orderNumber ?? '').slice(0, 40) },
        });
        return text(404, 'unknown order');
      }
      const outcome = await settleOrder(deps, order, 'callback', req.ip);
      // The bank retries a notification that was not answered 200: do so while it cannot be confirmed.
      if (outcome === 'unavailable') {
        return text(503, 'status unavailable, retry later');
      }
      return text(200, 'OK');
    },
  );
}
