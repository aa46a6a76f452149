import type { FastifyPluginCallback } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import type { CoreConfig } from '../../platform/config.ts';
import { renderPage } from '../../platform/views/render.ts';
import { dateInZone } from '../../domain/dates.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { OfficePage } from '../../features/office/office.view.tsx';
import { loadAccountCard } from './card.service.ts';
import { AccountCardPage } from './card.view.tsx';
import { auditCursor, cardPagers, chargesCursor } from './card-pager.ts';

export interface AccountCardPluginOptions {
  ctx: AppContext<CoreConfig & { billing: { dueDay: number } }>;
}

/** Where the card's paged lists start (card-pager.ts); anything else shows their newest rows. */
const CardQuery = Type.Object({
  charges: Type.Optional(Type.String({ maxLength: 60 })),
  audit: Type.Optional(Type.String({ maxLength: 60 })),
});

/**
 * The account card (/office/accounts/:id; operators and accountants, rights.ts). The charges and
 * the audit trail are paged (`?charges=…&audit=…`, plain links, no script needed).
 */
export const accountCardPlugin: FastifyPluginCallback<AccountCardPluginOptions> = (app, { ctx }, done) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/office/accounts/:id',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
        querystring: CardQuery,
        response: { 200: Type.String(), 404: Type.String() },
      },
    },
    async (req, reply) => {
      const user = staffOf(req).user;
      const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
      const at = req.query;
      const card = await loadAccountCard(
        ctx.db.kysely,
        req.params.id,
        today,
        {
          readingsFirstDay: ctx.config.readingsFirstDay,
          readingsLastDay: ctx.config.readingsLastDay,
          paymentDueDay: ctx.config.billing.dueDay,
        },
        { charges: chargesCursor(at.charges), audit: auditCursor(at.audit) },
      );
      const csrfToken = reply.generateCsrf();
      if (!card) {
        const page = (
          <OfficePage
            title="Лицевой счёт не найден"
            supplierName={ctx.supplierName}
            csrfToken={csrfToken}
            user={user}
          >
            <section class="panel">
              <h1>Лицевой счёт не найден</h1>
              <p>
                Такого лицевого счёта нет. <a href="/office/search">Найти другой</a>
              </p>
            </section>
          </OfficePage>
        );
        return reply.code(404).type('text/html; charset=utf-8').send(renderPage(page));
      }
      const page = (
        <AccountCardPage
          supplierName={ctx.supplierName}
          csrfToken={csrfToken}
          user={user}
          timeZone={ctx.config.timeZone}
          card={card}
          {...cardPagers(card, at)}
        />
      );
      return reply.type('text/html; charset=utf-8').send(renderPage(page));
    },
  );
  done();
};
