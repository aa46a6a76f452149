import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { sessionCookieName } from '../../platform/http/security.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { customerOf, switcherFor, type RequireCustomer } from '../account/session.hook.ts';
import * as service from './passkey.service.ts';
import { loginOptions, passkeyLogin } from './passkey-login.service.ts';
import { sendSessionCookie } from './profile-session.ts';
import {
  Html,
  Csrf,
  IdParams,
  NameBody,
  RegistrationResponse,
  AuthenticationResponse,
  Options,
  Redirect,
  Json,
} from './passkey.schemas.ts';
import {
  PasskeyLoginPage,
  PasskeysPage,
  PASSKEY_LOGIN_PATH,
  PASSKEYS_PATH,
  type PasskeysPageState,
} from './passkey.view.tsx';

// Passkeys over HTTP. The pages are forms that work without JavaScript; the WebAuthn ceremonies
// are the script's fetches (passkeys.browser.ts) to the JSON routes below, which take the CSRF
// token in the X-CSRF-Token header, as every POST here does (platform/http/security.ts).

export interface PasskeyRoutesOptions {
  requireCustomer: RequireCustomer;
}

export function passkeyDeps(ctx: AppContext): service.PasskeyDeps {
  return {
    db: ctx.db.kysely,
    dialect: ctx.db.dialect,
    clock: ctx.clock,
    supplierName: ctx.supplierName,
    config: ctx.config,
  };
}

export function registerPasskeyRoutes(app: FastifyInstance, ctx: AppContext, o: PasskeyRoutesOptions): void {
  const deps = passkeyDeps(ctx);
  registerPage(app, ctx, deps, o.requireCustomer);
  registerRegistration(app, deps, o.requireCustomer);
  registerLogin(app, ctx, deps);
}

function jsonError(
  reply: FastifyReply,
  status: 400 | 401 | 403 | 429,
  code: string,
  message: string,
  field?: string,
) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, ...(field ? { field } : {}) } });
}

const NOT_PROFILE = 'Ключи входа есть только у профиля: войдите в профиль по e-mail и паролю.';

/** The profile of the request's session; null for the manual's login (account number and surname). */
function profileOf(req: FastifyRequest): number | null {
  return customerOf(req).profileId;
}

// ---- The page and its forms

const NOTICES = {
  added: 'Ключ входа добавлен.',
  renamed: 'Название ключа изменено.',
  removed: 'Ключ входа удалён.',
} as const;

type ShowPage = (
  req: FastifyRequest,
  reply: FastifyReply,
  status: 200 | 400 | 404 | 409,
  state: PasskeysPageState,
) => Promise<FastifyReply>;

/** Answers with the passkeys page (a 403 page for a session without a profile). */
function pageShower(ctx: AppContext, deps: service.PasskeyDeps): ShowPage {
  return async (req, reply, status, state) => {
    const profileId = profileOf(req);
    if (profileId === null) {
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          renderPage(
            <ErrorPage
              supplierName={ctx.supplierName}
              title="Ключи входа"
              message={NOT_PROFILE}
              back="/cabinet"
            />,
          ),
        );
    }
    const page = (
      <PasskeysPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        timeZone={ctx.config.timeZone}
        passkeys={await service.listPasskeys(deps, profileId)}
        state={state}
        switcher={switcherFor(customerOf(req))}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };
}

const done = (reply: FastifyReply, what: keyof typeof NOTICES) =>
  reply.code(303).header('Location', `${PASSKEYS_PATH}?done=${what}`).send('');

function registerPage(
  app: FastifyInstance,
  ctx: AppContext,
  deps: service.PasskeyDeps,
  requireCustomer: RequireCustomer,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const show = pageShower(ctx, deps);
  r.get(
    PASSKEYS_PATH,
    {
      preHandler: requireCustomer(),
      schema: {
        querystring: Type.Object({
          done: Type.Optional(
            Type.Union([Type.Literal('added'), Type.Literal('renamed'), Type.Literal('removed')]),
          ),
        }),
        response: Html,
      },
    },
    async (req, reply) => show(req, reply, 200, req.query.done ? { notice: NOTICES[req.query.done] } : {}),
  );

  // The add form posted without the script: nothing to add, the page says why, the name is kept.
  r.post(
    `${PASSKEYS_PATH}/add`,
    { preHandler: requireCustomer(), schema: { body: NameBody, response: Html } },
    async (req, reply) =>
      show(req, reply, 400, {
        add: {
          name: req.body.name ?? '',
          message: 'Чтобы добавить ключ входа, включите JavaScript в браузере.',
        },
      }),
  );

  registerForms(app, deps, requireCustomer, show);
}

