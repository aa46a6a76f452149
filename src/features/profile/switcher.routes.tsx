import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { renderPage } from '../../platform/views/render.ts';
import { ErrorPage } from '../../platform/views/error-pages.tsx';
import { customerOf, type RequireCustomer } from '../account/session.hook.ts';
import { switchSessionAccount } from '../account/session.repository.ts';
import { attachedAccountByNumber } from './profile-accounts.repository.ts';

const SwitchBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  account: Type.Optional(Type.String({ maxLength: 40 })),
});
const Html = { 303: Type.String(), 403: Type.String(), 404: Type.String() };

function refuse(ctx: AppContext, reply: FastifyReply, status: 403 | 404, title: string, message: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      renderPage(
        <ErrorPage supplierName={ctx.supplierName} title={title} message={message} back="/cabinet" />,
      ),
    );
}

/**
 * POST /cabinet/switch {account}: a profile's session shows another of the profile's accounts,
 * then the cabinet's main page. An account not attached to the session's profile is refused with
 * 404, whatever exists under that number; a session of the manual's login has nothing to switch.
 */
export function registerSwitcherRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  requireCustomer: RequireCustomer,
) {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .post(
      '/cabinet/switch',
      { preHandler: requireCustomer(), schema: { body: SwitchBody, response: Html } },
      async (req, reply) => {
        const customer = customerOf(req);
        if (customer.profileId === null) {
          return refuse(
            ctx,
            reply,
            403,
            'Смена счёта недоступна',
            'Переключаться между счетами можно, когда Вы вошли по профилю (электронная почта и пароль). Создать профиль можно на странице «Профиль» Личного кабинета: /cabinet/profile.',
          );
        }
        const number = (req.body.account ?? '').replace(/[\s-]/g, '');
        const account = /^[0-9]{10}$/.test(number)
          ? await attachedAccountByNumber(ctx.db.kysely, customer.profileId, number)
          : undefined;
        const switched =
          account !== undefined &&
          (await switchSessionAccount(ctx.db.kysely, {
            sessionId: customer.sessionId,
            profileId: customer.profileId,
            accountId: account.accountId,
          }));
        if (!switched) {
          return refuse(
            ctx,
            reply,
            404,
            'Счёт не найден',
            'Этого лицевого счёта нет в Вашем профиле. Добавить счёт можно на странице «Счета профиля».',
          );
        }
        await recordAudit(ctx.db.kysely, ctx.clock.now(), {
          event: 'profile_switch',
          outcome: 'success',
          accountNumber: account.number,
          ip: req.ip,
          details: { profile: customer.profileId },
        });
        return reply.code(303).header('Location', '/cabinet').send('');
      },
    );
}
