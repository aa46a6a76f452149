import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { customerOf, type Customer, type RequireCustomer } from '../account/session.hook.ts';
import { accessOf, removeAccess } from './access.service.ts';
import { AccessPage, type AccessPageProps } from './access.view.tsx';
import { localDateTime } from './accounts.service.ts';
import { switcherOf } from './switcher.ts';

const Html = { 200: Type.String(), 303: Type.String(), 404: Type.String(), 409: Type.String() };
const RemoveBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  profile: Type.Optional(Type.String({ maxLength: 20 })),
});

async function sendAccessPage(
  ctx: AppContext,
  reply: FastifyReply,
  customer: Customer,
  status: number,
  notice?: AccessPageProps['notice'],
) {
  const db = ctx.db.kysely;
  const rows = await accessOf(db, customer);
  const dates = new Map(
    rows.map((r) => [r.profileId, localDateTime(ctx.config.timeZone, new Date(r.attachedAt)).slice(0, 10)]),
  );
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      renderPage(
        <AccessPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          switcher={await switcherOf(db, customer)}
          accountNumber={customer.accountNumber}
          rows={rows}
          dates={dates}
          notice={notice}
        />,
      ),
    );
}

/**
 * GET /cabinet/access: the profiles that see the session's account (e-mails masked); POST
 * /cabinet/access/remove {profile}: its holder takes one's access away. Every session showing the
 * account may: its login by number and surname, or a profile that proved it.
 */
export function registerAccessRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  requireCustomer: RequireCustomer,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/cabinet/access',
    {
      preHandler: requireCustomer(),
      schema: { querystring: Type.Object({ removed: Type.Optional(Type.Literal('1')) }), response: Html },
    },
    async (req, reply) =>
      sendAccessPage(
        ctx,
        reply,
        customerOf(req),
        200,
        req.query.removed ? { text: 'Доступ профиля к счёту удалён.' } : undefined,
      ),
  );

  r.post(
    '/cabinet/access/remove',
    { preHandler: requireCustomer(), schema: { body: RemoveBody, response: Html } },
    async (req, reply) => {
      const customer = customerOf(req);
      const id = /^[0-9]{1,15}$/.test(req.body.profile ?? '') ? Number(req.body.profile) : NaN;
      const res = Number.isSafeInteger(id)
        ? await removeAccess(
            { db: ctx.db.kysely, clock: ctx.clock, dialect: ctx.db.dialect },
            customer,
            id,
            req.ip,
          )
        : 'unknown';
      if (res === 'removed') {
        // One's own profile removed: the session now shows another of its accounts.
        return reply
          .code(303)
          .header('Location', id === customer.profileId ? '/cabinet' : '/cabinet/access?removed=1')
          .send('');
      }
      return sendAccessPage(ctx, reply, customer, res === 'last' ? 409 : 404, {
        error: true,
        text:
          res === 'last'
            ? 'Это единственный счёт Вашего профиля: его нельзя убрать, пока в профиле нет другого счёта.'
            : 'Этот профиль не видит счёт: доступ уже удалён.',
      });
    },
  );
}
