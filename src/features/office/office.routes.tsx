import type { FastifyInstance, FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { qrcode } from '../../platform/qrcode.ts';
import type { AppContext } from '../../platform/http/context.ts';
import { rotateCsrfSecret } from '../../platform/http/security.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffCookie } from './office.guard.tsx';
import {
  checkPassword,
  checkSecondFactor,
  isPendingLogin,
  logoutStaff,
  type StaffDeps,
} from './staff-login.service.ts';
import {
  confirmEnrollCode,
  enrollmentOf,
  pendingSecretOf,
  setEnrollPassword,
} from './staff-admin.service.ts';
import { totpUri } from './credentials.ts';
import { RecoveryNoticePage, StaffCodePage, StaffLoginPage } from './login.view.tsx';
import { EnrollCodePage, EnrollDonePage, EnrollGonePage, EnrollPasswordPage } from './enroll.view.tsx';

// The way in: the login (password, then a TOTP or recovery code), the logout, and the one-time
// enrollment link. All public in the rights matrix; everything else needs what these give.

const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  401: Type.String(),
  404: Type.String(),
  410: Type.String(),
  429: Type.String(),
};
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const TokenField = Type.String({ maxLength: 100 });

export function staffDeps(ctx: AppContext): StaffDeps {
  return { db: ctx.db.kysely, clock: ctx.clock };
}

function html(reply: FastifyReply, status: number, page: VNode) {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
}

export function registerOfficeAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerLogin(app, ctx);
  registerCodeStep(app, ctx);
  registerLogout(app, ctx);
  registerEnrollLink(app, ctx);
  registerEnrollCode(app, ctx);
}

function registerLogin(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);
  const cookie = staffCookie(ctx.config);
  const { supplierName } = ctx;

  r.get('/office/login', { schema: { response: Html } }, async (_req, reply) =>
    html(reply, 200, <StaffLoginPage supplierName={supplierName} csrfToken={reply.generateCsrf()} />),
  );

  r.post(
    '/office/login',
    {
      schema: {
        body: Type.Object({
          login: Type.Optional(Type.String({ maxLength: 100 })),
          password: Type.Optional(Type.String({ maxLength: 1000 })),
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const login = req.body.login ?? '';
      const password = req.body.password ?? '';
      const again = (
        status: number,
        extra: { errors?: { login?: string; password?: string }; formError?: string },
      ) =>
        html(
          reply,
          status,
          <StaffLoginPage
            supplierName={supplierName}
            csrfToken={reply.generateCsrf()}
            login={login}
            {...extra}
          />,
        );
      if (password.length > 200) {
        return again(400, { errors: { password: 'Пароль слишком длинный.' } });
      }
      const result = await checkPassword(deps, { login, password, ip: req.ip });
      switch (result.kind) {
        case 'invalid':
          return again(400, { errors: result.errors });
        case 'throttled':
          void reply.header('Retry-After', String(retrySeconds(ctx, result.retryAt)));
          return again(429, { formError: lockedMessage(ctx, result.retryAt) });
        case 'failed':
          return again(401, { formError: 'Неверный логин или пароль.' });
        case 'disabled':
          return again(401, { formError: 'Учётная запись отключена. Обратитесь к администратору.' });
        case 'ok':
          void reply.setCookie(cookie.name, result.pendingToken, cookie.options);
          return reply.code(303).header('Location', '/office/login/code').send('');
      }
    },
  );
}

function registerCodeStep(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);
  const cookie = staffCookie(ctx.config);
  const { supplierName } = ctx;

  r.get('/office/login/code', { schema: { response: Html } }, async (req, reply) => {
    const token = req.cookies[cookie.name];
    if (!token || token.length > 100 || !(await isPendingLogin(deps, token))) {
      return reply.code(303).header('Location', '/office/login').send('');
    }
    return html(reply, 200, <StaffCodePage supplierName={supplierName} csrfToken={reply.generateCsrf()} />);
  });

  r.post(
    '/office/login/code',
    {
      schema: {
        body: Type.Object({ code: Type.Optional(Type.String({ maxLength: 100 })), ...Csrf }),
        response: Html,
      },
    },
    async (req, reply) => {
      const token = req.cookies[cookie.name];
      const result =
        token && token.length <= 100
          ? await checkSecondFactor(deps, { pendingToken: token, code: req.body.code ?? '', ip: req.ip })
          : ({ kind: 'expired' } as const);
      const again = (status: number, extra: { error?: string; formError?: string }) =>
        html(
          reply,
          status,
          <StaffCodePage supplierName={supplierName} csrfToken={reply.generateCsrf()} {...extra} />,
        );
      switch (result.kind) {
        case 'expired':
          return html(
            reply.code(401),
            401,
            <StaffLoginPage
              supplierName={supplierName}
              csrfToken={reply.generateCsrf()}
              notice="Время на ввод кода истекло или вход не начат. Введите логин и пароль снова."
            />,
          );
        case 'invalid':
          return again(400, { error: result.error });
        case 'failed':
          return again(401, { error: 'Код не подошёл. Введите новый код из приложения или резервный код.' });
        case 'throttled':
          void reply.clearCookie(cookie.name, cookie.options);
          void reply.header('Retry-After', String(retrySeconds(ctx, result.retryAt)));
          return html(
            reply,
            429,
            <StaffLoginPage
              supplierName={supplierName}
              csrfToken={reply.generateCsrf()}
              formError={lockedMessage(ctx, result.retryAt)}
            />,
          );
        case 'ok':
          void reply.setCookie(cookie.name, result.token, cookie.options);
          rotateCsrfSecret(reply, ctx.config);
          if (result.recoveryLeft !== undefined) {
            // A page of its own (no form on it, so the rotated CSRF secret is not needed yet).
            return html(
              reply,
              200,
              <RecoveryNoticePage supplierName={supplierName} csrfToken="" left={result.recoveryLeft} />,
            );
          }
          return reply.code(303).header('Location', '/office').send('');
      }
    },
  );
}

function registerLogout(app: FastifyInstance, ctx: AppContext): void {
  const deps = staffDeps(ctx);
  const cookie = staffCookie(ctx.config);
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      '/office/logout',
      { schema: { body: Type.Object(Csrf), response: { 303: Type.String() } } },
      async (req, reply) => {
        const token = req.cookies[cookie.name];
        if (token && token.length <= 100) {
          await logoutStaff(deps, token, req.ip);
        }
        void reply.clearCookie(cookie.name, cookie.options);
        rotateCsrfSecret(reply, ctx.config);
        return reply.code(303).header('Location', '/office/login').send('');
      },
    );
}

