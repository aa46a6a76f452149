import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../http/context.ts';
import { requireCustomer } from '../auth/session.hook.ts';
import { dateInZone } from '../domain/dates.ts';
import { renderPage } from '../views/render.ts';
import { ErrorPage } from '../views/error-pages.tsx';
import { loadMainPage } from './cabinet.service.ts';
import { MainPage } from './cabinet.view.tsx';

export function registerCabinetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const guard = requireCustomer(ctx);

  r.get('/cabinet', { preHandler: guard, schema: { response: { 200: Type.String() } } }, async (req, reply) => {
    const customer = req.customer!;
    const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
    const model = await loadMainPage(ctx.db.kysely, customer.accountId, today);
    const html = renderPage(<MainPage model={model} supplierName={ctx.supplierName} csrfToken={reply.generateCsrf()} />);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  // The month's bill is served here once the monthly closing produces it.
  r.get(
    '/cabinet/bills/:file',
    {
      preHandler: guard,
      schema: {
        params: Type.Object({ file: Type.String({ maxLength: 40 }) }),
        response: { 404: Type.String() },
      },
    },
    async (_req, reply) =>
      reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(
          renderPage(
            <ErrorPage
              supplierName={ctx.supplierName}
              title="Квитанция не найдена"
              message="Квитанция за этот период ещё не сформирована. Квитанции формируются после закрытия расчётного месяца."
              back="/cabinet"
            />,
          ),
        ),
  );
}
