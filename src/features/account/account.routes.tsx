import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { cookieOptions, rotateCsrfSecret, sessionCookieName } from '../../platform/http/security.ts';
import { renderPage } from '../../platform/views/render.ts';
import { CABINET_CRUMBS } from '../../platform/views/layout.tsx';
import { hashToken, login, logout, type AuthDeps } from './account.service.ts';
import { deleteSessionByHash } from './session.repository.ts';
import { listSettlements } from './settlements.repository.ts';
import { RETURN_PATH_MAX, safeReturnPath } from './return-path.ts';
import { browserIdOf, ensureBrowserId } from './browser-id.ts';
import { pluralRu } from '../../domain/format.ts';
import {
  CabinetLoginPage,
  CONSENT_VALUE,
  HomePage,
  IndividualsPage,
  PrivacyPage,
  type LoginFormProps,
} from './login.view.tsx';

const MINUTE_MS = 60_000;

const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  401: Type.String(),
  429: Type.String(),
};

const LoginBody = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 200 })),
  surname: Type.Optional(Type.String({ maxLength: 1000 })),
  consent: Type.Optional(Type.String({ maxLength: 10 })),
  from: Type.Optional(Type.String({ maxLength: 20 })),
  next: Type.Optional(Type.String({ maxLength: RETURN_PATH_MAX })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
});

/** What every login form shows besides its fields: in demo mode, the demo account to log in with. */
export interface LoginPageOptions {
  demo?: { account: string; surname: string } | undefined;
}

export function authDeps(ctx: AppContext): AuthDeps {
  return { db: ctx.db.kysely, dialect: ctx.db.dialect, clock: ctx.clock, config: ctx.config };
}

/** The home page, the login and logout forms' targets, and the pages around them. */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext, options: LoginPageOptions): void {
  registerHomePage(app, ctx, options);
  registerInfoPages(app, ctx);
  registerLogin(app, ctx, options);
  registerLogout(app, ctx);
}

/** What a login form needs besides its values: where it is, its CSRF token, the demo account. */
function formProps(
  ctx: AppContext,
  reply: FastifyReply,
  entry: 'home' | 'cabinet',
  { demo }: LoginPageOptions,
): LoginFormProps {
  ensureBrowserId(reply.request, reply, ctx.config);
  return {
    entry,
    csrfToken: reply.generateCsrf(),
    ...(demo ? { demo } : {}),
  };
}

function registerHomePage(app: FastifyInstance, ctx: AppContext, options: LoginPageOptions): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/',
    {
      schema: {
        querystring: Type.Object({
          tab: Type.Optional(Type.Union([Type.Literal('individuals'), Type.Literal('legal')])),
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const page = (
        <HomePage
          supplierName={ctx.supplierName}
          tab={req.query.tab ?? 'individuals'}
          {...formProps(ctx, reply, 'home', options)}
        />
      );
      return reply.type('text/html; charset=utf-8').send(renderPage(page));
    },
  );
}

/** "Частным лицам" and the privacy policy. */
function registerInfoPages(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/individuals', { schema: { response: Html } }, async (_req, reply) => {
    const settlements = await listSettlements(ctx.db.kysely);
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPage(<IndividualsPage supplierName={ctx.supplierName} settlements={settlements} />));
  });

  r.get('/privacy', { schema: { response: Html } }, async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        renderPage(
          <PrivacyPage supplierName={ctx.supplierName} policyVersion={ctx.config.consentPolicyVersion} />,
        ),
      ),
  );
}

