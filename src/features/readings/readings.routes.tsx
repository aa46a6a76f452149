import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { customerOf, type RequireCustomer } from '../account/session.hook.ts';
import { renderPage } from '../../platform/views/render.ts';
import { submitReading, type ReadingsDeps } from './readings.service.ts';
import { ConfirmReadingPage, type ReadingFormState } from './readings.view.tsx';

/**
 * Shows the customer's main page with the reading form as it was posted, refused: the page that
 * holds the form is not this feature's, so the app hands the way to show it in.
 */
export type ShowRefusedReading = (
  req: FastifyRequest,
  reply: FastifyReply,
  form: { readingState: ReadingFormState; formKey?: string },
) => Promise<FastifyReply>;

export interface ReadingRoutesOptions {
  requireCustomer: RequireCustomer;
  showRefused: ShowRefusedReading;
}

const ReadingBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  meter: Type.Optional(Type.String({ maxLength: 20 })),
  key: Type.Optional(Type.String({ maxLength: 100 })),
  v1: Type.Optional(Type.String({ maxLength: 50 })),
  v2: Type.Optional(Type.String({ maxLength: 50 })),
  v3: Type.Optional(Type.String({ maxLength: 50 })),
  confirm: Type.Optional(Type.String({ maxLength: 10 })),
  /** '1' from a form whose browser ran no script (readings.view.tsx, reading-form.browser.ts). */
  preview: Type.Optional(Type.String({ maxLength: 10 })),
});

/** The values of a reading form that arrived after its session ended, to show on the login page. */
function typedReading(body: unknown): string | undefined {
  const b = (body ?? {}) as Static<typeof ReadingBody>;
  const values = [b.v1, b.v2, b.v3].map((v) => (v ?? '').trim());
  const last = values.findLastIndex((v) => v !== '');
  if (last < 0) {
    return undefined;
  }
  // Only the first field: the value alone; more: each with its field's number, an empty one said so.
  return last === 0
    ? `Введённое показание: ${values[0]}.`
    : `Введённые показания: ${values
        .slice(0, last + 1)
        .map((v, i) => `${i + 1}-е поле — ${v || 'не заполнено'}`)
        .join('; ')}.`;
}

export function registerReadingRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  { requireCustomer, showRefused }: ReadingRoutesOptions,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps: ReadingsDeps = {
    db: ctx.db.kysely,
    clock: ctx.clock,
    timeZone: ctx.config.timeZone,
    lastDay: ctx.config.readingsLastDay,
  };

  r.post(
    '/cabinet/readings',
    {
      preHandler: requireCustomer(typedReading),
      schema: {
        body: ReadingBody,
        response: { 200: Type.String(), 303: Type.String(), 400: Type.String(), 401: Type.String() },
      },
    },
    async (req, reply) => {
      const customer = customerOf(req);
      const body = req.body;
      const values = [body.v1 ?? '', body.v2 ?? '', body.v3 ?? ''];
      const meterId = /^[0-9]{1,15}$/.test(body.meter ?? '') ? Number(body.meter) : 0;
      const key = body.key ?? '';
      const result = await submitReading(deps, {
        accountId: customer.accountId,
        accountNumber: customer.accountNumber,
        meterId,
        key,
        values,
        confirmed: body.confirm === 'yes',
        preview: body.preview === '1',
        ip: req.ip,
      });
      switch (result.kind) {
        case 'invalid':
          return showRefused(req, reply, {
            readingState: {
              values,
              fieldErrors: result.fieldErrors,
              ...(result.formError ? { formError: result.formError } : {}),
            },
            ...(result.formError ? {} : { formKey: key }),
          });
        case 'confirm':
          return reply
            .type('text/html; charset=utf-8')
            .header('Cache-Control', 'no-store')
            .send(
              renderPage(
                <ConfirmReadingPage
                  supplierName={ctx.supplierName}
                  csrfToken={reply.generateCsrf()}
                  meterId={meterId}
                  formKey={key}
                  zones={result.zones}
                  registers={result.registers}
                  reason={result.reason}
                />,
              ),
            );
        case 'stored': {
          const query = `reading=${result.readingId}${result.duplicate ? '&repeat=1' : ''}`;
          return reply.code(303).header('Location', `/cabinet?${query}#reading-result`).send('');
        }
      }
    },
  );
}
