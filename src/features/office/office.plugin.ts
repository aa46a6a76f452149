import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { periodicJob, type Job } from '../../platform/jobs.ts';
import { registerOfficeAuthRoutes, staffDeps } from './office.routes.tsx';
import { registerStaffRoutes } from './staff.routes.tsx';
import { registerAuditRoutes } from './audit.routes.tsx';
import { pruneStaffState } from './staff-login.service.ts';

const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface OfficePluginOptions {
  ctx: AppContext;
  jobs: Job[];
}

/**
 * The back office's way in (login with two factors, enrollment), the admin's staff screen and audit viewer,
 * with a job that removes expired staff sessions and old attempts. The guard of every /office
 * route is registered on the root instance by the app first (`registerStaffGuard`), so that
 * pages composed elsewhere are guarded too.
 */
export const officePlugin: FastifyPluginCallback<OfficePluginOptions> = (app, { ctx, jobs }, done) => {
  registerOfficeAuthRoutes(app, ctx);
  registerStaffRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  jobs.push(
    periodicJob('prune staff sessions', PRUNE_INTERVAL_MS, async () => {
      await pruneStaffState(staffDeps(ctx));
    }),
  );
  done();
};
