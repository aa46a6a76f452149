import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { dateInZone } from '../../domain/dates.ts';
import { staffOf } from '../office/office.guard.tsx';
import { formatAuditTime } from '../office/audit.service.ts';
import type { ExportEncoding } from './csv.ts';
import {
  parseDate,
  parseEncoding,
  parseInn,
  parseMinRubles,
  parseMonths,
  parsePeriod,
  parseSettlementAccount,
  type Parsed,
} from './exports.input.ts';
import {
  balancesExport,
  chargesExport,
  debtorsExport,
  debtsRegistryExport,
  ExportRefused,
  paymentsExport,
  type ExportFile,
} from './exports.service.ts';
import { closedPeriods } from './exports.repository.ts';
import { latestRegistryFiles, listBranches } from './registry.repository.ts';
import { ExportsPage, type ExportForms, type ExportKind } from './exports.view.tsx';

// The accountant's exports page and its downloads. Each download is a POST with the CSRF token
// (the registry's takes a number; every download is audited with who, what and which file), answered
// with the file streamed as it is read, or with the page and the message next to the field.

const Text = Type.Optional(Type.String({ maxLength: 100 }));
const Body = Type.Object({
  period: Text,
  date: Text,
  from: Text,
  to: Text,
  encoding: Text,
  minRub: Text,
  months: Text,
  branch: Text,
  inn: Text,
  account: Text,
  _csrf: Text,
});
type BodyT = {
  [K in keyof typeof Body.properties]?: string | undefined;
};

/** Checks the fields; the values, or the message of each field at fault. */
class FieldChecks {
  readonly errors: Record<string, string> = {};
  constructor(private readonly body: BodyT) {}
  take<T>(field: keyof BodyT, parse: (s: string) => Parsed<T>): T | undefined {
    const r = parse(this.body[field] ?? '');
    if (r.ok) {
      return r.value;
    }
    this.errors[field] = r.message;
    return undefined;
  }
  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}

function formsOf(closed: string[], today: string, kind?: ExportKind, body?: BodyT): ExportForms {
  const latest = closed[0] ?? '';
  const v = (k: keyof BodyT, fallback: string) => (body?.[k] ?? fallback).trim();
  const mine = (k: ExportKind) => (kind === k ? v : (_: keyof BodyT, fallback: string) => fallback);
  return {
    charges: { period: mine('charges')('period', latest), encoding: mine('charges')('encoding', 'utf8') },
    balances: { date: mine('balances')('date', today), encoding: mine('balances')('encoding', 'utf8') },
    payments: {
      from: mine('payments')('from', latest ? `${latest}-01` : ''),
      to: mine('payments')('to', today),
      encoding: mine('payments')('encoding', 'utf8'),
    },
    'debts-registry': {
      period: mine('debts-registry')('period', latest),
      branch: mine('debts-registry')('branch', ''),
      inn: mine('debts-registry')('inn', ''),
      account: mine('debts-registry')('account', ''),
    },
    debtors: {
      minRub: mine('debtors')('minRub', '1000'),
      months: mine('debtors')('months', '3'),
      period: mine('debtors')('period', latest),
      encoding: mine('debtors')('encoding', 'utf8'),
    },
  };
}

