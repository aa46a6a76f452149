import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { renderPage } from '../../platform/views/render.ts';
import { customerOf, switcherFor, type Customer, type RequireCustomer } from '../account/session.hook.ts';
import type { MailContext } from '../mail/mail.config.ts';
import type { ProfileDeps, SendOutcome } from './profile-mail.ts';
import { changePassword } from './profile-password.service.ts';
import { findProfile } from './profile.repository.ts';
import { createProfile, passwordInput } from './profile.service.ts';
import {
  CreateProfilePage,
  PROFILE_FLASH,
  ProfilePage,
  type CreateFormState,
  type PasswordFormState,
  type ProfileFlash,
} from './profile.view.tsx';

const Html = { 200: Type.String(), 303: Type.String(), 400: Type.String() };
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const Secret = Type.Optional(Type.String({ maxLength: 2000 }));
const CreateBody = Type.Object({
  ...Csrf,
  email: Type.Optional(Type.String({ maxLength: 2000 })),
  password: Secret,
  repeat: Secret,
});
const PasswordBody = Type.Object({ ...Csrf, current: Secret, password: Secret, repeat: Secret });
const FlashQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });

function flashOf(value: string | undefined): ProfileFlash | undefined {
  return value !== undefined && Object.hasOwn(PROFILE_FLASH, value) ? (value as ProfileFlash) : undefined;
}

function flashOfSend(s: SendOutcome): ProfileFlash {
  return s.kind === 'sent' ? 'sent' : s.kind;
}

function redirect(reply: FastifyReply, flash: ProfileFlash) {
  return reply.code(303).header('Location', `/cabinet/profile?done=${flash}`).send('');
}

/** What both profile pages take: the header (logout form, switcher) and the flash. */
function pageCommon(
  ctx: MailContext,
  reply: FastifyReply,
  customer: Customer,
  flash: ProfileFlash | undefined,
) {
  return {
    supplierName: ctx.supplierName,
    csrfToken: reply.generateCsrf(),
    flash,
    switcher: switcherFor(customer),
  };
}

/**
 * /cabinet/profile: GET shows the form that makes a profile (a session of the manual's login) or
 * the profile (a profile's session); POST /cabinet/profile makes one; POST
 * /cabinet/profile/password changes the password. Forms work without JavaScript; a refusal shows
 * the page again with the messages next to the fields and the address kept (never a password).
 */
/** Sends «Профиль»: the profile of a profile's session, else the form that makes one. */
function profilePage(ctx: MailContext, deps: ProfileDeps) {
  return async (
    reply: FastifyReply,
    customer: Customer,
    status: 200 | 400,
    opts: { flash?: ProfileFlash | undefined; create?: CreateFormState; password?: PasswordFormState },
  ) => {
    const common = pageCommon(ctx, reply, customer, opts.flash);
    const profile = customer.profileId === null ? undefined : await findProfile(deps.db, customer.profileId);
    const page = profile ? (
      <ProfilePage
        {...common}
        email={profile.email}
        hasPassword={profile.passwordHash !== null}
        {...(opts.password ? { form: opts.password } : {})}
      />
    ) : (
      <CreateProfilePage
        {...common}
        accountNumber={customer.accountNumber}
        {...(opts.create ? { form: opts.create } : {})}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };
}

export function registerProfileRoutes(
  app: FastifyInstance,
  ctx: MailContext,
  deps: ProfileDeps,
  requireCustomer: RequireCustomer,
) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const show = profilePage(ctx, deps);

  r.get(
    '/cabinet/profile',
    { preHandler: requireCustomer(), schema: { querystring: FlashQuery, response: Html } },
    async (req, reply) => show(reply, customerOf(req), 200, { flash: flashOf(req.query.done) }),
  );

  r.post(
    '/cabinet/profile',
    { preHandler: requireCustomer(), schema: { body: CreateBody, response: Html } },
    async (req, reply) => {
      const customer = customerOf(req);
      if (customer.profileId !== null) {
        // A profile's session has its profile already: the page shows it.
        return reply.code(303).header('Location', '/cabinet/profile').send('');
      }
      const email = req.body.email ?? '';
      const res = await createProfile(
        deps,
        { accountId: customer.accountId, accountNumber: customer.accountNumber, ip: req.ip },
        { email, password: passwordInput(req.body.password), repeat: passwordInput(req.body.repeat) },
      );
      if (res.kind === 'invalid') {
        return show(reply, customer, 400, { create: { email, errors: res.errors } });
      }
      return redirect(reply, flashOfSend(res.send));
    },
  );

  r.post(
    '/cabinet/profile/password',
    { preHandler: requireCustomer(), schema: { body: PasswordBody, response: Html } },
    async (req, reply) => {
      const customer = customerOf(req);
      if (customer.profileId === null) {
        return reply.code(303).header('Location', '/cabinet/profile').send('');
      }
      const res = await changePassword(
        deps,
        { profileId: customer.profileId, sessionId: customer.sessionId, ip: req.ip },
        {
          current: passwordInput(req.body.current),
          password: passwordInput(req.body.password),
          repeat: passwordInput(req.body.repeat),
        },
      );
      if (res.kind === 'invalid') {
        return show(reply, customer, 400, { password: { errors: res.errors } });
      }
      return redirect(reply, 'password');
    },
  );
}
