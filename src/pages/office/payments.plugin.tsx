import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { parseAccountNumber } from '../../domain/account-number.ts';
import { formatRublesRu } from '../../domain/format.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { reasonProblem } from '../../features/office/staff-admin.service.ts';
import { pendingOrders } from '../../features/payments/staff-orders.repository.ts';
import { lastReconcileRun } from '../../features/payments/reconcile-runs.repository.ts';
import {
  allocatePayment,
  AllocationRefused,
  unallocatedPage,
} from '../../features/imports/registry.allocate.ts';
import { loadProfiles } from '../../features/imports/registry.profiles.ts';
import { PaymentsPage, type PaymentsPageProps, type RefusedAllocation } from './payments.view.tsx';
import type { Kit } from './account-actions.kit.tsx';
import { hrefOf, orderCursor, pagerOf, registryCursor, type Positions } from './payments-pager.ts';

export interface OfficePaymentsPluginOptions {
  ctx: AppContext;
}

const AllocateParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const AllocateBody = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 200 })),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
  /** The page of the list the form was on, to show it again. */
  registry: Type.Optional(Type.String({ maxLength: 60 })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
});
/** Where each list's page starts (see Cursor): `after-…` or `before-…` a row's key. */
const PositionsQuery = Type.Object({
  orders: Type.Optional(Type.String({ maxLength: 60 })),
  registry: Type.Optional(Type.String({ maxLength: 60 })),
});

/** Rows of each list's page (the oldest first; the page says which rows of how many it shows). */
export const ROWS = 100;

/**
 * The accountant's payments (/office/payments): card and СБП orders the bank has not settled, the
 * last reconciliation with the bank, and the unallocated payments of registry imports, each
 * credited to an account with a reason (audited with the staff user, before and after). A page:
 * the payments feature's orders and runs, the imports feature's allocation, the office's staff.
 */
export const officePaymentsPlugin: FastifyPluginCallback<OfficePaymentsPluginOptions> = (
  app,
  { ctx },
  done,
) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  const show: Show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra = {},
    at = {},
  ) => {
    const [pending, reconcile, unallocated] = await Promise.all([
      pendingOrders(db, ROWS, orderCursor(at.orders)),
      lastReconcileRun(db),
      unallocatedPage(db, ROWS, registryCursor(at.registry)),
    ]);
    const page = (
      <PaymentsPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        timeZone={ctx.config.timeZone}
        pending={pending}
        pendingPager={pagerOf(
          pending,
          (r) => `${r.createdAt}-${r.id}`,
          (orders) => hrefOf({ ...at, orders }),
        )}
        reconcile={reconcile}
        unallocated={unallocated}
        unallocatedPager={pagerOf(
          unallocated,
          (r) => String(r.id),
          (registry) => hrefOf({ ...at, registry }),
        )}
        registryAt={at.registry}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get('/office/payments', { schema: { querystring: PositionsQuery, response: Html } }, async (req, reply) =>
    show(req, reply, 200, {}, req.query),
  );

  registerAllocate(r, ctx, show);
  done();
};

type Show = (
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  extra?: Pick<PaymentsPageProps, 'done' | 'refused'>,
  at?: Positions,
) => Promise<FastifyReply>;
type Routes = Kit['r'];

const Html = { 200: Type.String(), 400: Type.String(), 409: Type.String() };

/** Crediting an unallocated payment to an account, with its reason (the imports feature's allocation). */
function registerAllocate(r: Routes, ctx: AppContext, show: Show): void {
  const db = ctx.db.kysely;
  // The shipped profiles name each registry source's channel and title for the customer's history.
  const profiles = loadProfiles();
  r.post(
    '/office/payments/unallocated/:id',
    { schema: { params: AllocateParams, body: AllocateBody, response: Html } },
    async (req, reply) => {
      const id = Number(req.params.id);
      const account = (req.body.account ?? '').trim();
      const reason = (req.body.reason ?? '').trim();
      // Success shows the page the form was on; a refusal, the page that starts with its payment.
      const here = { registry: req.body.registry };
      const atRefused = { registry: `after-${id - 1}` };
      const errors = formErrors(account, reason);
      if (errors.account || errors.reason) {
        return show(req, reply, 400, { refused: { id, account, reason, errors } }, atRefused);
      }
      const parsed = parseAccountNumber(account);
      const number = parsed.ok ? parsed.number : account;
      const staff = staffOf(req).user;
      try {
        const res = await allocatePayment(
          db,
          { clock: ctx.clock, timeZone: ctx.config.timeZone, readingsLastDay: ctx.config.readingsLastDay },
          profiles,
          { id, accountNumber: account, by: staff.login, reason, staffUserId: staff.id, ip: req.ip },
        );
        return show(
          req,
          reply,
          200,
          {
            done:
              `Платёж ${formatRublesRu(res.payment.amountKop)} от ${res.payment.payerName || 'плательщика'} ` +
              `зачислен на лицевой счёт ${number}.`,
          },
          here,
        );
      } catch (err) {
        if (!(err instanceof AllocationRefused)) {
          throw err;
        }
        const refusal = refusalOf(err, number);
        return 'errors' in refusal
          ? show(req, reply, 400, { refused: { id, account, reason, errors: refusal.errors } }, atRefused)
          : show(req, reply, 409, { done: refusal.done }, here);
      }
    },
  );
}

/** The form's own checks, before anything is looked up: an account number of the right shape, a reason. */
function formErrors(account: string, reason: string): RefusedAllocation['errors'] {
  const errors: RefusedAllocation['errors'] = {};
  const number = parseAccountNumber(account);
  if (account === '') {
    errors.account = 'Укажите номер лицевого счёта, на который зачислить платёж.';
  } else if (!number.ok) {
    errors.account = number.message;
  }
  const problem = reasonProblem(reason);
  if (problem) {
    errors.reason = problem;
  }
  return errors;
}

/** What a refused allocation shows: a message next to its field, or a notice when the payment is gone. */
function refusalOf(
  err: AllocationRefused,
  number: string,
): { errors: RefusedAllocation['errors'] } | { done: string } {
  switch (err.code) {
    case 'no_account':
      return { errors: { account: `Лицевого счёта ${number} нет в портале.` } };
    case 'account_format':
      return { errors: { account: 'Номер лицевого счёта не распознан.' } };
    case 'reason':
      return { errors: { reason: reasonProblem('') } };
    case 'not_unallocated':
    case 'taken':
      return { done: 'Этот платёж уже разнесён (возможно, другим сотрудником): список обновлён.' };
  }
}
