import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { VNode } from 'preact';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { findAccountProfile } from '../../features/account/account.repository.ts';
import type { MailContext } from '../../features/mail/mail.config.ts';
import { AccountMissingPage, type AccountHead } from './account-actions.view.tsx';

// What the operators' actions on an account (account-actions.plugin.tsx, account-details.tsx)
// share: the schemas of the route's id, the CSRF token and the reason, and the kit below.

export const Html = { 200: Type.String(), 400: Type.String(), 404: Type.String() };
export const Params = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
export const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
export const Reason = { reason: Type.Optional(Type.String({ maxLength: 2000 })) };

/** What every action's routes share: the account of the route, the page frame, the answers. */
export function kitOf(app: FastifyInstance, ctx: MailContext) {
  const db = ctx.db.kysely;

  const send = (reply: FastifyReply, status: number, page: VNode) =>
    reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));

  /** The account of the route, or undefined after answering 404. */
  const accountOf = async (req: FastifyRequest, reply: FastifyReply, id: number) => {
    const a = await findAccountProfile(db, id);
    if (!a) {
      await send(
        reply,
        404,
        <AccountMissingPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          user={staffOf(req).user}
        />,
      );
      return undefined;
    }
    const head: AccountHead & { residents: number } = {
      id: a.id,
      residents: a.residents,
      number: a.number,
      holder: [a.surname, a.firstName, a.patronymic].filter(Boolean).join(' '),
      address: a.objectAddress,
    };
    return head;
  };
  const frame = (req: FastifyRequest, reply: FastifyReply, account: AccountHead) => ({
    supplierName: ctx.supplierName,
    csrfToken: reply.generateCsrf(),
    user: staffOf(req).user,
    account,
  });
  const backToCard = (reply: FastifyReply, id: number) => reply.redirect(`/office/accounts/${id}`, 303);

  return { r: app.withTypeProvider<TypeBoxTypeProvider>(), ctx, db, send, accountOf, frame, backToCard };
}

export type Kit = ReturnType<typeof kitOf>;
