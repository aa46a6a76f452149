import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { pluralRu } from '../../domain/format.ts';
import { customerOf, type Customer, type RequireCustomer } from '../account/session.hook.ts';
import type { MailTransport } from '../mail/transport.ts';
import { accountCardsOfProfile, attachedAccountByNumber } from './profile-accounts.repository.ts';
import {
  attachWithProof,
  detach,
  localDateTime,
  type AttachResult,
  type ProfileAccountsDeps,
} from './accounts.service.ts';
import {
  AccountsPage,
  DetachConfirmPage,
  maskSurname,
  ProfileOnlyPage,
  type AccountsPageProps,
  type AttachFormState,
} from './accounts.view.tsx';
import { switcherOf } from './switcher.ts';
import { registerSwitcherRoutes } from './switcher.routes.tsx';
import { registerAccessRoutes } from './access.routes.tsx';

const PAGE = '/cabinet/profile/accounts';
const Number10 = Type.String({ pattern: '^[0-9]{10}$' });
const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  403: Type.String(),
  404: Type.String(),
  409: Type.String(),
  429: Type.String(),
};
const PageQuery = Type.Object({
  attached: Type.Optional(Number10),
  detached: Type.Optional(Number10),
  mail: Type.Optional(Type.Literal('failed')),
});
const AttachBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  number: Type.Optional(Type.String({ maxLength: 40 })),
  surname: Type.Optional(Type.String({ maxLength: 1000 })),
  amount: Type.Optional(Type.String({ maxLength: 40 })),
});
const DetachBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  account: Type.Optional(Type.String({ maxLength: 40 })),
  confirm: Type.Optional(Type.String({ maxLength: 10 })),
});

export interface AccountsRoutesOptions {
  ctx: AppContext;
  requireCustomer: RequireCustomer;
  transport: MailTransport;
}

/**
 * The profile's accounts (attach with a proof, detach), the header's switcher (/cabinet/switch)
 * and an account's «Кто видит этот счёт» (/cabinet/access): profile.plugin.ts calls this.
 */
export function registerProfileAccounts(app: FastifyInstance, o: AccountsRoutesOptions): void {
  const deps: ProfileAccountsDeps = {
    db: o.ctx.db.kysely,
    dialect: o.ctx.db.dialect,
    clock: o.ctx.clock,
    transport: o.transport,
    supplierName: o.ctx.supplierName,
    publicUrl: o.ctx.config.publicUrl,
    timeZone: o.ctx.config.timeZone,
  };
  registerAccountsPage(app, o.ctx, deps, o.requireCustomer);
  registerDetach(app, o.ctx, deps, o.requireCustomer);
  registerSwitcherRoutes(app, o.ctx, o.requireCustomer);
  registerAccessRoutes(app, o.ctx, o.requireCustomer);
}

function html(reply: FastifyReply, status: number, page: Parameters<typeof renderPage>[0]) {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
}

/** A session of the manual's login: the profile's pages say where profiles are made. */
function profileOnly(ctx: AppContext, reply: FastifyReply) {
  return html(
    reply,
    403,
    <ProfileOnlyPage supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} />,
  );
}

async function sendAccountsPage(
  ctx: AppContext,
  reply: FastifyReply,
  customer: Customer & { profileId: number },
  status: number,
  extra: Pick<AccountsPageProps, 'notice' | 'form'>,
) {
  const db = ctx.db.kysely;
  const cards = await accountCardsOfProfile(db, customer.profileId);
  return html(
    reply,
    status,
    <AccountsPage
      supplierName={ctx.supplierName}
      csrfToken={reply.generateCsrf()}
      switcher={await switcherOf(db, customer)}
      accounts={cards.map((c) => ({
        number: c.number,
        address: c.address,
        holder: maskSurname(c.surname),
        current: c.accountId === customer.accountId,
      }))}
      {...extra}
    />,
  );
}

function profileCustomer(req: FastifyRequest): (Customer & { profileId: number }) | null {
  const c = customerOf(req);
  return c.profileId === null ? null : { ...c, profileId: c.profileId };
}

