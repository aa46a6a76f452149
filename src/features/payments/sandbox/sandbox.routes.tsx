import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../../platform/clock.ts';
import { renderPage } from '../../../platform/views/render.ts';
import { SANDBOX_PREFIX, type BankOutcome, type SandboxBank } from './sandbox-bank.ts';
import { BANK_CSS, BANK_ICON, CardPage, SecureCodePage, UnknownOrderPage } from './sandbox.view.tsx';
import type { BankAppOutcome, SandboxSbp } from './sandbox-sbp.ts';
import { SbpAppPage } from './sbp-app.view.tsx';

const ORDER_ID = Type.String({ pattern: '^[0-9a-zA-Z-]{1,64}$' });

/** An app scope with TypeBox schemas typing each route's request. */
const withTypeBox = (scope: FastifyInstance) => scope.withTypeProvider<TypeBoxTypeProvider>();
type Router = ReturnType<typeof withTypeBox>;

/**
 * The sandbox bank's card pages, under their own prefix with their own CSP: only this page's own
 * stylesheet, no scripts at all, and forms that may go to the bank itself and back to the portal.
 */
export function registerSandboxBankRoutes(
  app: FastifyInstance,
  bank: SandboxBank,
  sbp: SandboxSbp | null,
  clock: Clock,
  portalOrigin: string,
): void {
  const csp = [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action 'self' ${portalOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');

  void app.register(
    (scope, _opts, done) => {
      scope.addHook('onSend', (_req, reply, payload, done) => {
        void reply.header('Content-Security-Policy', csp);
        void reply.header('Cache-Control', 'no-store');
        done(null, payload);
      });
      const r = withTypeBox(scope);
      registerAssetRoutes(r);
      registerCardRoutes(r, bank, clock);
      if (sbp) {
        registerBankAppRoutes(r, sbp, clock);
      }
      done();
    },
    { prefix: SANDBOX_PREFIX },
  );
}

/** The bank pages' own stylesheet and icon. */
function registerAssetRoutes(r: Router): void {
  r.get('/bank.css', { schema: { response: { 200: Type.String() } } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').send(BANK_CSS),
  );

  r.get('/bank.svg', { schema: { response: { 200: Type.String() } } }, async (_req, reply) =>
    reply.type('image/svg+xml').send(BANK_ICON),
  );
}

/** The card page and its post, and the 3-D Secure code's post: each answers with the bank's outcome. */
function registerCardRoutes(r: Router, bank: SandboxBank, clock: Clock): void {
  const send = (reply: FastifyReply, outcome: BankOutcome) => sendOutcome(reply, outcome, clock);

  r.get(
    '/pay',
    {
      schema: {
        querystring: Type.Object({ mdOrder: ORDER_ID }),
        response: { 200: Type.String(), 303: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => send(reply, await bank.open(req.query.mdOrder)),
  );

  r.post(
    '/pay',
    {
      schema: {
        body: Type.Object({
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
          mdOrder: ORDER_ID,
          pan: Type.Optional(Type.String({ maxLength: 40 })),
          expiry: Type.Optional(Type.String({ maxLength: 20 })),
          cvc: Type.Optional(Type.String({ maxLength: 10 })),
        }),
        response: { 200: Type.String(), 303: Type.String(), 400: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) =>
      send(
        reply,
        await bank.payWithCard(req.body.mdOrder, {
          pan: req.body.pan ?? '',
          expiry: req.body.expiry ?? '',
          cvc: req.body.cvc ?? '',
        }),
      ),
  );

  r.post(
    '/3ds',
    {
      schema: {
        body: Type.Object({
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
          mdOrder: ORDER_ID,
          code: Type.Optional(Type.String({ maxLength: 20 })),
        }),
        response: { 200: Type.String(), 303: Type.String(), 400: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => send(reply, await bank.confirm3ds(req.body.mdOrder, req.body.code ?? '')),
  );
}

/** The bank's answer: 404 for an unknown order, a redirect back, or the card or 3-D Secure page. */
function sendOutcome(reply: FastifyReply, outcome: BankOutcome, clock: Clock) {
  switch (outcome.kind) {
    case 'unknown':
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(renderPage(<UnknownOrderPage />));
    case 'redirect':
      return reply.code(303).header('Location', outcome.url).send('');
    case 'page': {
      const props = {
        view: outcome.view,
        now: clock.now().getTime(),
        csrfToken: reply.generateCsrf(),
        ...(outcome.message ? { message: outcome.message } : {}),
      };
      const page =
        outcome.view.stage === '3ds' ? (
          <SecureCodePage {...props} />
        ) : (
          <CardPage
            {...props}
            {...(outcome.fieldErrors ? { fieldErrors: outcome.fieldErrors } : {})}
            {...(outcome.expiry ? { expiry: outcome.expiry } : {})}
          />
        );
      const status = outcome.fieldErrors || outcome.message ? 400 : 200;
      return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
    }
  }
}

const QR_ID = Type.String({ pattern: '^[0-9A-Za-z]{1,64}$' });

/** The "bank app" of an SBP QR code: its page, "Оплатить" and "Отклонить". */
function registerBankAppRoutes(r: Router, sbp: SandboxSbp, clock: Clock): void {
  const send = (reply: FastifyReply, outcome: BankAppOutcome) => {
    switch (outcome.kind) {
      case 'unknown':
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(renderPage(<UnknownOrderPage />));
      case 'redirect':
        return reply.code(303).header('Location', outcome.url).send('');
      case 'page':
        return reply
          .code(outcome.message ? 409 : 200)
          .type('text/html; charset=utf-8')
          .send(
            renderPage(
              <SbpAppPage
                qr={outcome.qr}
                merchant={outcome.merchant}
                now={clock.now().getTime()}
                csrfToken={reply.generateCsrf()}
                {...(outcome.message ? { message: outcome.message } : {})}
              />,
            ),
          );
    }
  };
  const params = Type.Object({ qrId: QR_ID });
  const body = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) });
  const response = { 200: Type.String(), 303: Type.String(), 404: Type.String(), 409: Type.String() };

  r.get('/sbp/:qrId', { schema: { params, response } }, async (req, reply) =>
    send(reply, await sbp.open(req.params.qrId)),
  );
  r.post('/sbp/:qrId/pay', { schema: { params, body, response } }, async (req, reply) =>
    send(reply, await sbp.pay(req.params.qrId)),
  );
  r.post('/sbp/:qrId/decline', { schema: { params, body, response } }, async (req, reply) =>
    send(reply, await sbp.decline(req.params.qrId)),
  );
}
