import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { customerOf, switcherFor, type Customer, type RequireCustomer } from '../account/session.hook.ts';
import { createToken, listTokens, revokeApiToken, type TokenDeps } from './api-tokens.service.ts';
import { CreatedPage, NoProfilePage, TOKENS_PATH, TokensPage, type PageBase } from './api-tokens.view.tsx';

const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  403: Type.String(),
  404: Type.String(),
};

const CsrfField = Type.Optional(Type.String({ maxLength: 200 }));

const CreateBody = Type.Object({
  _csrf: CsrfField,
  // Longer than NAME_MAX on purpose: a name a little too long is refused with a message that
  // keeps it, not by the schema.
  name: Type.Optional(Type.String({ maxLength: 2000 })),
  readingsWrite: Type.Optional(Type.String({ maxLength: 20 })),
  days: Type.Optional(Type.String({ maxLength: 20 })),
});

const ListQuery = Type.Object({
  revoked: Type.Optional(Type.String({ maxLength: 10 })),
});

const RevokeParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

/**
 * /cabinet/profile/tokens: a profile's personal access tokens of the open API.
 * - GET lists them and holds the form that makes one;
 * - POST makes one and answers with the page that shows it, this once (never a redirect: the
 *   token must not reach an address, a log or the history);
 * - POST /cabinet/profile/tokens/:id/revoke revokes one of the profile's tokens (404 otherwise).
 * A manual login's session (no profile) gets a page that leads to the profile instead.
 */
export function registerTokenRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  requireCustomer: RequireCustomer,
): void {
  const h = helpers(ctx);
  registerList(app, h, requireCustomer);
  registerCreate(app, h, requireCustomer);
  registerRevoke(app, h, requireCustomer);
}

type Page = Parameters<typeof renderPage>[0];

interface Helpers {
  ctx: AppContext;
  deps: TokenDeps;
  base(reply: FastifyReply): PageBase;
  send(reply: FastifyReply, status: 200 | 400 | 403 | 404, page: Page): FastifyReply;
  /** The profile of the request's session; null (and the page that says so, sent) without one. */
  profileOf(req: FastifyRequest, reply: FastifyReply): (Customer & { profileId: number }) | null;
}

function helpers(ctx: AppContext): Helpers {
  const time = new Intl.DateTimeFormat('ru-RU', {
    timeZone: ctx.config.timeZone,
    dateStyle: 'short',
    timeStyle: 'short',
  });
  const base = (reply: FastifyReply): PageBase => ({
    supplierName: ctx.supplierName,
    csrfToken: reply.generateCsrf(),
    switcher: reply.request.customer ? switcherFor(reply.request.customer) : undefined,
    formatTime: (ms) => time.format(new Date(ms)),
  });
  const send = (reply: FastifyReply, status: 200 | 400 | 403 | 404, page: Page) =>
    reply
      .code(status)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(renderPage(page));
  return {
    ctx,
    deps: { db: ctx.db.kysely, clock: ctx.clock },
    base,
    send,
    profileOf(req, reply) {
      const c = customerOf(req);
      if (c.profileId === null) {
        void send(reply, req.method === 'GET' ? 200 : 403, <NoProfilePage {...base(reply)} />);
        return null;
      }
      return { ...c, profileId: c.profileId };
    },
  };
}

function registerList(app: FastifyInstance, h: Helpers, requireCustomer: RequireCustomer): void {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get(
      TOKENS_PATH,
      { preHandler: requireCustomer(), schema: { querystring: ListQuery, response: Html } },
      async (req, reply) => {
        const c = h.profileOf(req, reply);
        if (!c) {
          return reply;
        }
        const tokens = await listTokens(h.deps, c.profileId);
        const notice =
          req.query.revoked === 'ok'
            ? 'Токен отозван: программы, которые им пользовались, больше не получат доступ.'
            : undefined;
        return h.send(
          reply,
          200,
          <TokensPage {...h.base(reply)} tokens={tokens} {...(notice ? { notice } : {})} />,
        );
      },
    );
}

function registerCreate(app: FastifyInstance, h: Helpers, requireCustomer: RequireCustomer): void {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      TOKENS_PATH,
      { preHandler: requireCustomer(), schema: { body: CreateBody, response: Html } },
      async (req, reply) => {
        const c = h.profileOf(req, reply);
        if (!c) {
          return reply;
        }
        const values = {
          name: req.body.name ?? '',
          readingsWrite: req.body.readingsWrite !== undefined,
          days: req.body.days ?? '',
        };
        const who = { profileId: c.profileId, accountNumber: c.accountNumber, ip: req.ip };
        const res = await createToken(h.deps, who, values);
        if (res.kind === 'invalid') {
          const tokens = await listTokens(h.deps, c.profileId);
          return h.send(
            reply,
            400,
            <TokensPage {...h.base(reply)} tokens={tokens} values={values} errors={res.errors} />,
          );
        }
        return h.send(
          reply,
          200,
          <CreatedPage
            {...h.base(reply)}
            token={res.token}
            name={res.name}
            scopes={res.scopes}
            expiresAt={res.expiresAt}
          />,
        );
      },
    );
}

function registerRevoke(app: FastifyInstance, h: Helpers, requireCustomer: RequireCustomer): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    `${TOKENS_PATH}/:id/revoke`,
    {
      preHandler: requireCustomer(),
      schema: { params: RevokeParams, body: Type.Object({ _csrf: CsrfField }), response: Html },
    },
    async (req, reply) => {
      const c = h.profileOf(req, reply);
      if (!c) {
        return reply;
      }
      const id = /^[1-9]\d{0,14}$/.test(req.params.id) ? Number(req.params.id) : null;
      const who = { profileId: c.profileId, accountNumber: c.accountNumber, ip: req.ip };
      if (id === null || !(await revokeApiToken(h.deps, who, id))) {
        return h.send(
          reply,
          404,
          <ErrorPage
            supplierName={h.ctx.supplierName}
            title="Токен не найден"
            message="У вашего профиля нет такого действующего токена: он уже отозван, или ссылка неверна."
            back={TOKENS_PATH}
          />,
        );
      }
      return reply.code(303).header('Location', `${TOKENS_PATH}?revoked=ok`).send('');
    },
  );
}
