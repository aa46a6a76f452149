import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { listOffices } from './offices.repository.ts';
import { OfficesPage } from './offices.view.tsx';

export function registerOfficeRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/offices', { schema: { response: { 200: Type.String() } } }, async (_req, reply) => {
    const offices = await listOffices(ctx.db.kysely);
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPage(<OfficesPage offices={offices} supplierName={ctx.supplierName} />));
  });
}
