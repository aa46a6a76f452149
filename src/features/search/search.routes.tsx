import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../office/office.guard.tsx';
import { pageOf, parseSearch, runSearch, SEARCH_FIELDS, type SearchValues } from './search.service.ts';
import { SearchPageView, type SearchPageProps } from './search.view.tsx';

// GET /office/search: the form, and the results of what it sent (a GET, so that a result's page
// can be bookmarked, reloaded and paged; it changes nothing).

const Text = Type.Optional(Type.String({ maxLength: 200 }));

export function registerSearchRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/office/search',
    {
      schema: {
        querystring: Type.Object({
          number: Text,
          name: Text,
          street: Text,
          house: Text,
          flat: Text,
          serial: Text,
          page: Type.Optional(Type.String({ maxLength: 10 })),
        }),
        response: { 200: Type.String(), 400: Type.String() },
      },
    },
    async (req, reply) => {
      const values = {} as SearchValues;
      for (const f of SEARCH_FIELDS) {
        values[f] = req.query[f] ?? '';
      }
      const props: SearchPageProps = {
        supplierName: ctx.supplierName,
        csrfToken: reply.generateCsrf(),
        user: staffOf(req).user,
        values,
        errors: {},
      };
      const parsed = parseSearch(values);
      let status: 200 | 400 = 200;
      if (parsed.kind === 'invalid') {
        props.errors = parsed.errors;
        status = 400;
      } else if (parsed.kind === 'ok') {
        props.result = await runSearch(ctx.db.kysely, parsed.criteria, pageOf(req.query.page));
      } else if (SEARCH_FIELDS.some((f) => req.query[f] !== undefined)) {
        // The form sent with nothing in it (a first visit has no query at all).
        props.formError = 'Заполните хотя бы одно поле.';
        status = 400;
      }
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(renderPage(<SearchPageView {...props} />));
    },
  );
}
