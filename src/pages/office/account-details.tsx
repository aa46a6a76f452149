import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { changeResidents, parseResidents } from '../../features/account/residents.ts';
import { changeAddressOnRequest, removeAddressOnRequest } from '../../features/mail/office-mail.ts';
import { findSubscription } from '../../features/mail/subscription.repository.ts';
import type { MailDeps, SendOutcome } from '../../features/mail/mail.service.ts';
import { Csrf, Html, Params, Reason, type Kit } from './account-actions.kit.tsx';
import { EmailPage, ResidentsPage, type AccountHead } from './account-actions.view.tsx';

// The operators' actions on an account's details (issue 18), registered by
// account-actions.plugin.tsx: the number of residents and the bill e-mail on the customer's
// written request.

/** The number of residents (the norm, п.42 and п.60, and the social norm count it). */
export function registerResidentsAction({ r, ctx, db, send, accountOf, frame, backToCard }: Kit): void {
  r.get(
    '/office/accounts/:id/residents',
    { schema: { params: Params, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      return send(
        reply,
        200,
        <ResidentsPage
          {...frame(req, reply, account)}
          current={account.residents}
          value={String(account.residents)}
          reason=""
        />,
      );
    },
  );

  r.post(
    '/office/accounts/:id/residents',
    {
      schema: {
        params: Params,
        body: Type.Object({ residents: Type.Optional(Type.String({ maxLength: 50 })), ...Reason, ...Csrf }),
        response: Html,
      },
    },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const value = req.body.residents ?? '';
      const reason = req.body.reason ?? '';
      const show = (errors: { residentsError?: string; reasonError?: string }) =>
        send(
          reply,
          400,
          <ResidentsPage
            {...frame(req, reply, account)}
            current={account.residents}
            value={value}
            reason={reason}
            {...errors}
          />,
        );
      const parsed = parseResidents(value);
      const reasonError = reasonProblem(reason);
      if (!parsed.ok || reasonError) {
        return show({ residentsError: parsed.ok ? undefined : parsed.message, reasonError });
      }
      const result = await changeResidents({ db, clock: ctx.clock }, account, parsed.residents, {
        staffUserId: staffOf(req).user.id,
        ip: req.ip,
        reason: reason.trim(),
      });
      if (result.kind === 'refused') {
        return show({ residentsError: result.message });
      }
      return backToCard(reply, account.id);
    },
  );
}

const EmailBody = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 1000 })),
  subscribed: Type.Optional(Type.String({ maxLength: 10 })),
  action: Type.Optional(Type.String({ maxLength: 20 })),
  ...Reason,
  ...Csrf,
});

/**
 * The bill e-mail on the customer's written request: set, changed, bills switched on or off, or
 * the address removed. A new address gets the confirmation link (office-mail.ts says why).
 */
export function registerEmailAction(
  { r, ctx, db, send, accountOf, frame, backToCard }: Kit,
  mail: MailDeps,
): void {
  const currentOf = async (accountId: number) => {
    const s = await findSubscription(db, accountId);
    return s ? { email: s.email, subscribed: s.subscribed, confirmed: s.confirmedAt !== null } : null;
  };
  /** The form as stored now, with an optional notice. */
  const fresh = async (req: FastifyRequest, reply: FastifyReply, account: AccountHead, notice?: string) => {
    const current = await currentOf(account.id);
    return send(
      reply,
      200,
      <EmailPage
        {...frame(req, reply, account)}
        current={current}
        email={current?.email ?? ''}
        subscribed={current?.subscribed ?? true}
        reason=""
        notice={notice}
      />,
    );
  };

  r.get('/office/accounts/:id/email', { schema: { params: Params, response: Html } }, async (req, reply) => {
    const account = await accountOf(req, reply, req.params.id);
    return account ? fresh(req, reply, account) : reply;
  });

  r.post(
    '/office/accounts/:id/email',
    { schema: { params: Params, body: EmailBody, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const email = req.body.email ?? '';
      const subscribed = req.body.subscribed !== undefined;
      const reason = req.body.reason ?? '';
      const show = async (errors: { emailError?: string | undefined; reasonError?: string | undefined }) =>
        send(
          reply,
          400,
          <EmailPage
            {...frame(req, reply, account)}
            current={await currentOf(account.id)}
            email={email}
            subscribed={subscribed}
            reason={reason}
            {...errors}
          />,
        );
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        return show({ reasonError });
      }
      const request = {
        accountId: account.id,
        accountNumber: account.number,
        ip: req.ip,
        staffUserId: staffOf(req).user.id,
        reason: reason.trim(),
      };
      const result =
        req.body.action === 'delete'
          ? await removeAddressOnRequest(mail, request)
          : await changeAddressOnRequest(mail, request, { email, subscribed });
      if (result.kind === 'refused') {
        return show({ emailError: result.fieldError });
      }
      if (result.kind === 'pending' && result.send.kind !== 'sent') {
        // Saved, but the customer got no link: the operator must know to say so or try later.
        return fresh(req, reply, account, unsentNotice(result.send, ctx.config.timeZone));
      }
      return backToCard(reply, account.id);
    },
  );
}

/** Why the confirmation link of a saved address was not sent. */
function unsentNotice(send: Exclude<SendOutcome, { kind: 'sent' }>, timeZone: string): string {
  const saved = 'Адрес сохранён, но письмо со ссылкой для подтверждения не отправлено';
  if (send.kind === 'limited') {
    const at = new Intl.DateTimeFormat('ru-RU', { timeZone, timeStyle: 'short' }).format(send.retryAt);
    return `${saved}: на этот адрес или по этому счёту недавно уже отправляли такие письма. Сохраните адрес ещё раз после ${at}.`;
  }
  return `${saved}: почтовый сервер не ответил. Сохраните адрес ещё раз позже.`;
}
