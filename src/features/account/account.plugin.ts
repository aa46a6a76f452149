import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import { periodicJob, type Job } from '../../platform/jobs.ts';
import { registerAuthRoutes, type LoginPageOptions } from './account.routes.tsx';
import { pruneAuthState } from './maintenance.ts';

const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface AccountPluginOptions {
  ctx: AppContext;
  loginPage: LoginPageOptions;
  jobs: Job[];
}

/**
 * Logging in and out, the home, individuals and privacy pages; a job that removes expired
 * sessions and old login attempts. The guard of the customer's pages is made by the app
 * (`customerGuard`) and handed to the other features.
 */
export const accountPlugin: FastifyPluginCallback<AccountPluginOptions> = (
  app,
  { ctx, loginPage, jobs },
  done,
) => {
  registerAuthRoutes(app, ctx, loginPage);
  jobs.push(
    periodicJob('prune sessions', PRUNE_INTERVAL_MS, async () => {
      await pruneAuthState(ctx.db.kysely, ctx.config, ctx.clock.now().getTime());
    }),
  );
  done();
};
