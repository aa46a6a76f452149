import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { csrfTokenValid } from '../../platform/http/security.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../office/office.guard.tsx';
import type { ImportSummary } from './engine.ts';
import { kindsFor, type UploadKind } from './upload.kinds.ts';
import { drain, receiveUpload, type Received } from './upload.receive.ts';
import * as repo from './upload.repository.ts';
import { ImportsPage, REFRESH_SECONDS, UploadPage, type ImportsPageProps } from './upload.view.tsx';

/** Uploads listed on the page. */
const LIST_ROWS = 20;

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const AutoQuery = Type.Object({ auto: Type.Optional(Type.String({ maxLength: 5 })) });
// The reason's length is checked in the handler, so that a long one gets its message next to the field.
const ApplyBody = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  reason: Type.Optional(Type.String({ maxLength: 10_000 })),
});
/** The longest reason kept in the audit log. */
const REASON_MAX = 500;
const Html = {
  200: Type.String(),
  303: Type.String(),
  400: Type.String(),
  404: Type.String(),
  409: Type.String(),
};

type Found = { upload: repo.Upload; kind: UploadKind };

/** What the routes share: the context, the kinds, the limit, and the pages they answer with. */
class UploadPages {
  readonly db;
  readonly maxMb: number;
  constructor(
    readonly ctx: AppContext,
    readonly kinds: readonly UploadKind[],
    maxBytes: number,
  ) {
    this.db = ctx.db.kysely;
    this.maxMb = Math.round(maxBytes / (1024 * 1024));
  }

  frame(req: FastifyRequest, reply: FastifyReply) {
    return {
      supplierName: this.ctx.supplierName,
      csrfToken: reply.generateCsrf(),
      user: staffOf(req).user,
      timeZone: this.ctx.config.timeZone,
    };
  }

  /** The kinds this staff member may upload and see. */
  allowed(req: FastifyRequest): UploadKind[] {
    return kindsFor(this.kinds, staffOf(req).user.roles);
  }

