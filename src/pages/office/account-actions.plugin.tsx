import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { VNode } from 'preact';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { findAccountProfile } from '../../features/account/account.repository.ts';
import { loginLockState, unlockLogin } from '../../features/account/login-unlock.ts';
import { listCharges } from '../../features/billing/charges.repository.ts';
import { resendBill } from '../../features/mail/office-mail.ts';
import { findActiveMeter, latestAcceptedReading } from '../../features/readings/readings.repository.ts';
import { formWithKey, readingForm, submitReading } from '../../features/readings/readings.service.ts';
import {
  AccountMissingPage,
  OperatorReadingPage,
  ResendBillPage,
  UnlockPage,
  type AccountHead,
} from './account-actions.view.tsx';

export interface AccountActionsPluginOptions {
  ctx: AppContext;
}

// Operators' actions on one account (issue 18), each a small form under /office/accounts/:id/…
// with a mandatory reason, audited by the feature that owns the data; success returns to the
// account card.

const Html = { 200: Type.String(), 400: Type.String(), 404: Type.String() };
const Params = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const Reason = { reason: Type.Optional(Type.String({ maxLength: 2000 })) };

const HELD_FOR: Record<string, string> = {
  rollover: 'оно меньше предыдущего (переход через ноль?)',
  over_limit: 'расход более 50 000 кВт·ч',
};

