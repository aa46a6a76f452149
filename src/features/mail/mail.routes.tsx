import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { customerOf, loadCustomer, type RequireCustomer } from '../account/session.hook.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import type { MailContext } from './mail.config.ts';
import type { MailFlash } from './mail.section.ts';
import {
  acceptImported,
  confirmAddress,
  deleteAddress,
  findUnsubscribe,
  previewConfirmation,
  resendConfirmation,
  saveAddress,
  unsubscribe,
  type MailDeps,
  type SendOutcome,
} from './mail.service.ts';
import type { MailTransport } from './transport.ts';
import {
  ConfirmedPage,
  ConfirmPage,
  UnsubscribedPage,
  UnsubscribePage,
  type MailFormState,
} from './mail.view.tsx';

const EmailBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(Type.String({ maxLength: 2000 })),
  subscribed: Type.Optional(Type.String({ maxLength: 20 })),
  action: Type.Optional(Type.String({ maxLength: 20 })),
});

const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });
const CsrfBody = Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) });
const Html = { 200: Type.String(), 303: Type.String(), 400: Type.String(), 404: Type.String() };

/**
 * Shows the customer's main page with the e-mail form as it was posted, refused: the page that
 * holds the form is not this feature's, so the app hands the way to show it in.
 */
export type ShowRefusedAddress = (
  req: FastifyRequest,
  reply: FastifyReply,
  form: { mailState: MailFormState },
) => Promise<FastifyReply>;

export interface MailRoutesOptions {
  requireCustomer: RequireCustomer;
  showRefused: ShowRefusedAddress;
}

/**
 * Bills by e-mail, the HTTP side:
 * - POST /cabinet/email: the main page's form ("Сохранить информацию", "Удалить e-mail",
 *   "Отправить письмо ещё раз", and accepting the accounts import's address); answers with a redirect to /cabinet?mail=… (or the page with the
 *   message next to the field).
 * - GET/POST /mail/confirm/:token: the confirmation link; GET only shows a button, the POST (with
 *   the CSRF token) confirms. See mail.service.ts for who may use it.
 * - GET/POST /mail/unsubscribe/:token: the unsubscribe link and the one-click POST (RFC 8058).
 * Links carry their token in the path, so these routes log at "warn" only: no URL reaches the logs.
 */
export function registerMailRoutes(
  app: FastifyInstance,
  ctx: MailContext,
  transport: MailTransport,
  { requireCustomer, showRefused }: MailRoutesOptions,
): void {
  const deps: MailDeps = {
    db: ctx.db.kysely,
    clock: ctx.clock,
    mail: ctx.config.mail,
    publicUrl: ctx.config.publicUrl,
    transport,
  };
  registerFormRoute(app, deps, requireCustomer, showRefused);
  registerConfirmRoutes(app, ctx, deps);
  registerUnsubscribeRoutes(app, ctx, deps);
}

function redirect(reply: FastifyReply, flash: MailFlash) {
  return reply.code(303).header('Location', `/cabinet?mail=${flash}#mail-form`).send('');
}

function flashOfSend(s: SendOutcome): MailFlash {
  return s.kind === 'sent' ? 'sent' : s.kind === 'limited' ? 'limited' : 'failed';
}

function html(reply: FastifyReply, status: 200 | 404, page: Parameters<typeof renderPage>[0]) {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderPage(page));
}

/** One answer for every unusable link: unknown, used, expired, superseded, or another account's. */
function invalidLink(reply: FastifyReply, supplierName: string, what: 'confirm' | 'unsubscribe') {
  return html(
    reply,
    404,
    <ErrorPage
      supplierName={supplierName}
      title="Ссылка недействительна"
      message={
        what === 'confirm'
          ? 'Ссылка для подтверждения адреса недействительна: она уже использована, истёк срок её действия (24 часа), адрес с тех пор изменён, или ссылка неполная. Войдите в Личный кабинет и отправьте письмо ещё раз.'
          : 'Ссылка для отказа от рассылки недействительна: адрес с тех пор изменён или удалён, или ссылка неполная. Управлять рассылкой можно в Личном кабинете.'
      }
      back="/cabinet"
    />,
  );
}

/**
 * POST /cabinet/email: "Сохранить информацию", "Удалить e-mail", "Отправить письмо ещё раз", and
 * "Да, получать на этот адрес" (action `imported`: the accounts import's address; the body never
 * names it, the server reads it for the session's account).
 */