/** Rename and remove: forms, refused ones shown again with the message next to the row. */
function registerForms(
  app: FastifyInstance,
  deps: service.PasskeyDeps,
  requireCustomer: RequireCustomer,
  show: ShowPage,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    `${PASSKEYS_PATH}/:id/rename`,
    { preHandler: requireCustomer(), schema: { params: IdParams, body: NameBody, response: Html } },
    async (req, reply) => {
      const profileId = profileOf(req);
      if (profileId === null) {
        return show(req, reply, 200, {});
      }
      const id = Number(req.params.id);
      const res = await service.renamePasskey(deps, profileId, id, req.body.name);
      if (res.kind === 'invalid') {
        return show(req, reply, 400, { rename: { id, value: req.body.name ?? '', message: res.message } });
      }
      return res.kind === 'renamed'
        ? done(reply, 'renamed')
        : show(req, reply, 404, { error: 'Такого ключа входа нет: возможно, он уже удалён.' });
    },
  );

  r.post(
    `${PASSKEYS_PATH}/:id/remove`,
    { preHandler: requireCustomer(), schema: { params: IdParams, body: Type.Object(Csrf), response: Html } },
    async (req, reply) => {
      const profileId = profileOf(req);
      if (profileId === null) {
        return show(req, reply, 200, {});
      }
      const id = Number(req.params.id);
      const res = await service.removePasskey(deps, { profileId, ip: req.ip }, id);
      if (res === 'last') {
        return show(req, reply, 409, {
          remove: {
            id,
            message:
              'Это единственный способ входа в профиль: у профиля нет пароля. Сначала задайте пароль или добавьте другой ключ входа.',
          },
        });
      }
      return res === 'removed'
        ? done(reply, 'removed')
        : show(req, reply, 404, { error: 'Такого ключа входа нет: возможно, он уже удалён.' });
    },
  );
}

// ---- Registration: the script's JSON routes

function registerRegistration(
  app: FastifyInstance,
  deps: service.PasskeyDeps,
  requireCustomer: RequireCustomer,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    `${PASSKEYS_PATH}/options`,
    {
      preHandler: requireCustomer(),
      schema: { body: Type.Optional(Type.Object(Csrf)), response: { 200: Options, ...Json } },
    },
    async (req, reply) => {
      const profileId = profileOf(req);
      const options = profileId === null ? undefined : await service.registrationOptions(deps, profileId);
      return options ? reply.send(options) : jsonError(reply, 403, 'not_profile', NOT_PROFILE);
    },
  );

  r.post(
    `${PASSKEYS_PATH}/register`,
    {
      preHandler: requireCustomer(),
      schema: {
        body: Type.Object({
          ...Csrf,
          name: Type.Optional(Type.String({ maxLength: 1000 })),
          response: RegistrationResponse,
        }),
        response: { 200: Redirect, ...Json },
      },
    },
    async (req, reply) => {
      const profileId = profileOf(req);
      if (profileId === null) {
        return jsonError(reply, 403, 'not_profile', NOT_PROFILE);
      }
      const res = await service.registerPasskey(
        deps,
        { profileId, ip: req.ip },
        {
          name: req.body.name,
          response: req.body.response,
        },
      );
      if (res.kind === 'refused') {
        return jsonError(reply, 400, 'refused', res.message, res.field);
      }
      return reply.send({ redirect: `${PASSKEYS_PATH}?done=added` });
    },
  );
}

// ---- Login: a page, and the script's JSON routes

function registerLogin(app: FastifyInstance, ctx: AppContext, deps: service.PasskeyDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // Anonymous writes (a challenge row, an attempt and an audit row) are bounded per address and
  // in all as the account login's are, answered in JSON for the script.
  const bounded = app.anonymousWrites.hook('login', (reply, retryAfterS) =>
    jsonError(reply, 429, 'too_many', `Слишком много запросов. Повторите попытку через ${retryAfterS} с.`),
  );
  const throttled = (reply: FastifyReply, retryAt: Date) => {
    const retrySec = Math.max(1, Math.ceil((retryAt.getTime() - ctx.clock.now().getTime()) / 1000));
    void reply.header('Retry-After', String(retrySec));
    return jsonError(
      reply,
      429,
      'throttled',
      `Слишком много неудачных попыток входа. Повторите попытку через ${Math.ceil(retrySec / 60)} мин.`,
    );
  };

  r.get(PASSKEY_LOGIN_PATH, { schema: { response: Html } }, async (_req, reply) =>
    reply
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        renderPage(<PasskeyLoginPage supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} />),
      ),
  );

  r.post(
    `${PASSKEY_LOGIN_PATH}/options`,
    {
      onRequest: bounded,
      schema: { body: Type.Optional(Type.Object(Csrf)), response: { 200: Options, ...Json } },
    },
    async (req, reply) => {
      const res = await loginOptions(deps, req.ip);
      return res.kind === 'ok' ? reply.send(res.options) : throttled(reply, res.retryAt);
    },
  );

  r.post(
    PASSKEY_LOGIN_PATH,
    {
      onRequest: bounded,
      schema: {
        body: Type.Object({
          ...Csrf,
          consent: Type.Optional(Type.Boolean()),
          response: AuthenticationResponse,
        }),
        response: { 200: Redirect, ...Json },
      },
    },
    async (req, reply) => {
      const res = await passkeyLogin(deps, {
        ip: req.ip,
        response: req.body.response,
        consent: req.body.consent === true,
        previous: req.cookies[sessionCookieName(ctx.config)],
      });
      if (res.kind === 'no_consent') {
        return jsonError(reply, 400, 'consent', res.message, 'consent');
      }
      if (res.kind === 'throttled') {
        return throttled(reply, res.retryAt);
      }
      if (res.kind === 'failed') {
        return jsonError(reply, 401, 'failed', res.message);
      }
      sendSessionCookie(ctx, reply, res.token);
      return reply.send({ redirect: '/cabinet' });
    },
  );
}
