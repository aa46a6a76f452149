import type { FastifyPluginCallback } from 'fastify';
import { Type } from 'typebox';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { loginLockState, unlockLogin } from '../../features/account/login-unlock.ts';
import { listCharges } from '../../features/billing/charges.repository.ts';
import { resendBill } from '../../features/mail/office-mail.ts';
import type { MailContext } from '../../features/mail/mail.config.ts';
import type { MailTransport } from '../../features/mail/transport.ts';
import { findActiveMeter, latestAcceptedReading } from '../../features/readings/readings.repository.ts';
import { formWithKey, readingForm, submitReading } from '../../features/readings/readings.service.ts';
import { Csrf, Html, Params, Reason, kitOf, type Kit } from './account-actions.kit.tsx';
import { registerEmailAction, registerResidentsAction } from './account-details.tsx';
import { registerMeterReplacementAction } from './meter-replacement.tsx';
import { OperatorReadingPage, ResendBillPage, UnlockPage } from './account-actions.view.tsx';

export interface AccountActionsPluginOptions {
  ctx: MailContext;
  /** The mail feature's transport, for the confirmation link of an address set here. */
  mailTransport: MailTransport;
}

// Operators' actions on one account (issue 18), each a small form under /office/accounts/:id/…
// with a mandatory reason, audited by the feature that owns the data; success returns to the
// account card. The residents and the bill e-mail are in account-details.tsx.

const HELD_FOR: Record<string, string> = {
  rollover: 'оно меньше предыдущего (переход через ноль?)',
  over_limit: 'расход более 50 000 кВт·ч',
};

export const officeAccountActionsPlugin: FastifyPluginCallback<AccountActionsPluginOptions> = (
  app,
  { ctx, mailTransport },
  done,
) => {
  const kit = kitOf(app, ctx);
  registerReadingAction(kit);
  registerUnlockAction(kit);
  registerResendAction(kit);
  registerResidentsAction(kit);
  registerMeterReplacementAction(kit);
  registerEmailAction(kit, {
    db: kit.db,
    clock: ctx.clock,
    mail: ctx.config.mail,
    publicUrl: ctx.config.publicUrl,
    transport: mailTransport,
  });
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