export function registerExportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;
  const today = () => dateInZone(ctx.clock.now(), ctx.config.timeZone);

  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    refused?: { kind: ExportKind; errors: Record<string, string>; body: BodyT },
  ) => {
    const [closed, branches, registryFiles] = await Promise.all([
      closedPeriods(db, 24),
      listBranches(db),
      latestRegistryFiles(db, 10),
    ]);
    const page = (
      <ExportsPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        user={staffOf(req).user}
        forms={formsOf(closed, today(), refused?.kind, refused?.body)}
        refused={refused}
        closed={closed}
        branches={branches}
        registryFiles={registryFiles}
        at={(ms) => formatAuditTime(ms, ctx.config.timeZone)}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };

  r.get('/office/exports', { schema: { response: { 200: Type.String() } } }, async (req, reply) =>
    show(req, reply, 200),
  );

  const EXPORTS = preparers(ctx, today);

  for (const kind of Object.keys(EXPORTS) as ExportKind[]) {
    r.post(
      `/office/exports/${kind}`,
      { schema: { body: Body, response: { 200: Type.Unknown(), 400: Type.String() } } },
      async (req, reply) => {
        const staff = staffOf(req).user;
        const checks = new FieldChecks(req.body);
        const prepare = EXPORTS[kind](checks, staff.id);
        if (!prepare) {
          return show(req, reply, 400, { kind, errors: checks.errors, body: req.body });
        }
        let file: ExportFile;
        try {
          file = await prepare();
        } catch (err) {
          if (!(err instanceof ExportRefused)) {
            throw err;
          }
          const field = err.field ?? 'period';
          return show(req, reply, 400, { kind, errors: { [field]: err.message }, body: req.body });
        }
        await recordAudit(db, ctx.clock.now(), {
          event: 'export',
          outcome: kind,
          ip: req.ip,
          staffUserId: staff.id,
          details: { file: file.fileName },
        });
        const body = file.open();
        // A registry cut short (the connection lost) gives its number back; the bank never got it.
        body.once('error', () => void file.failed().catch(() => undefined));
        return reply
          .type(file.contentType)
          .header('Content-Disposition', `attachment; filename="${file.fileName}"`)
          .send(body);
      },
    );
  }
}

/** What each form asks for: its fields checked, then the file prepared (which may refuse). */
function preparers(
  ctx: AppContext,
  today: () => string,
): Record<ExportKind, (c: FieldChecks, staffUserId: number) => (() => Promise<ExportFile>) | undefined> {
  const db = ctx.db.kysely;
  return {
    charges: (c) => {
      const period = c.take('period', parsePeriod);
      const encoding = c.take('encoding', encodingOrDefault);
      return c.ok ? () => chargesExport(db, { period: period!, encoding: encoding! }) : undefined;
    },
    balances: (c) => {
      const date = c.take('date', parseDate);
      const encoding = c.take('encoding', encodingOrDefault);
      return c.ok
        ? () => Promise.resolve(balancesExport(db, { date: date!, today: today(), encoding: encoding! }))
        : undefined;
    },
    payments: (c) => {
      const from = c.take('from', parseDate);
      const to = c.take('to', parseDate);
      const encoding = c.take('encoding', encodingOrDefault);
      return c.ok
        ? () => Promise.resolve(paymentsExport(db, { from: from!, to: to!, encoding: encoding! }))
        : undefined;
    },
    debtors: (c) => {
      const minKop = c.take('minRub', parseMinRubles);
      const months = c.take('months', parseMonths);
      const period = c.take('period', optional(parsePeriod));
      const encoding = c.take('encoding', encodingOrDefault);
      return c.ok
        ? () => debtorsExport(db, { minKop: minKop!, months: months!, period, encoding: encoding! })
        : undefined;
    },
    'debts-registry': (c, staffUserId) => {
      const period = c.take('period', parsePeriod);
      const branch = c.take('branch', (s) => ({ ok: true, value: s.trim() }));
      const inn = c.take('inn', optional(parseInn));
      const account = c.take('account', optional(parseSettlementAccount));
      return c.ok
        ? () =>
            debtsRegistryExport(db, {
              period: period!,
              branch,
              inn,
              account,
              staffUserId,
              at: ctx.clock.now(),
            })
        : undefined;
    },
  };
}

/** An encoding, UTF-8 when the field was left out. */
function encodingOrDefault(s: string): Parsed<ExportEncoding> {
  return s.trim() === '' ? { ok: true, value: 'utf8' } : parseEncoding(s);
}

/** A field that may be left empty. */
function optional<T>(parse: (s: string) => Parsed<T>): (s: string) => Parsed<T | undefined> {
  return (s) => (s.trim() === '' ? { ok: true, value: undefined } : parse(s));
}
