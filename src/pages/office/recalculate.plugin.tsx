import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { isPeriod } from '../../domain/dates.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { recordStaffAudit } from '../../features/office/staff-session.repository.ts';
import { listCharges } from '../../features/billing/charges.repository.ts';
import type { BillingConfig } from '../../features/billing/billing.config.ts';
import {
  previewRecalculation,
  recalculate,
  RecalculationRefused,
} from '../../features/billing/recalculate.ts';
import type { MailAppConfig } from '../../features/mail/mail.config.ts';
import { Csrf, Html as ActionHtml, Params, Reason, kitOf } from './account-actions.kit.tsx';
import type { AccountHead } from './account-actions.view.tsx';
import { RecalculatePage, type RecalculatePageProps } from './recalculate.view.tsx';

export interface OfficeRecalculatePluginOptions {
  ctx: AppContext<MailAppConfig & { billing: BillingConfig }>;
}

const Whole = Type.Optional(Type.String({ maxLength: 20 }));
const Html = { ...ActionHtml, 409: Type.String() };
const Body = Type.Object({
  period: Type.Optional(Type.String({ maxLength: 20 })),
  apply: Type.Optional(Type.String({ maxLength: 10 })),
  amount: Whole,
  kwh: Whole,
  ...Reason,
  ...Csrf,
});

/**
 * The accountant's recalculation of a closed month's charge (billing/recalculate.ts): the month
 * and a reason give a preview of the difference, which writes nothing; «Применить» records it
 * (carried by the next bill) with a staff audit row, unless the data changed since the preview.
 */
export const officeRecalculatePlugin: FastifyPluginCallback<OfficeRecalculatePluginOptions> = (
  app,
  { ctx },
  done,
) => {
  const { r, db, send, accountOf, frame, backToCard } = kitOf(app, ctx);
  const rules = {
    limits: ctx.config.billing,
    readingsLastDay: ctx.config.readingsLastDay,
    now: () => ctx.clock.now(),
  };
  const periodsOf = async (accountId: number) =>
    (await listCharges(db, accountId, '0000-00')).map((c) => c.period).reverse();
  const page = async (
    req: FastifyRequest,
    reply: FastifyReply,
    account: AccountHead,
    status: number,
    p: Omit<RecalculatePageProps, keyof ReturnType<typeof frame> | 'periods'>,
  ) =>
    send(
      reply,
      status,
      <RecalculatePage {...frame(req, reply, account)} periods={await periodsOf(account.id)} {...p} />,
    );

  r.get(
    '/office/accounts/:id/recalculate',
    { schema: { params: Params, response: Html } },
    async (req, reply) => {
      const account = await accountOf(req, reply, req.params.id);
      if (!account) {
        return reply;
      }
      const periods = await periodsOf(account.id);
      return page(req, reply, account, 200, { period: periods[0] ?? '', reason: '' });
    },
  );

  r.post(
    '/office/accounts/:id/recalculate',
    {
      schema: {
        params: Params,
        body: Body,
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
      const show = (status: number, extra: Partial<RecalculatePageProps> = {}) =>
        page(req, reply, account, status, { period, reason, ...extra });
      const reasonError = reasonProblem(reason);
      if (!isPeriod(period)) {
        return show(400, { periodError: 'Выберите месяц из списка.', reasonError });
      }
      if (reasonError) {
        return show(400, { reasonError });
      }
      const preview = await previewOrRefusal(db, { account: account.number, period }, rules);
      if (typeof preview === 'string') {
        return show(400, { periodError: preview });
      }
      const expect = expected(req.body.amount, req.body.kwh);
      if (req.body.apply !== 'yes' || !expect) {
        return show(200, { preview });
      }
      const refused = await apply(ctx, rules, req, { account, period, reason: reason.trim(), expect });
      if (refused) {
        return show(409, { periodError: refused, preview });
      }
      return backToCard(reply, account.id);
    },
  );
  done();
};

/** The previewed difference the apply form carries back; undefined when it is not two integers. */
function expected(amount: string | undefined, kwh: string | undefined) {
  const int = (s: string | undefined) =>
    s !== undefined && /^-?[0-9]{1,15}$/.test(s) ? Number(s) : undefined;
  const a = int(amount);
  const k = int(kwh);
  return a === undefined || k === undefined ? undefined : { amountKop: a, kwh: k };
}

type Rules = Parameters<typeof recalculate>[2];

/** Records the previewed recalculation with its staff audit row; the refusal's text when refused. */
async function apply(
  ctx: OfficeRecalculatePluginOptions['ctx'],
  rules: Rules,
  req: FastifyRequest,
  o: { account: AccountHead; period: string; reason: string; expect: { amountKop: number; kwh: number } },
): Promise<string | undefined> {
  const staffUserId = staffOf(req).user.id;
  try {
    await recalculate(
      ctx.db.kysely,
      { account: o.account.number, period: o.period, reason: o.reason },
      rules,
      {
        expect: o.expect,
        audit: (tx, p) =>
          recordStaffAudit(tx, ctx.clock.now().getTime(), {
            staffUserId,
            event: 'recalculation',
            outcome: 'recorded',
            accountNumber: o.account.number,
            ip: req.ip,
            details: {
              reason: o.reason,
              target: o.period,
              before: { kwh: p.was.kwh + p.earlier.kwh, kop: p.was.kop + p.earlier.kop },
              after: { kwh: p.now.kwh, kop: p.now.kop, differenceKwh: p.kwh, differenceKop: p.amountKop },
            },
          }),
      },
    );
    return undefined;
  } catch (err) {
    if (err instanceof RecalculationRefused) {
      return err.ru;
    }
    throw err;
  }
}

/** The preview, or the refusal's text. */
async function previewOrRefusal(...args: Parameters<typeof previewRecalculation>) {
  try {
    return await previewRecalculation(...args);
  } catch (err) {
    if (err instanceof RecalculationRefused) {
      return err.ru;
    }
    throw err;
  }
}
