import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { formatInteger } from '../../domain/format.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { BULK_MAX, decide, loadQueue, loadQueued, type DecideErrors } from './review.service.ts';
import { ReviewOnePage, ReviewQueuePage, type DecisionValues } from './review.view.tsx';

type ShowQueue = (
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  o?: { page?: number; notice?: string | undefined; errors?: DecideErrors; values?: DecisionValues },
) => Promise<FastifyReply>;

export interface ReviewPluginOptions {
  ctx: AppContext;
}

const Html = { 200: Type.String(), 400: Type.String(), 404: Type.String() };
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const Decision = {
  decision: Type.Optional(Type.String({ maxLength: 20 })),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
};
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

/** The ids of the checked readings: one checkbox arrives as a string, several as an array. */
function idsOf(raw: string | string[] | undefined): number[] | undefined {
  const list = [raw ?? []].flat();
  return list.every((s) => /^[1-9][0-9]{0,14}$/.test(s)) ? list.map(Number) : undefined;
}

function noticeOf(q: { decision?: string; done?: number; skipped?: number }): string | undefined {
  if (q.done === undefined || (q.decision !== 'accepted' && q.decision !== 'rejected')) {
    return undefined;
  }
  const verb = q.decision === 'accepted' ? 'Принято' : 'Отклонено';
  const skipped = q.skipped ? ` Уже решены другим сотрудником, пропущено: ${formatInteger(q.skipped)}.` : '';
  return `${verb} показаний: ${formatInteger(q.done)}.${skipped}`;
}

/**
 * The readings review queue at /office/review: every reading the rules held, with the account's
 * recent history; operators accept or reject them with a reason, one by one or checked in bulk.
 * Accountants see the queue and each reading without the forms.
 */
export const officeReviewPlugin: FastifyPluginCallback<ReviewPluginOptions> = (app, { ctx }, done) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = { db: ctx.db.kysely, clock: ctx.clock };

  const showQueue: ShowQueue = async (req, reply, status, o = {}) => {
    const user = staffOf(req).user;
    const page = (
      <ReviewQueuePage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={user}
        queue={await loadQueue(deps.db, o.page ?? 1)}
        canDecide={user.roles.includes('operator')}
        notice={o.notice}
        {...(o.errors ? { errors: o.errors } : {})}
        {...(o.values ? { values: o.values } : {})}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get(
    '/office/review',
    {
      schema: {
        querystring: Type.Object({
          page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          decision: Type.Optional(Type.String({ maxLength: 20 })),
          done: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
          skipped: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        }),
        response: Html,
      },
    },
    async (req, reply) =>
      showQueue(req, reply, 200, { page: req.query.page ?? 1, notice: noticeOf(req.query) }),
  );

  r.post(
    '/office/review',
    {
      schema: {
        body: Type.Object({
          ids: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 20 }),
              Type.Array(Type.String({ maxLength: 20 }), { maxItems: BULK_MAX * 5 }),
            ]),
          ),
          ...Decision,
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const ids = idsOf(req.body.ids);
      const values = { ids: ids ?? [], decision: req.body.decision ?? '', reason: req.body.reason ?? '' };
      if (!ids) {
        return showQueue(req, reply, 400, {
          errors: { ids: 'Отметьте показания из списка очереди.' },
          values,
        });
      }
      const result = await decide(deps, values, staffOf(req), req.ip);
      if (result.kind === 'invalid') {
        return showQueue(req, reply, 400, { errors: result.errors, values });
      }
      return reply.redirect(
        `/office/review?decision=${result.decision}&done=${result.done}&skipped=${result.skipped}`,
        303,
      );
    },
  );

  registerOne(app, deps, ctx, showQueue);
  done();
};

/** One held reading: its page and its decision. */
function registerOne(
  app: FastifyInstance,
  deps: { db: AppContext['db']['kysely']; clock: AppContext['clock'] },
  ctx: AppContext,
  showQueue: ShowQueue,
): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const showOne = async (
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    status: number,
    o: { errors?: DecideErrors; reason?: string } = {},
  ) => {
    const item = await loadQueued(deps.db, id);
    if (!item) {
      // Decided meanwhile, or never held: back to the queue, which says what is left.
      return showQueue(req, reply, 404, {
        notice: `Показания № ${id} нет в очереди: оно уже решено или не задерживалось.`,
      });
    }
    const page = (
      <ReviewOnePage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        item={item}
        canDecide={staffOf(req).user.roles.includes('operator')}
        {...o}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get('/office/review/:id', { schema: { params: IdParam, response: Html } }, async (req, reply) =>
    showOne(req, reply, req.params.id, 200),
  );

  r.post(
    '/office/review/:id',
    { schema: { params: IdParam, body: Type.Object({ ...Decision, ...Csrf }), response: Html } },
    async (req, reply) => {
      const values = {
        ids: [req.params.id],
        decision: req.body.decision ?? '',
        reason: req.body.reason ?? '',
      };
      const result = await decide(deps, values, staffOf(req), req.ip);
      if (result.kind === 'invalid') {
        return showOne(req, reply, req.params.id, 400, { errors: result.errors, reason: values.reason });
      }
      if (result.done === 0) {
        return showOne(req, reply, req.params.id, 404);
      }
      return reply.redirect(`/office/review?decision=${result.decision}&done=1&skipped=0`, 303);
    },
  );
}