/** Both login forms (the home page's and the cabinet's) post here; a refusal shows the same form again. */
function registerLogin(app: FastifyInstance, ctx: AppContext, options: LoginPageOptions): void {
  const deps = authDeps(ctx);
  const cookieName = sessionCookieName(ctx.config);
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/login',
    // Requests per address and in all, before any attempt is checked or stored (the lock-outs
    // count failures per account; this bounds the rows a flood of attempts writes at all).
    { onRequest: app.anonymousWrites.hook('login'), schema: { body: LoginBody, response: Html } },
    async (req, reply) => {
      const body = req.body;
      const entry = body.from === 'home' ? 'home' : 'cabinet';
      const values = {
        account: body.account ?? '',
        surname: body.surname ?? '',
        consent: body.consent === CONSENT_VALUE,
      };
      const returnTo = entry === 'cabinet' ? safeReturnPath(body.next) : undefined;
      const result = await login(deps, { ...values, ip: req.ip, browser: browserIdOf(req, ctx.config) });

      const rerender = (status: 400 | 401 | 429, extra: Partial<LoginFormProps>) => {
        const props = {
          ...formProps(ctx, reply, entry, options),
          values,
          ...(returnTo ? { returnTo } : {}),
          ...extra,
        };
        const page =
          entry === 'home' ? (
            <HomePage supplierName={ctx.supplierName} tab="individuals" {...props} />
          ) : (
            <CabinetLoginPage supplierName={ctx.supplierName} crumbs={CABINET_CRUMBS} {...props} />
          );
        return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
      };

      switch (result.kind) {
        case 'invalid':
          return rerender(400, { errors: result.errors });
        case 'failed':
          return rerender(401, { formError: failedMessage(ctx, result.left, result.retryAt) });
        case 'throttled': {
          const { retrySec, formError } = throttled(ctx, result.retryAt);
          void reply.header('Retry-After', String(retrySec));
          return rerender(429, { formError });
        }
        case 'ok': {
          // A session cookie that came with the login request is dropped: the new session gets a new token.
          const previous = req.cookies[cookieName];
          if (previous) {
            await deleteSessionByHash(ctx.db.kysely, hashToken(previous));
          }
          void reply.setCookie(cookieName, result.token, cookieOptions(ctx.config));
          rotateCsrfSecret(reply, ctx.config);
          return reply
            .code(303)
            .header('Location', returnTo ?? '/cabinet')
            .send('');
        }
      }
    },
  );
}

/** A throttled login: when to try again, in seconds (Retry-After) and as the local time shown. */
function throttled(ctx: AppContext, retryAt: Date): { retrySec: number; formError: string } {
  const retrySec = Math.max(1, Math.ceil((retryAt.getTime() - ctx.clock.now().getTime()) / 1000));
  return {
    retrySec,
    formError: `Слишком много неудачных попыток входа. Повторите попытку после ${localMinute(ctx, retryAt)} (по местному времени).`,
  };
}

/** A wrong number or surname, and how many attempts are left (the same for unknown numbers). */
function failedMessage(ctx: AppContext, left: number, retryAt: Date | null): string {
  const wrong = 'Неверный номер лицевого счёта или фамилия.';
  if (left === 0 && retryAt) {
    return `${wrong} Попытки входа исчерпаны: повторите после ${localMinute(ctx, retryAt)} (по местному времени).`;
  }
  const remain = pluralRu(left, { one: 'Осталась', few: 'Осталось', many: 'Осталось' });
  return `${wrong} ${remain} ${left} ${pluralRu(left, { one: 'попытка', few: 'попытки', many: 'попыток' })}.`;
}

/** The local time of `at`, rounded up to the minute: never earlier than allowed. */
function localMinute(ctx: AppContext, at: Date): string {
  return new Intl.DateTimeFormat('ru-RU', {
    timeZone: ctx.config.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS));
}

function registerLogout(app: FastifyInstance, ctx: AppContext): void {
  const deps = authDeps(ctx);
  const cookieName = sessionCookieName(ctx.config);
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      '/logout',
      { schema: { body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }) } },
      async (req, reply) => {
        const token = req.cookies[cookieName];
        if (token) {
          await logout(deps, token, req.ip);
        }
        // With the attributes it was set with: a browser ignores a __Host- cookie cleared without Secure.
        void reply.clearCookie(cookieName, cookieOptions(ctx.config));
        rotateCsrfSecret(reply, ctx.config);
        return reply.code(303).header('Location', '/cabinet').send('');
      },
    );
}

/** Renders the "Личный кабинет" login page (the second entry point), e.g. after a session ended. */
export function sendCabinetLogin(
  ctx: AppContext,
  { demo }: LoginPageOptions,
  reply: FastifyReply,
  notice?: string,
  returnTo?: string,
) {
  ensureBrowserId(reply.request, reply, ctx.config);
  const page = (
    <CabinetLoginPage
      supplierName={ctx.supplierName}
      crumbs={CABINET_CRUMBS}
      entry="cabinet"
      csrfToken={reply.generateCsrf()}
      {...(demo ? { demo } : {})}
      {...(notice ? { notice } : {})}
      {...(returnTo ? { returnTo } : {})}
    />
  );
  return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(renderPage(page));
}
