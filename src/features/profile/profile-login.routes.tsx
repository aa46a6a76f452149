import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { pluralRu } from '../../domain/format.ts';
import { browserIdOf, ensureBrowserId } from '../account/browser-id.ts';
import { CONSENT_VALUE } from '../account/login.view.tsx';
import type { MailContext } from '../mail/mail.config.ts';
import { maskEmail, parseEmail } from '../mail/email-address.ts';
import type { ProfileDeps } from './profile-mail.ts';
import { loginProfile } from './profile-login.service.ts';
import { requestReset, resetLinkUsable, resetPassword } from './profile-password.service.ts';
import { confirmProfile, passwordInput, resendConfirmation, usableLink } from './profile.service.ts';
import { startProfileSession } from './profile-session.ts';
import {
  ConfirmProfilePage,
  EmailOnlyPage,
  ProfileLoginPage,
  ResetPage,
  type ProfileLoginProps,
} from './profile-login.view.tsx';

const MINUTE_MS = 60_000;
const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  401: Type.String(),
  404: Type.String(),
  429: Type.String(),
};
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const LoginBody = Type.Object({
  ...Csrf,
  email: Type.Optional(Type.String({ maxLength: 2000 })),
  password: Type.Optional(Type.String({ maxLength: 2000 })),
  consent: Type.Optional(Type.String({ maxLength: 10 })),
});
const EmailBody = Type.Object({ ...Csrf, email: Type.Optional(Type.String({ maxLength: 2000 })) });
const PasswordBody = Type.Object({
  ...Csrf,
  password: Type.Optional(Type.String({ maxLength: 2000 })),
  repeat: Type.Optional(Type.String({ maxLength: 2000 })),
});
const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });

/** What /profile/login says after a redirect (?notice=…). */
const NOTICES = {
  confirmed: 'Адрес подтверждён. Теперь можно входить по адресу электронной почты и паролю.',
  reset: 'Новый пароль сохранён, все сеансы профиля завершены. Войдите с новым паролем.',
} as const;

/**
 * E-mails sent after the answer (forgot, resend): the answer then takes as long whether or not an
 * e-mail goes out, so its timing tells nothing either. The app's close waits for them.
 */
export class Later {
  private readonly pending = new Set<Promise<void>>();
  constructor(private readonly onError: (err: unknown) => void) {}
  run(task: () => Promise<void>): void {
    const p = task()
      .catch(this.onError)
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

function send(
  reply: FastifyReply,
  status: 200 | 400 | 401 | 404 | 429,
  page: Parameters<typeof renderPage>[0],
) {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderPage(page));
}

/**
 * The profile's pages without a session: GET/POST /profile/login, /profile/forgot, /profile/resend,
 * /profile/reset/:token and /profile/confirm/:token. The links carry their token in the path, so
 * those routes log at "warn" only: no URL with a token reaches the logs.
 */
export function registerProfileLoginRoutes(
  app: FastifyInstance,
  ctx: MailContext,
  deps: ProfileDeps,
  later: Later,
) {
  registerLogin(app, ctx, deps);
  registerEmailOnly(app, ctx, deps, later);
  registerConfirmLink(app, ctx, deps);
  registerResetLink(app, ctx, deps);
}

function localMinute(ctx: MailContext, at: Date): string {
  return new Intl.DateTimeFormat('ru-RU', {
    timeZone: ctx.config.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS));
}

function failedMessage(ctx: MailContext, left: number, retryAt: Date | null): string {
  const wrong = 'Неверный адрес электронной почты или пароль.';
  if (left === 0 && retryAt) {
    return `${wrong} Попытки входа исчерпаны: повторите после ${localMinute(ctx, retryAt)} (по местному времени).`;
  }
  const remain = pluralRu(left, { one: 'Осталась', few: 'Осталось', many: 'Осталось' });
  return `${wrong} ${remain} ${left} ${pluralRu(left, { one: 'попытка', few: 'попытки', many: 'попыток' })}.`;
}

function registerLogin(app: FastifyInstance, ctx: MailContext, deps: ProfileDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const page = (reply: FastifyReply, status: 200 | 400 | 401 | 429, p: Partial<ProfileLoginProps>) => {
    ensureBrowserId(reply.request, reply, ctx.config);
    return send(
      reply,
      status,
      <ProfileLoginPage supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} {...p} />,
    );
  };
  r.get(
    '/profile/login',
    {
      schema: {
        querystring: Type.Object({ notice: Type.Optional(Type.String({ maxLength: 20 })) }),
        response: Html,
      },
    },
    async (req, reply) => {
      const n = req.query.notice;
      return page(reply, 200, n === 'confirmed' || n === 'reset' ? { notice: NOTICES[n] } : {});
    },
  );
  r.post(
    '/profile/login',
    { onRequest: r.anonymousWrites.hook('profile_login'), schema: { body: LoginBody, response: Html } },
    async (req, reply) => {
      const email = req.body.email ?? '';
      const consent = req.body.consent === CONSENT_VALUE;
      const result = await loginProfile(deps, {
        email,
        password: passwordInput(req.body.password),
        consent,
        ip: req.ip,
        browser: browserIdOf(req, ctx.config),
      });
      switch (result.kind) {
        case 'invalid':
          return page(reply, 400, { email, consent, errors: result.errors });
        case 'failed':
          return page(reply, 401, { email, formError: failedMessage(ctx, result.left, result.retryAt) });
        case 'throttled': {
          const retrySec = Math.max(
            1,
            Math.ceil((result.retryAt.getTime() - ctx.clock.now().getTime()) / 1000),
          );
          void reply.header('Retry-After', String(retrySec));
          const formError = `Слишком много неудачных попыток входа. Повторите попытку после ${localMinute(ctx, result.retryAt)} (по местному времени).`;
          return page(reply, 429, { email, formError });
        }
        case 'unconfirmed':
          return page(reply, 401, {
            email,
            unconfirmed: true,
            formError:
              'Адрес электронной почты ещё не подтверждён: откройте ссылку из письма, которое пришло после создания профиля. Письмо можно отправить ещё раз.',
          });
        case 'no_account':
          return page(reply, 401, { email, formError: noAccount });
        case 'ok': {
          const s = await startProfileSession(ctx, reply, result.profileId, req.ip);
          if (s.kind === 'no_account') {
            return page(reply, 401, { email, formError: noAccount });
          }
          return reply.code(303).header('Location', '/cabinet').send('');
        }
      }
    },
  );
}