function retrySeconds(ctx: AppContext, at: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - ctx.clock.now().getTime()) / 1000));
}

function lockedMessage(ctx: AppContext, at: Date): string {
  const time = new Intl.DateTimeFormat('ru-RU', {
    timeZone: ctx.config.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(Math.ceil(at.getTime() / 60_000) * 60_000));
  return `Слишком много неудачных попыток: вход заблокирован до ${time} (по местному времени).`;
}

function enrollGone(ctx: AppContext, reply: FastifyReply) {
  return html(
    reply,
    410,
    <EnrollGonePage supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} />,
  );
}

/** The link, and its first step: the password. */
function registerEnrollLink(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);
  const { supplierName } = ctx;
  const gone = (reply: FastifyReply) => enrollGone(ctx, reply);

  r.get(
    '/office/enroll/:token',
    { schema: { params: Type.Object({ token: TokenField }), response: Html } },
    async (req, reply) => {
      const user = await enrollmentOf(deps, req.params.token);
      if (!user) {
        return gone(reply);
      }
      return html(
        reply,
        200,
        <EnrollPasswordPage
          supplierName={supplierName}
          csrfToken={reply.generateCsrf()}
          token={req.params.token}
          login={user.login}
          fullName={user.fullName}
        />,
      );
    },
  );

  r.post(
    '/office/enroll/password',
    {
      schema: {
        body: Type.Object({
          token: Type.Optional(TokenField),
          password: Type.Optional(Type.String({ maxLength: 1000 })),
          password2: Type.Optional(Type.String({ maxLength: 1000 })),
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const token = req.body.token ?? '';
      const result = await setEnrollPassword(deps, token, req.body.password ?? '', req.body.password2 ?? '');
      const base = { supplierName, csrfToken: reply.generateCsrf(), token };
      switch (result.kind) {
        case 'gone':
          return gone(reply);
        case 'invalid':
          return html(
            reply,
            400,
            <EnrollPasswordPage
              {...base}
              login={result.user.login}
              fullName={result.user.fullName}
              errors={result.errors}
            />,
          );
        case 'ok':
          return html(
            reply,
            200,
            <EnrollCodePage
              {...base}
              login={result.user.login}
              fullName={result.user.fullName}
              secret={result.secret}
              qrDataUrl={await qrDataUrl(totpUri(supplierName, result.user.login, result.secret))}
            />,
          );
      }
    },
  );
}

/** The second step, the first code from the app; then the recovery codes. */
function registerEnrollCode(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);
  const { supplierName } = ctx;
  const gone = (reply: FastifyReply) => enrollGone(ctx, reply);
  r.post(
    '/office/enroll/code',
    {
      schema: {
        body: Type.Object({
          token: Type.Optional(TokenField),
          code: Type.Optional(Type.String({ maxLength: 100 })),
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const token = req.body.token ?? '';
      const result = await confirmEnrollCode(deps, token, req.body.code ?? '', req.ip);
      const base = { supplierName, csrfToken: reply.generateCsrf(), token };
      switch (result.kind) {
        case 'gone':
          return gone(reply);
        case 'restart':
          return reply.code(303).header('Location', `/office/enroll/${token}`).send('');
        case 'invalid': {
          const secret = (await pendingSecretOf(deps, token)) ?? result.secret;
          return html(
            reply,
            400,
            <EnrollCodePage
              {...base}
              login={result.user.login}
              fullName={result.user.fullName}
              secret={secret}
              qrDataUrl={await qrDataUrl(totpUri(supplierName, result.user.login, secret))}
              error={result.error}
            />,
          );
        }
        case 'ok':
          return html(
            reply,
            200,
            <EnrollDonePage
              supplierName={supplierName}
              csrfToken={base.csrfToken}
              login={result.user.login}
              codes={result.recoveryCodes}
            />,
          );
      }
    },
  );
}

/** The QR code as an SVG image in a data: URL (an <img>: no inline style for the CSP to refuse). */
async function qrDataUrl(text: string): Promise<string> {
  const svg = await qrcode().toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