  async list(
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Pick<ImportsPageProps, 'errors' | 'selected' | 'region' | 'full'> = {},
  ) {
    const mine = this.allowed(req);
    const uploads = await repo.listUploads(
      this.db,
      mine.map((k) => k.key),
      LIST_ROWS,
    );
    const page = (
      <ImportsPage
        {...this.frame(req, reply)}
        kinds={mine}
        maxMb={this.maxMb}
        uploads={uploads.map((u) => ({
          upload: u,
          kindTitle: mine.find((k) => k.key === u.kind)?.title ?? u.kind,
        }))}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  }

  /** The upload, when the staff member may see its kind. */
  async find(req: FastifyRequest, id: string): Promise<Found | undefined> {
    const upload = await repo.findUpload(this.db, Number(id));
    const kind = upload && this.allowed(req).find((k) => k.key === upload.kind);
    return upload && kind ? { upload, kind } : undefined;
  }

  async show(
    req: FastifyRequest,
    reply: FastifyReply,
    found: Found,
    status: number,
    notice?: string,
    auto = false,
    apply: { reason?: string; reasonError?: string } = {},
  ) {
    const { upload, kind } = found;
    const summary = summaryOf(upload);
    const live = upload.state === 'queued' || upload.state === 'running';
    if (live && auto) {
      // Reloaded only when the staff member asked for it (WCAG 2.2.1: a timed reload is the user's to stop).
      reply.header('Refresh', `${REFRESH_SECONDS}; url=/office/imports/${upload.id}?auto=1`);
    }
    const page = (
      <UploadPage
        {...this.frame(req, reply)}
        upload={upload}
        kind={kind}
        summary={summary}
        canApply={upload.state === 'done' && upload.mode === 'check' && summary?.status === 'dry_run'}
        notice={notice}
        auto={auto}
        reason={apply.reason}
        reasonError={apply.reasonError}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  }

  notFound(reply: FastifyReply) {
    return reply.code(404).type('text/html; charset=utf-8').send('Загрузка не найдена.');
  }
}

function summaryOf(upload: repo.Upload): ImportSummary | null {
  return upload.summary ? (JSON.parse(upload.summary) as ImportSummary) : null;
}

/**
 * The upload page (/office/imports): an accountant (or, for the kinds that are theirs, an
 * admin) uploads a file of a kind their roles allow; the file goes into the database as it
 * arrives (upload.receive.ts) and its dry run is queued for the job runner (upload.worker.ts).
 * The upload's page shows the progress (reloading itself), the summary and the rejected lines;
 * «Применить», with its mandatory reason («Основание», security.md row 25), queues the
 * application. Each upload and application is audited.
 */
export function registerUploadRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  kinds: readonly UploadKind[],
  maxBytes: number,
): void {
  const pages = new UploadPages(ctx, kinds, maxBytes);
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get('/office/imports', { schema: { response: Html } }, async (req, reply) => pages.list(req, reply, 200));
  r.post(
    '/office/imports',
    { config: { csrfInHandler: true }, schema: { response: Html } },
    async (req, reply) => postUpload(app, pages, req, reply),
  );
  r.get(
    '/office/imports/:id',
    { schema: { params: IdParams, querystring: AutoQuery, response: Html } },
    async (req, reply) => {
      const found = await pages.find(req, req.params.id);
      return found
        ? pages.show(req, reply, found, 200, undefined, req.query.auto === '1')
        : pages.notFound(reply);
    },
  );
  r.post(
    '/office/imports/:id/apply',
    { schema: { params: IdParams, body: ApplyBody, response: Html } },
    async (req, reply) => {
      const found = await pages.find(req, req.params.id);
      if (!found) {
        return pages.notFound(reply);
      }
      const reason = (req.body.reason ?? '').trim();
      const reasonError =
        reason === ''
          ? 'Укажите основание применения (например, номер служебной записки): оно сохраняется в журнале действий.'
          : reason.length > REASON_MAX
            ? `Основание длиннее ${REASON_MAX} знаков: сократите его.`
            : undefined;
      if (reasonError) {
        return pages.show(req, reply, found, 400, undefined, false, { reason, reasonError });
      }
      const now = ctx.clock.now();
      const queued =
        summaryOf(found.upload)?.status === 'dry_run' &&
        (await repo.requestApply(pages.db, found.upload.id, now.getTime()));
      if (!queued) {
        const why = 'Этот файл сейчас нельзя применить: он уже применяется, применён или не прошёл проверку.';
        return pages.show(req, reply, found, 409, why);
      }
      await recordAudit(pages.db, now, {
        event: 'import_apply',
        outcome: 'queued',
        ip: req.ip,
        staffUserId: staffOf(req).user.id,
        details: {
          uploadId: found.upload.id,
          kind: found.kind.key,
          file: found.upload.fileName,
          reason,
          before: { state: 'done', mode: 'check' },
          after: { state: 'queued', mode: 'apply' },
        },
      });
      return reply.code(303).header('Location', `/office/imports/${found.upload.id}?auto=1`).send('');
    },
  );
  r.get('/office/imports/:id/report.csv', { schema: { params: IdParams } }, async (req, reply) => {
    const found = await pages.find(req, req.params.id);
    if (!found || found.upload.state !== 'done') {
      return pages.notFound(reply);
    }
    const id = found.upload.id;
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="import-${id}-report.csv"`)
      .send(Readable.from(reportChunks(pages, id)));
  });
}

/** The stored report, chunk by chunk. */
async function* reportChunks(pages: UploadPages, id: number): AsyncGenerator<Buffer> {
  let next = 0;
  for (;;) {
    const rows = await repo.readChunks(pages.db, id, 'report', next, 4);
    for (const c of rows) {
      yield c.data;
      next = c.seq + 1;
    }
    if (rows.length < 4) {
      return;
    }
  }
}

/** The longest region accepted («Республика Хакасия» is 18 letters). */
const REGION_MAX = 100;

/**
 * The options a kind takes, from the form's fields; a message for the field when one is wrong.
 * Kinds that take none get none, whatever the form sent.
 */
function optionsOf(
  kind: UploadKind,
  fields: Record<string, string>,
): { ok: true; options: repo.UploadOptions } | { ok: false; region: string } {
  if (!kind.needsRegion) {
    return { ok: true, options: {} };
  }
  const region = (fields.region ?? '').trim();
  if (region === '') {
    return {
      ok: false,
      region: 'Укажите регион, с которого начинается адрес каждого объекта, например «Республика Хакасия».',
    };
  }
  if (region.length > REGION_MAX) {
    return { ok: false, region: `Регион длиннее ${REGION_MAX} знаков: проверьте, что введено.` };
  }
  return { ok: true, options: { region, full: fields.full === '1' } };
}

/**
 * The multipart form, read in order: the CSRF token, the kind and its options come before the
 * file (the form puts them first), so the token is checked, and the kind against the roles and
 * its options, before a byte of the file is stored.
 */
async function postUpload(
  app: FastifyInstance,
  pages: UploadPages,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (!req.isMultipart()) {
    return pages.list(req, reply, 400, { errors: { file: 'Файл не получен: отправьте форму с файлом.' } });
  }
  const fields: Record<string, string> = {};
  let received: Received | undefined;
  let checked = false;
  for await (const part of req.parts()) {
    if (part.type === 'field') {
      fields[part.fieldname] = typeof part.value === 'string' ? part.value : '';
      continue;
    }
    if (!checked) {
      checked = true;
      if (!csrfTokenValid(app, req, reply, fields._csrf)) {
        await drain(part.file);
        return reply;
      }
    }
    const kind = pages.allowed(req).find((k) => k.key === fields.kind);
    const kept = { selected: fields.kind, region: fields.region, full: fields.full === '1' };
    // A form sent without a file has a file part all the same: empty, and without a name.
    const fileName = typeof part.filename === 'string' ? part.filename : '';
    const options = kind && optionsOf(kind, fields);
    if (part.fieldname !== 'file' || received || !kind || !options?.ok || fileName === '') {
      await drain(part.file);
      if (!kind) {
        const errors = { kind: 'Выберите, что загружается, из списка.' };
        return pages.list(req, reply, 400, { errors, ...kept });
      }
      if (options && !options.ok) {
        return pages.list(req, reply, 400, { errors: { region: options.region }, ...kept });
      }
      continue;
    }
    const staffUserId = staffOf(req).user.id;
    received = await receiveUpload({ db: pages.db, clock: pages.ctx.clock, maxMb: pages.maxMb }, part.file, {
      kind,
      fileName,
      staffUserId,
      options: options.options,
    });
    if (received.ok) {
      await recordAudit(pages.db, pages.ctx.clock.now(), {
        event: 'import_upload',
        outcome: 'queued',
        ip: req.ip,
        staffUserId,
        details: { uploadId: received.id, kind: kind.key, file: fileName, ...options.options },
      });
    }
  }
  if (!checked && !csrfTokenValid(app, req, reply, fields._csrf)) {
    return reply;
  }
  if (!received || !received.ok) {
    const file = received ? received.message : 'Выберите файл.';
    return pages.list(req, reply, 400, {
      errors: { file },
      selected: fields.kind,
      region: fields.region,
      full: fields.full === '1',
    });
  }
  return reply.code(303).header('Location', `/office/imports/${received.id}?auto=1`).send('');
}
