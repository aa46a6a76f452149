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
  unallocatedWithFiles,
} from '../../features/imports/registry.allocate.ts';
import { loadProfiles } from '../../features/imports/registry.profiles.ts';
import { PaymentsPage, type PaymentsPageProps, type RefusedAllocation } from './payments.view.tsx';

export interface OfficePaymentsPluginOptions {
  ctx: AppContext;
}

const AllocateParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const AllocateBody = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 200 })),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
});

/** Rows of each list shown (the oldest first; the page says how many there are in all). */
const ROWS = 100;

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
  // The shipped profiles name each registry source's channel and title for the customer's history.
  const profiles = loadProfiles();
  const Html = { 200: Type.String(), 400: Type.String(), 409: Type.String() };

  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Pick<PaymentsPageProps, 'done' | 'refused'> = {},
  ) => {
    const [pending, reconcile, unallocated] = await Promise.all([
      pendingOrders(db, ROWS),
      lastReconcileRun(db),
      unallocatedWithFiles(db, ROWS),
    ]);
    const page = (
      <PaymentsPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        timeZone={ctx.config.timeZone}
        pending={pending}
        reconcile={reconcile}
        unallocated={unallocated}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get('/office/payments', { schema: { response: Html } }, async (req, reply) => show(req, reply, 200));

  r.post(
    '/office/payments/unallocated/:id',
    { schema: { params: AllocateParams, body: AllocateBody, response: Html } },
    async (req, reply) => {
      const id = Number(req.params.id);
      const account = (req.body.account ?? '').trim();
      const reason = (req.body.reason ?? '').trim();
      const errors = formErrors(account, reason);
      if (errors.account || errors.reason) {
        return show(req, reply, 400, { refused: { id, account, reason, errors } });
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
        return show(req, reply, 200, {
          done:
            `Платёж ${formatRublesRu(res.payment.amountKop)} от ${res.payment.payerName || 'плательщика'} ` +
            `зачислен на лицевой счёт ${number}.`,
        });
      } catch (err) {
        if (!(err instanceof AllocationRefused)) {
          throw err;
        }
        const refusal = refusalOf(err, number);
        return 'errors' in refusal
          ? show(req, reply, 400, { refused: { id, account, reason, errors: refusal.errors } })
          : show(req, reply, 409, { done: refusal.done });
      }
    },
  );
  done();
};

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