/** What every action's routes share: the account of the route, the page frame, the answers. */
function kitOf(app: FastifyInstance, ctx: AppContext) {
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
    const head: AccountHead = {
      id: a.id,
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

type Kit = ReturnType<typeof kitOf>;

export const officeAccountActionsPlugin: FastifyPluginCallback<AccountActionsPluginOptions> = (
  app,
  { ctx },
  done,
) => {
  const kit = kitOf(app, ctx);
  registerReadingAction(kit);
  registerUnlockAction(kit);
  registerResendAction(kit);
  done();
};

const ReadingBody = Type.Object({
  meter: Type.Optional(Type.String({ maxLength: 20 })),
  key: Type.Optional(Type.String({ maxLength: 100 })),
  v1: Type.Optional(Type.String({ maxLength: 50 })),
  v2: Type.Optional(Type.String({ maxLength: 50 })),
  v3: Type.Optional(Type.String({ maxLength: 50 })),
  confirm: Type.Optional(Type.String({ maxLength: 10 })),
  ...Reason,
  ...Csrf,
});

/** The form for the account's meter in service (null without one), with `key` when one is kept. */
async function readingFormOf(db: Kit['db'], accountId: number, key?: string) {
  const meter = await findActiveMeter(db, accountId);
  if (!meter) {
    return null;
  }
  const last = await latestAcceptedReading(db, accountId, meter.id);
  return formWithKey(readingForm(meter, last), key);
}

/** A reading on the customer's behalf: the customer's own checks, channel «Оператор». */
function registerReadingAction({ r, ctx, db, send, accountOf, frame, backToCard }: Kit): void {
  const readingDeps = { ...ctx.config, db, clock: ctx.clock, lastDay: ctx.config.readingsLastDay };

  r.get(
    '/office/accounts/:id/reading',
    { schema: { params: Params, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const form = await readingFormOf(db, account.id);
      return send(
        reply,
        200,
        <OperatorReadingPage {...frame(req, reply, account)} form={form} values={[]} reason="" />,
      );
    },
  );

  r.post(
    '/office/accounts/:id/reading',
    {
      schema: {
        params: Params,
        body: ReadingBody,
        response: Html,
      },
    },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const b = req.body;
      const values = [b.v1 ?? '', b.v2 ?? '', b.v3 ?? ''];
      const reason = b.reason ?? '';
      const form = await readingFormOf(db, account.id, b.key);
      const show = (status: number, extra: Partial<Parameters<typeof OperatorReadingPage>[0]> = {}) =>
        send(
          reply,
          status,
          <OperatorReadingPage
            {...frame(req, reply, account)}
            form={form}
            values={values}
            reason={reason}
            {...extra}
          />,
        );
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        return show(400, { reasonError });
      }
      const result = await submitReading(readingDeps, {
        accountId: account.id,
        accountNumber: account.number,
        meterId: /^[0-9]{1,15}$/.test(b.meter ?? '') ? Number(b.meter) : 0,
        key: b.key ?? '',
        values,
        confirmed: b.confirm === 'yes',
        ip: req.ip,
        channel: 'operator',
        staff: { userId: staffOf(req).user.id, reason: reason.trim() },
      });
      switch (result.kind) {
        case 'invalid':
          return show(400, { fieldErrors: result.fieldErrors, formError: result.formError });
        case 'confirm':
          return show(200, {
            confirm: { registers: result.registers, why: HELD_FOR[result.reason ?? ''] ?? 'проверьте его' },
          });
        case 'stored':
          return backToCard(reply, account.id);
      }
    },
  );
}

/** Unlocking the customer's login: the account's failed attempts are forgotten. */
function registerUnlockAction({ r, ctx, db, send, accountOf, frame, backToCard }: Kit): void {
  const unlockDeps = { db, clock: ctx.clock, limits: ctx.config.loginLimits };
  r.get('/office/accounts/:id/unlock', { schema: { params: Params, response: Html } }, async (req, reply) => {
    const account = await accountOf(req, reply, req.params.id);
    if (!account) {
      return reply;
    }
    const state = await loginLockState(unlockDeps, account.number);
    return send(reply, 200, <UnlockPage {...frame(req, reply, account)} state={state} reason="" />);
  });

  r.post(
    '/office/accounts/:id/unlock',
    { schema: { params: Params, body: Type.Object({ ...Reason, ...Csrf }), response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const reason = req.body.reason ?? '';
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        const state = await loginLockState(unlockDeps, account.number);
        return send(
          reply,
          400,
          <UnlockPage
            {...frame(req, reply, account)}
            state={state}
            reason={reason}
            reasonError={reasonError}
          />,
        );
      }
      await unlockLogin(unlockDeps, account.number, {
        staffUserId: staffOf(req).user.id,
        ip: req.ip,
        reason: reason.trim(),
      });
      return backToCard(reply, account.id);
    },
  );
}

/** Sending a period's bill again, to the confirmed address. */
function registerResendAction({ r, ctx, db, send, accountOf, frame, backToCard }: Kit): void {
  const billPeriods = async (accountId: number) =>
    (await listCharges(db, accountId, '0000-00')).map((c) => c.period).reverse();

  r.get(
    '/office/accounts/:id/resend-bill',
    { schema: { params: Params, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const periods = await billPeriods(account.id);
      return send(
        reply,
        200,
        <ResendBillPage
          {...frame(req, reply, account)}
          periods={periods}
          period={periods[0] ?? ''}
          reason=""
        />,
      );
    },
  );

  r.post(
    '/office/accounts/:id/resend-bill',
    {
      schema: {
        params: Params,
        body: Type.Object({ period: Type.Optional(Type.String({ maxLength: 20 })), ...Reason, ...Csrf }),
        response: Html,
      },
    },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const period = req.body.period ?? '';
      const reason = req.body.reason ?? '';
      const show = (errors: { periodError?: string; reasonError?: string }) =>
        billPeriods(account.id).then((periods) =>
          send(
            reply,
            400,
            <ResendBillPage
              {...frame(req, reply, account)}
              periods={periods}
              period={period}
              reason={reason}
              {...errors}
            />,
          ),
        );
      const reasonError = reasonProblem(reason);
      if (reasonError) {
        return show({ reasonError });
      }
      const result = await resendBill(db, {
        accountId: account.id,
        accountNumber: account.number,
        period,
        now: ctx.clock.now(),
        staffUserId: staffOf(req).user.id,
        ip: req.ip,
        reason: reason.trim(),
      });
      if (result.kind === 'refused') {
        return show({ periodError: result.message });
      }
      return backToCard(reply, account.id);
    },
  );
}
