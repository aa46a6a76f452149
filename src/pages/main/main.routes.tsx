import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { dateInZone } from '../../domain/dates.ts';
import { customerOf, switcherFor, type RequireCustomer } from '../../features/account/session.hook.ts';
import { RETURN_PATH_MAX } from '../../features/account/return-path.ts';
import { loadSubmittedNotice } from '../../features/readings/readings.service.ts';
import type { ReadingFormState } from '../../features/readings/readings.view.tsx';
import type { MailContext } from '../../features/mail/mail.config.ts';
import { flashOf, mailSectionModel } from '../../features/mail/mail.section.ts';
import type { MailFormState } from '../../features/mail/mail.view.tsx';
import { renderPage } from '../../platform/views/render.ts';
import { MainPage, type MainPageProps } from './main.view.tsx';
import { loadMainPage } from './main.service.ts';
import { HISTORY_KINDS, loadHistory } from './histories.service.ts';
import { HistoryPage } from './history.view.tsx';

/** What the main page reads: the shared settings and the mail feature's (its form's limits). */
/** The page's settings: the mail section's, and whether СБП is offered (the payment button's words). */
export type MainPageContext = MailContext & { config: { payments: { sbp: { enabled: boolean } } } };

export interface MainPageOptions {
  status?: 200 | 400;
  /** The reading form as posted, refused, and its key (kept, so that resending is one submission). */
  readingState?: ReadingFormState;
  formKey?: string;
  submitted?: MainPageProps['submitted'];
  /** The e-mail form as posted, refused. */
  mailState?: MailFormState;
}

/** Renders the logged-in customer's main page, optionally with a form as it was posted. */
export async function sendMainPage(
  ctx: MainPageContext,
  req: FastifyRequest,
  reply: FastifyReply,
  opts: MainPageOptions = {},
): Promise<FastifyReply> {
  const customer = customerOf(req);
  const { accountId } = customer;
  const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
  const model = await loadMainPage(ctx.db.kysely, accountId, today, {
    readingsFirstDay: ctx.config.readingsFirstDay,
    readingsLastDay: ctx.config.readingsLastDay,
    paymentDueDay: ctx.config.billing.dueDay,
  });
  const flash = opts.mailState ? undefined : flashOf(req);
  const html = renderPage(
    <MainPage
      model={model}
      formKey={opts.formKey}
      supplierName={ctx.supplierName}
      csrfToken={reply.generateCsrf()}
      readingState={opts.readingState}
      submitted={opts.submitted}
      mail={mailSectionModel(ctx, model.address, opts.mailState, flash)}
      sbp={ctx.config.payments.sbp.enabled}
      switcher={switcherFor(customer)}
    />,
  );
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A register's value as the confirmation step sends it back: digits only. */
const TypedValue = Type.String({ pattern: '^[0-9]{1,15}$' });

export function registerMainPageRoutes(
  app: FastifyInstance,
  ctx: MainPageContext,
  requireCustomer: RequireCustomer,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/cabinet',
    {
      preHandler: requireCustomer(),
      schema: {
        querystring: Type.Object({
          reading: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
          repeat: Type.Optional(Type.Literal('1')),
          // Read by the login page (the session guard) when no one is logged in.
          next: Type.Optional(Type.String({ maxLength: RETURN_PATH_MAX })),
          // «Вернуться» from the confirmation step: the form as typed, with its key.
          key: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' })),
          v1: Type.Optional(TypedValue),
          v2: Type.Optional(TypedValue),
          v3: Type.Optional(TypedValue),
        }),
        response: { 200: Type.String() },
      },
    },
    async (req, reply) => {
      const submitted = req.query.reading
        ? await loadSubmittedNotice(
            ctx.db.kysely,
            customerOf(req).accountId,
            Number(req.query.reading),
            req.query.repeat === '1',
          )
        : undefined;
      const { key, v1, v2, v3 } = req.query;
      const typed = [v1, v2, v3].filter((v) => v !== undefined);
      const back = key && typed.length > 0 ? { formKey: key, readingState: { values: typed } } : {};
      return sendMainPage(ctx, req, reply, submitted ? { submitted } : back);
    },
  );
  // «Показать все»: one history whole, for the current and the previous year.
  r.get(
    '/cabinet/history/:kind',
    {
      preHandler: requireCustomer(),
      schema: {
        params: Type.Object({ kind: Type.String({ maxLength: 40 }) }),
        response: { 200: Type.String() },
      },
    },
    async (req, reply) => {
      const kind = HISTORY_KINDS.find((k) => k === req.params.kind);
      if (kind === undefined) {
        return reply.callNotFound(); // a history that does not exist is a page that does not
      }
      const today = dateInZone(ctx.clock.now(), ctx.config.timeZone);
      const history = await loadHistory(ctx.db.kysely, customerOf(req).accountId, today, kind);
      return reply
        .type('text/html; charset=utf-8')
        .send(
          renderPage(
            <HistoryPage
              history={history}
              supplierName={ctx.supplierName}
              csrfToken={reply.generateCsrf()}
              switcher={switcherFor(customerOf(req))}
            />,
          ),
        );
    },
  );
}
