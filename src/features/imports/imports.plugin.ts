import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppContext } from '../../platform/http/context.ts';
import type { Job } from '../../platform/jobs.ts';
import type { ImportsConfig } from './imports.config.ts';
import { loadProfiles } from './registry.profiles.ts';
import { uploadKinds } from './upload.kinds.ts';
import { registerUploadRoutes } from './upload.routes.tsx';
import { uploadJob } from './upload.worker.ts';

export interface ImportsPluginOptions {
  ctx: AppContext;
  config: ImportsConfig;
  jobs: Job[];
}

/**
 * Imports uploaded in the back office: the upload page and its routes (multipart, in this
 * plugin's scope only), and the job runner that runs the queued uploads in every listening
 * instance (app/jobs.ts starts and stops it).
 */
export const importsPlugin: FastifyPluginAsync<ImportsPluginOptions> = async (app, { ctx, config, jobs }) => {
  const kinds = uploadKinds(loadProfiles());
  await app.register(multipart, {
    // An oversized file is cut at the limit and marked truncated: refused with a message, not a 413.
    throwFileSizeLimit: false,
    limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
  });
  registerUploadRoutes(app, ctx, kinds, config.uploadMaxBytes);
  jobs.push(
    uploadJob(
      {
        db: ctx.db.kysely,
        clock: ctx.clock,
        timeZone: ctx.config.timeZone,
        readingsLastDay: ctx.config.readingsLastDay,
        kinds,
        leaseMs: config.leaseMs,
      },
      config.pollMs,
    ),
  );
};
