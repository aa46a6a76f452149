import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { stringify } from 'csv-stringify';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from './office.guard.tsx';
import { findAudit, type AuditFilter } from './audit.repository.ts';
import { EMPTY_AUDIT_QUERY, formatAuditTime, parseAuditQuery, type AuditQuery } from './audit.service.ts';
import { AuditPage } from './audit.view.tsx';

// The admin's audit viewer: the log filtered by staff user, account, action and dates, newest
// first, a page at a time, and everything the filter matches as a CSV file.

const PAGE_SIZE = 50;
/** Rows read per query while the CSV is written: the file streams, the log is never held whole. */
const CSV_BATCH = 1000;

const Text = Type.Optional(Type.String({ maxLength: 200 }));
const Query = Type.Object({
  staff: Text,
  account: Text,
  event: Text,
  from: Text,
  to: Text,
  before: Type.Optional(Type.Integer({ minimum: 1 })),
});

function queryOf(q: Partial<AuditQuery>): AuditQuery {
  return {
    ...EMPTY_AUDIT_QUERY,
    ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)),
  };
}

function hrefOf(path: string, q: AuditQuery, before?: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q) as Array<[string, string]>) {
    if (v.trim() !== '') {
      params.set(k, v.trim());
    }
  }
  if (before !== undefined) {
    params.set('before', String(before));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export function registerAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;
  const timeZone = ctx.config.timeZone;

  r.get(
    '/office/audit',
    { schema: { querystring: Query, response: { 200: Type.String(), 400: Type.String() } } },
    async (req, reply) => {
      const { before, ...rest } = req.query;
      const query = queryOf(rest);
      const parsed = parseAuditQuery(query, timeZone);
      const found = parsed.kind === 'ok' ? await findAudit(db, parsed.filter, PAGE_SIZE + 1, before) : [];
      const entries = found.slice(0, PAGE_SIZE).map((e) => ({ ...e, time: formatAuditTime(e.at, timeZone) }));
      const last = entries.at(-1);
      const page = (
        <AuditPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          me={staffOf(req).user}
          query={query}
          errors={parsed.kind === 'invalid' ? parsed.errors : {}}
          entries={entries}
          nextHref={found.length > PAGE_SIZE && last ? hrefOf('/office/audit', query, last.id) : null}
          csvHref={parsed.kind === 'ok' ? hrefOf('/office/audit.csv', query) : null}
        />
      );
      return reply
        .code(parsed.kind === 'ok' ? 200 : 400)
        .type('text/html; charset=utf-8')
        .send(renderPage(page));
    },
  );

  r.get(
    '/office/audit.csv',
    { schema: { querystring: Query, response: { 200: Type.Unknown() } } },
    async (req, reply) => {
      // Everything the filter matches (queryOf leaves the page's `before` out).
      const query = queryOf(req.query);
      const parsed = parseAuditQuery(query, timeZone);
      if (parsed.kind === 'invalid') {
        // The page with the filter and its messages, as the form itself shows them.
        return reply.redirect(hrefOf('/office/audit', query), 303);
      }
      const rows = Readable.from(csvRows(db, parsed.filter, timeZone));
      const csv = stringify({
        delimiter: ';',
        bom: true,
        header: true,
        columns: ['Время', 'Действие', 'Результат', 'Лицевой счёт', 'Сотрудник', 'Адрес', 'Подробности'],
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="audit.csv"')
        .send(rows.pipe(csv));
    },
  );
}

async function* csvRows(
  db: AppContext['db']['kysely'],
  filter: AuditFilter,
  timeZone: string,
): AsyncGenerator<string[]> {
  let before: number | undefined;
  for (;;) {
    const batch = await findAudit(db, filter, CSV_BATCH, before);
    for (const e of batch) {
      yield [
        formatAuditTime(e.at, timeZone),
        e.event,
        e.outcome,
        e.accountNumber ?? '',
        e.staffLogin ?? '',
        e.ip ?? '',
        e.details ?? '',
      ];
    }
    if (batch.length < CSV_BATCH) {
      return;
    }
    before = batch.at(-1)!.id;
  }
}
