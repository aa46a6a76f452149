import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { addMonths, addYears, dateInZone, monthIndex, periodOf } from '../../domain/dates.ts';
import { findAccountProfile } from '../../features/account/account.repository.ts';
import type { BillingContext } from '../../features/billing/billing.routes.tsx';
import { listCharges } from '../../features/billing/charges.repository.ts';
import { amountDueKop } from '../../features/payments/amount-due.ts';
import { listPayments } from '../../features/payments/payments.repository.ts';
import { accountsOfProfile } from '../../features/profile/profile-accounts.repository.ts';
import { attachedAccount, requireScope } from './api.auth.ts';
import {
  AccountList,
  AccountParams,
  Balance,
  ChargeList,
  ChargesQuery,
  PaymentList,
  SinceQuery,
} from './api.schemas.ts';
import { ApiProblem, problemResponses } from './problems.ts';

/** What the API reads: the shared settings and billing's (the bill's due day, the PDF threads). */
export type ApiContext = BillingContext;

/** The problems every read of an account may answer with. */
export const READ_PROBLEMS = [400, 401, 403, 404, 429, 503];

/** At most this many months of charges in one request (ten years). */
const MAX_MONTHS = 120;

export function json<T>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function today(ctx: ApiContext): string {
  return dateInZone(ctx.clock.now(), ctx.config.timeZone);
}

/** The token's accounts, its balance, charges and payments (readings and bills are beside). */
export function registerAccountRoutes(app: FastifyInstance, ctx: ApiContext): void {
  accountsRoute(app, ctx);
  balanceRoute(app, ctx);
  chargesRoute(app, ctx);
  paymentsRoute(app, ctx);
}

function accountsRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts',
    {
      schema: {
        summary: "The token's profile's accounts",
        tags: ['accounts'],
        response: {
          200: json(AccountList, 'The accounts the profile sees, by number'),
          ...problemResponses(401, 403, 429, 503),
        },
      },
    },
    async (req) => {
      const caller = requireScope(req, 'read');
      const attached = await accountsOfProfile(db, caller.profileId);
      const accounts = await Promise.all(
        attached.map(async (a) => ({
          number: a.number,
          address: (await findAccountProfile(db, a.accountId))?.objectAddress ?? '',
          attachedAt: new Date(a.attachedAt).toISOString(),
        })),
      );
      return { accounts };
    },
  );
}

function balanceRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts/:number/balance',
    {
      schema: {
        summary: 'What is owed (or overpaid) today',
        tags: ['accounts'],
        params: AccountParams,
        response: { 200: json(Balance, 'The amount due'), ...problemResponses(...READ_PROBLEMS) },
      },
    },
    async (req) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const asOf = today(ctx);
      return { number: account.number, amountDueKop: await amountDueKop(db, account.accountId, asOf), asOf };
    },
  );
}

function chargesRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts/:number/charges',
    {
      schema: {
        summary: 'Monthly charges, oldest first',
        tags: ['accounts'],
        params: AccountParams,
        querystring: ChargesQuery,
        response: {
          200: json(ChargeList, 'The closed months from `from` to `to`'),
          ...problemResponses(...READ_PROBLEMS),
        },
      },
    },
    async (req) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const to = req.query.to ?? periodOf(today(ctx));
      const from = req.query.from ?? addMonths(to, -11);
      if (from > to || monthIndex(to) - monthIndex(from) >= MAX_MONTHS) {
        throw new ApiProblem(
          400,
          'bad-request',
          `Параметр «from» должен быть не позже «to» и не раньше чем за ${MAX_MONTHS} месяцев до него.`,
          {
            errors: [{ in: 'querystring', field: 'from', message: 'неверный диапазон месяцев' }],
          },
        );
      }
      const rows = await listCharges(db, account.accountId, from);
      return {
        charges: rows
          .filter((c) => c.period <= to)
          .map((c) => ({
            period: c.period,
            billedOn: c.billedOn,
            method: c.method,
            kwh: c.kwh,
            amountKop: c.amountKop,
            odnKwh: c.odnKwh,
            odnKop: c.odnKop,
            recalcKop: c.recalcKop,
            debtKop: c.debtKop,
            tariffE5: c.tariffE5,
            billUrl: `/api/v1/accounts/${account.number}/bills/${c.period}.pdf`,
          })),
      };
    },
  );
}

function paymentsRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts/:number/payments',
    {
      schema: {
        summary: 'Payments, newest first',
        tags: ['accounts'],
        params: AccountParams,
        querystring: SinceQuery,
        response: {
          200: json(PaymentList, 'Payments by every channel'),
          ...problemResponses(...READ_PROBLEMS),
        },
      },
    },
    async (req) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const from = req.query.from ?? addYears(today(ctx), -1);
      const rows = await listPayments(db, account.accountId, from, req.query.limit ?? 100);
      return {
        payments: rows.map((p) => ({
          paidOn: p.paidOn,
          amountKop: p.amountKop,
          channel: p.channel,
          source: p.source ?? p.channel,
        })),
      };
    },
  );
}