const noAccount =
  'В профиле нет ни одного лицевого счёта. Войдите по номеру лицевого счёта и фамилии и добавьте счёт в профиль на странице «Профиль».';

/** «Забыли пароль?» and «Отправить письмо ещё раз»: the same answer for every well-formed address. */
function registerEmailOnly(app: FastifyInstance, ctx: MailContext, deps: ProfileDeps, later: Later) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const kind of ['forgot', 'resend'] as const) {
    const page = (
      reply: FastifyReply,
      status: 200 | 400,
      p: { email?: string; error?: string; done?: boolean },
    ) =>
      send(
        reply,
        status,
        <EmailOnlyPage supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} kind={kind} {...p} />,
      );
    r.get(`/profile/${kind}`, { schema: { response: Html } }, async (_req, reply) => page(reply, 200, {}));
    r.post(
      `/profile/${kind}`,
      { onRequest: r.anonymousWrites.hook(`profile_${kind}`), schema: { body: EmailBody, response: Html } },
      async (req, reply) => {
        const email = req.body.email ?? '';
        const checked = parseEmail(email);
        if (!checked.ok) {
          return page(reply, 400, { email, error: checked.message });
        }
        const ip = req.ip;
        later.run(() =>
          kind === 'forgot' ? requestReset(deps, email, ip) : resendConfirmation(deps, email, ip),
        );
        return page(reply, 200, { email, done: true });
      },
    );
  }
}

function invalidLink(reply: FastifyReply, ctx: MailContext, what: 'confirm' | 'reset') {
  return send(
    reply,
    404,
    <ErrorPage
      supplierName={ctx.supplierName}
      title="Ссылка недействительна"
      message={
        what === 'confirm'
          ? 'Ссылка для подтверждения адреса недействительна: она уже использована, истёк срок её действия (24 часа) или ссылка неполная. Письмо можно отправить ещё раз со страницы входа по e-mail.'
          : 'Ссылка для нового пароля недействительна: она уже использована, истёк срок её действия (30 минут) или ссылка неполная. Запросите новую ссылку: «Забыли пароль?» на странице входа по e-mail.'
      }
      back="/profile/login"
    />,
  );
}

/** The confirmation link from the e-mail: a GET shows a page, the POST (with the CSRF token) acts. */
function registerConfirmLink(app: FastifyInstance, ctx: MailContext, deps: ProfileDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const quiet = { logLevel: 'warn' as const };
  r.get(
    '/profile/confirm/:token',
    { ...quiet, schema: { params: TokenParams, response: Html } },
    async (req, reply) => {
      const link = await usableLink(deps, req.params.token, 'confirm');
      if (!link) {
        return invalidLink(reply, ctx, 'confirm');
      }
      const masked = maskEmail(link.email);
      return send(
        reply,
        200,
        <ConfirmProfilePage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          action={`/profile/confirm/${req.params.token}`}
          masked={masked}
        />,
      );
    },
  );
  r.post(
    '/profile/confirm/:token',
    {
      ...quiet,
      onRequest: r.anonymousWrites.hook('profile_link'),
      schema: { params: TokenParams, body: Type.Object(Csrf), response: Html },
    },
    async (req, reply) => {
      const res = await confirmProfile(deps, req.params.token, req.ip);
      if (!res.ok) {
        return invalidLink(reply, ctx, 'confirm');
      }
      return reply.code(303).header('Location', '/profile/login?notice=confirmed').send('');
    },
  );
}

/** The password reset link's page and form. */
function registerResetLink(app: FastifyInstance, ctx: MailContext, deps: ProfileDeps) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const quiet = { logLevel: 'warn' as const };
  const resetPage = (reply: FastifyReply, status: 200 | 400, token: string, errors = {}) =>
    send(
      reply,
      status,
      <ResetPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        action={`/profile/reset/${token}`}
        errors={errors}
      />,
    );
  r.get(
    '/profile/reset/:token',
    { ...quiet, schema: { params: TokenParams, response: Html } },
    async (req, reply) =>
      (await resetLinkUsable(deps, req.params.token))
        ? resetPage(reply, 200, req.params.token)
        : invalidLink(reply, ctx, 'reset'),
  );
  r.post(
    '/profile/reset/:token',
    {
      ...quiet,
      onRequest: r.anonymousWrites.hook('profile_link'),
      schema: { params: TokenParams, body: PasswordBody, response: Html },
    },
    async (req, reply) => {
      const res = await resetPassword(
        deps,
        req.params.token,
        { password: passwordInput(req.body.password), repeat: passwordInput(req.body.repeat) },
        req.ip,
      );
      switch (res.kind) {
        case 'gone':
          return invalidLink(reply, ctx, 'reset');
        case 'invalid':
          return resetPage(reply, 400, req.params.token, res.errors);
        case 'reset':
          return reply.code(303).header('Location', '/profile/login?notice=reset').send('');
      }
    },
  );
}
