import type { FastifyPluginCallback } from 'fastify';
import { periodicJob, type Job } from '../../platform/jobs.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import type { MailContext } from '../mail/mail.config.ts';
import type { MailTransport } from '../mail/transport.ts';
import { scrubEmails } from '../mail/email-address.ts';
import type { ProfileDeps } from './profile-mail.ts';
import { pruneProfileAttempts } from './profile-login.repository.ts';
import { Later, registerProfileLoginRoutes } from './profile-login.routes.tsx';
import { registerProfileRoutes } from './profile.routes.tsx';
import { registerProfileAccounts } from './accounts.routes.tsx';
import { registerPasskeyRoutes } from './passkey.routes.tsx';

export interface ProfilePluginOptions {
  ctx: MailContext;
  requireCustomer: RequireCustomer;
  jobs: Job[];
  /** The same SMTP transport as the bills' confirmation links (made by app.ts). */
  transport: MailTransport;
  /** A password reset revokes the profile's API tokens through this (the tokens feature's). */
  revokeTokens: ProfileDeps['revokeTokens'];
}

const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * Profiles: one login (an e-mail with a password, or a passkey) for several accounts. Making a
 * profile from a cabinet session, confirming its e-mail, logging in and resetting the password;
 * attaching accounts with a proof, detaching, the switcher; passkeys.
 */
export const profilePlugin: FastifyPluginCallback<ProfilePluginOptions> = (app, options, done) => {
  const { ctx, requireCustomer, jobs, transport, revokeTokens } = options;
  const deps: ProfileDeps = {
    db: ctx.db.kysely,
    dialect: ctx.db.dialect,
    clock: ctx.clock,
    mail: ctx.config.mail,
    publicUrl: ctx.config.publicUrl,
    supplierName: ctx.supplierName,
    transport,
    loginLimits: ctx.config.loginLimits,
    revokeTokens,
  };
  const later = new Later((err) =>
    app.log.warn({ err: { message: scrubEmails(String(err)) } }, 'profile e-mail failed'),
  );
  app.addHook('onClose', async () => later.drain());
  registerProfileRoutes(app, ctx, deps, requireCustomer);
  registerProfileLoginRoutes(app, ctx, deps, later);
  jobs.push(
    periodicJob('prune profile login attempts', PRUNE_INTERVAL_MS, async () => {
      const keep = Math.max(ctx.config.loginLimits.windowMs, ctx.config.loginLimits.ipWindowMs);
      await pruneProfileAttempts(ctx.db.kysely, ctx.clock.now().getTime() - 2 * keep);
    }),
  );
  registerProfileAccounts(app, options);
  registerPasskeyRoutes(app, ctx, options);
  done();
};