function registerFormRoute(
  app: FastifyInstance,
  deps: MailDeps,
  requireCustomer: RequireCustomer,
  showRefused: ShowRefusedAddress,
): void {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      '/cabinet/email',
      { preHandler: requireCustomer(), schema: { body: EmailBody, response: Html } },
      async (req, reply) => {
        const customer = customerOf(req);
        const who = { accountId: customer.accountId, accountNumber: customer.accountNumber, ip: req.ip };
        const body = req.body;
        switch (body.action ?? 'save') {
          case 'delete':
            return redirect(reply, (await deleteAddress(deps, who)) === 'deleted' ? 'deleted' : 'none');
          case 'imported': {
            const res = await acceptImported(deps, who);
            if (res.kind === 'gone' || res.kind === 'invalid') {
              return redirect(reply, res.kind === 'gone' ? 'offer_gone' : 'offer_unusable');
            }
            return redirect(reply, res.kind === 'saved' ? 'saved' : flashOfSend(res.send));
          }
          case 'resend': {
            const res = await resendConfirmation(deps, who);
            return redirect(
              reply,
              res.kind === 'none' ? 'none' : res.kind === 'confirmed' ? 'already' : flashOfSend(res),
            );
          }
          default: {
            const subscribed = body.subscribed !== undefined;
            const res = await saveAddress(deps, who, { email: body.email ?? '', subscribed });
            if (res.kind === 'invalid') {
              return showRefused(req, reply, {
                mailState: { email: body.email ?? '', subscribed, fieldError: res.fieldError },
              });
            }
            return redirect(reply, res.kind === 'saved' ? 'saved' : flashOfSend(res.send));
          }
        }
      },
    );
}

/** GET/POST /mail/confirm/:token: the GET shows a button, the POST (with the CSRF token) confirms. */
function registerConfirmRoutes(app: FastifyInstance, ctx: MailContext, deps: MailDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const viewerOf = async (req: Parameters<typeof loadCustomer>[1]) =>
    (await loadCustomer(ctx, req))?.accountId ?? null;

  r.get(
    '/mail/confirm/:token',
    { logLevel: 'warn', schema: { params: TokenParams, response: Html } },
    async (req, reply) => {
      const p = await previewConfirmation(deps, req.params.token, await viewerOf(req));
      if (!p.ok) {
        return invalidLink(reply, ctx.supplierName, 'confirm');
      }
      return html(
        reply,
        200,
        <ConfirmPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          action={`/mail/confirm/${req.params.token}`}
          masked={p.masked}
        />,
      );
    },
  );

  r.post(
    '/mail/confirm/:token',
    {
      logLevel: 'warn',
      onRequest: r.anonymousWrites.hook('mail_link'),
      schema: { params: TokenParams, body: CsrfBody, response: Html },
    },
    async (req, reply) => {
      const viewer = await viewerOf(req);
      const res = await confirmAddress(deps, req.params.token, viewer, req.ip);
      if (!res.ok) {
        return invalidLink(reply, ctx.supplierName, 'confirm');
      }
      if (viewer === res.accountId) {
        return redirect(reply, 'confirmed');
      }
      return html(reply, 200, <ConfirmedPage supplierName={ctx.supplierName} masked={res.masked} />);
    },
  );
}

/** GET/POST /mail/unsubscribe/:token: the unsubscribe link's page and the one-click POST. */
function registerUnsubscribeRoutes(app: FastifyInstance, ctx: MailContext, deps: MailDeps): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/mail/unsubscribe/:token',
    { logLevel: 'warn', schema: { params: TokenParams, response: Html } },
    async (req, reply) => {
      const s = await findUnsubscribe(deps, req.params.token);
      if (!s.ok) {
        return invalidLink(reply, ctx.supplierName, 'unsubscribe');
      }
      return html(
        reply,
        200,
        <UnsubscribePage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          action={`/mail/unsubscribe/${req.params.token}`}
          masked={s.masked}
          subscribed={s.subscribed}
        />,
      );
    },
  );

  // The one-click unsubscribe (RFC 8058). Mail providers POST `List-Unsubscribe=One-Click` from
  // their servers: no cookie, no CSRF token, no Origin, perhaps multipart. The token in the URL is
  // the credential (it cannot be forged, so CSRF does not apply), so the request is answered in
  // this route's onRequest hook: before the body is parsed and before the app-wide CSRF check,
  // which would refuse it. The same URL serves the button of the GET page.
  r.post(
    '/mail/unsubscribe/:token',
    {
      logLevel: 'warn',
      schema: { params: TokenParams, response: Html },
      onRequest: async (req, reply) => {
        const limited = await r.anonymousWrites.hook('mail_link')(req, reply);
        if (limited) {
          return limited;
        }
        const token = Value.Check(TokenParams, req.params) ? req.params.token : '';
        if (!(await unsubscribe(deps, token, guessVia(req.headers), req.ip))) {
          return invalidLink(reply, ctx.supplierName, 'unsubscribe');
        }
        return html(reply, 200, <UnsubscribedPage supplierName={ctx.supplierName} />);
      },
    },
    async (_req, reply) => invalidLink(reply, ctx.supplierName, 'unsubscribe'),
  );
}

/** A browser sends Sec-Fetch-* headers or a cookie; a mail provider's one-click request does not. */
function guessVia(headers: Record<string, string | string[] | undefined>): 'one_click' | 'page' {
  return headers['sec-fetch-mode'] !== undefined || headers.cookie !== undefined ? 'page' : 'one_click';
}