function registerAccountsPage(
  app: FastifyInstance,
  ctx: AppContext,
  deps: ProfileAccountsDeps,
  requireCustomer: RequireCustomer,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    PAGE,
    { preHandler: requireCustomer(), schema: { querystring: PageQuery, response: Html } },
    async (req, reply) => {
      const customer = profileCustomer(req);
      if (!customer) {
        return profileOnly(ctx, reply);
      }
      const q = req.query;
      // A notice only about what is so: an address typed by hand announces nothing.
      const attached =
        q.attached !== undefined &&
        (await attachedAccountByNumber(ctx.db.kysely, customer.profileId, q.attached)) !== undefined;
      const notice = attached
        ? {
            text: `Лицевой счёт ${q.attached} добавлен в профиль.${q.mail ? ' Письмо об этом отправить не удалось.' : ' Об этом отправлено письмо на адрес профиля.'}`,
          }
        : q.detached && !(await attachedAccountByNumber(ctx.db.kysely, customer.profileId, q.detached))
          ? { text: `Лицевой счёт ${q.detached} убран из профиля.` }
          : undefined;
      return sendAccountsPage(ctx, reply, customer, 200, { notice });
    },
  );

  r.post(
    PAGE,
    { preHandler: requireCustomer(), schema: { body: AttachBody, response: Html } },
    async (req, reply) => {
      const customer = profileCustomer(req);
      if (!customer) {
        return profileOnly(ctx, reply);
      }
      const values = {
        number: req.body.number ?? '',
        surname: req.body.surname ?? '',
        amount: req.body.amount ?? '',
      };
      const res = await attachWithProof(deps, { profileId: customer.profileId, ip: req.ip }, values);
      if (res.kind === 'attached') {
        const mail = res.mailed ? '' : '&mail=failed';
        return reply.code(303).header('Location', `${PAGE}?attached=${res.number}${mail}`).send('');
      }
      if (res.kind === 'already') {
        return sendAccountsPage(ctx, reply, customer, 200, {
          notice: { text: `Лицевой счёт ${res.number} уже есть в профиле.` },
        });
      }
      if (res.kind === 'throttled') {
        const retrySec = Math.max(1, Math.ceil((res.retryAt.getTime() - ctx.clock.now().getTime()) / 1000));
        void reply.header('Retry-After', String(retrySec));
      }
      const status = res.kind === 'throttled' ? 429 : 400;
      return sendAccountsPage(ctx, reply, customer, status, { form: refusedForm(ctx, values, res) });
    },
  );
}

/** The form as typed, with what was wrong; a failed proof never says which part was wrong. */
function refusedForm(
  ctx: AppContext,
  values: AttachFormState['values'],
  res: Exclude<AttachResult, { kind: 'attached' | 'already' }>,
): AttachFormState {
  const when = (at: Date) => `${localDateTime(ctx.config.timeZone, at)} (по местному времени)`;
  switch (res.kind) {
    case 'invalid':
      return { values, errors: res.errors };
    case 'throttled':
      return {
        values,
        formError: `Слишком много неудачных попыток добавить счёт. Повторите после ${when(res.retryAt)}.`,
      };
    case 'failed': {
      const wrong = 'Номер лицевого счёта, фамилия или сумма указаны неверно.';
      if (res.left === 0 && res.retryAt) {
        return { values, formError: `${wrong} Попытки исчерпаны: повторите после ${when(res.retryAt)}.` };
      }
      const left = `${pluralRu(res.left, { one: 'Осталась', few: 'Осталось', many: 'Осталось' })} ${res.left} ${pluralRu(res.left, { one: 'попытка', few: 'попытки', many: 'попыток' })} на сегодня.`;
      return { values, formError: `${wrong} ${left}` };
    }
  }
}

function registerDetach(
  app: FastifyInstance,
  ctx: AppContext,
  deps: ProfileAccountsDeps,
  requireCustomer: RequireCustomer,
) {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      `${PAGE}/detach`,
      { preHandler: requireCustomer(), schema: { body: DetachBody, response: Html } },
      async (req, reply) => {
        const customer = profileCustomer(req);
        if (!customer) {
          return profileOnly(ctx, reply);
        }
        const number = (req.body.account ?? '').replace(/[\s-]/g, '');
        const switcher = await switcherOf(ctx.db.kysely, customer);
        if (!switcher?.accounts.includes(number)) {
          return html(
            reply,
            404,
            <ErrorPage
              supplierName={ctx.supplierName}
              title="Счёт не найден"
              message="Этого лицевого счёта нет в Вашем профиле."
              back={PAGE}
            />,
          );
        }
        if (req.body.confirm !== 'yes') {
          return html(
            reply,
            200,
            <DetachConfirmPage
              supplierName={ctx.supplierName}
              csrfToken={reply.generateCsrf()}
              switcher={switcher}
              number={number}
            />,
          );
        }
        const res = await detach(
          deps,
          {
            profileId: customer.profileId,
            ip: req.ip,
            sessionId: customer.sessionId,
            shownAccountId: customer.accountId,
          },
          number,
        );
        if (res === 'detached') {
          return reply.code(303).header('Location', `${PAGE}?detached=${number}`).send('');
        }
        return sendAccountsPage(ctx, reply, customer, res === 'last' ? 409 : 404, {
          notice: {
            error: true,
            text:
              res === 'last'
                ? `Лицевой счёт ${number} — единственный в профиле, его нельзя убрать: без счетов профилю нечего показывать. Сначала добавьте другой счёт.`
                : 'Этого лицевого счёта нет в Вашем профиле.',
          },
        });
      },
    );
}
