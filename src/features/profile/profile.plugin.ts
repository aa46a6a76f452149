import type { FastifyPluginCallback } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';
import type { Job } from '../../platform/jobs.ts';
import type { RequireCustomer } from '../account/session.hook.ts';
import type { MailTransport } from '../mail/transport.ts';

export interface ProfilePluginOptions {
  ctx: AppContext;
  requireCustomer: RequireCustomer;
  jobs: Job[];
  /** The same SMTP transport as the bills' confirmation links (made by app.ts). */
  transport: MailTransport;
}

/**
 * Profiles: one login (an e-mail with a password, or a passkey) for several accounts. Making a
 * profile from a cabinet session, confirming its e-mail, logging in and resetting the password;
 * attaching accounts with a proof, detaching, the switcher; passkeys.
 */
export const profilePlugin: FastifyPluginCallback<ProfilePluginOptions> = (_app, _options, done) => {
  done();
};
