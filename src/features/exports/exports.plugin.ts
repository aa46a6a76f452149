import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { registerExportRoutes } from './exports.routes.tsx';

export interface ExportsPluginOptions {
  ctx: AppContext;
}

/**
 * The accountant's exports in the back office (/office/exports): charges, balances and payments
 * for 1С, the debtors list and the bank's debts registry, as the export-* commands write them.
 */
export const exportsPlugin: FastifyPluginCallback<ExportsPluginOptions> = (app, { ctx }, done) => {
  registerExportRoutes(app, ctx);
  done();
};
