import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { addYears } from '../../domain/dates.ts';
import { readingsWindow } from '../../domain/schedule.ts';
import { zonesFor } from '../../domain/tariff.ts';
import * as readingsRepo from '../../features/readings/readings.repository.ts';
import {
  submitReading,
  type ReadingsDeps,
  type SubmitResult,
} from '../../features/readings/readings.service.ts';
import {
  claimKey,
  completeKey,
  fingerprintOf,
  releaseKey,
  type KeyRef,
} from '../../features/api-idempotency/idempotency.service.ts';
import type { AttachedAccount } from '../../features/profile/profile-accounts.repository.ts';
import { attachedAccount, callerOf } from './api.auth.ts';
import { json, READ_PROBLEMS, today, type ApiContext } from './api.routes.ts';
import {
  AccountParams,
  IdempotencyHeaders,
  MeterInfo,
  NewReading,
  ReadingCreated,
  ReadingList,
  SinceQuery,
} from './api.schemas.ts';
import { ApiProblem, problemDocument, problemResponses, PROBLEM_TYPE } from './problems.ts';

/** How readings sent through the API are marked (the history's «Способ передачи»). */
export const API_CHANNEL = 'api';

function readingJson(r: readingsRepo.ReadingItem) {
  return {
    id: r.id,
    date: r.readingDate,
    values: r.values,
    channel: r.channel,
    status: r.status,
    billingPeriod: r.billingPeriod,
  };
}

/** The readings (list and submit) and the meter with the readings window. */
export function registerReadingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  listRoute(app, ctx);
  meterRoute(app, ctx);
  submitRoute(app, ctx);
}

function listRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts/:number/readings',
    {
      schema: {
        summary: 'Meter readings, newest first',
        tags: ['readings'],
        params: AccountParams,
        querystring: SinceQuery,
        response: {
          200: json(ReadingList, 'Readings by every channel'),
          ...problemResponses(...READ_PROBLEMS),
        },
      },
    },
    async (req) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const from = req.query.from ?? addYears(today(ctx), -1);
      const rows = await readingsRepo.listReadings(db, account.accountId, from, req.query.limit ?? 100);
      return { readings: rows.map(readingJson) };
    },
  );
}

function meterRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;

  r.get(
    '/accounts/:number/meter',
    {
      schema: {
        summary: 'The meter in service, its last accepted reading and the readings window',
        tags: ['readings'],
        params: AccountParams,
        response: {
          200: json(MeterInfo, 'The meter (null without one)'),
          ...problemResponses(...READ_PROBLEMS),
        },
      },
    },
    async (req) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'read');
      const meter = await readingsRepo.findActiveMeter(db, account.accountId);
      const last = meter && (await readingsRepo.latestAcceptedReading(db, account.accountId, meter.id));
      return {
        meter: meter
          ? {
              serial: meter.serial,
              digits: meter.digits,
              ratio: meter.ratio,
              zones: zonesFor(meter.zones),
              installedOn: meter.installedOn,
              verificationDue: meter.verificationDue,
            }
          : null,
        lastReading: last ? { date: last.readingDate, values: last.values } : null,
        window: readingsWindow(today(ctx), ctx.config.readingsFirstDay, ctx.config.readingsLastDay),
      };
    },
  );
}

function submitRoute(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const db = ctx.db.kysely;
  const deps: ReadingsDeps = {
    db,
    clock: ctx.clock,
    timeZone: ctx.config.timeZone,
    lastDay: ctx.config.readingsLastDay,
  };

  r.post(
    '/accounts/:number/readings',
    {
      schema: {
        summary: 'Submit a reading of the meter in service (needs the readings:write scope)',
        description:
          'Send an `Idempotency-Key` of your own with each reading: a repeat with the same key and body returns the first answer (header `Idempotent-Replayed: true`) and stores nothing; the same key with another body is 422. Keys are kept for 24 hours.',
        tags: ['readings'],
        params: AccountParams,
        headers: IdempotencyHeaders,
        body: NewReading,
        response: {
          201: {
            ...json(ReadingCreated, 'Stored: accepted, or held for review when confirmed'),
            headers: {
              'Idempotent-Replayed': {
                type: 'string',
                enum: ['true'],
                description: 'Sent when this is the stored answer to an earlier request with the same key',
              },
            },
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const account = await attachedAccount(ctx, req, req.params.number, 'readings:write');
      const ref: KeyRef = { tokenId: callerOf(req).tokenId, key: req.headers['idempotency-key'] };
      const fingerprint = fingerprintOf({ route: 'POST readings', account: account.number, body: req.body });
      const claim = await claimKey(db, { ...ref, fingerprint }, ctx.clock.now().getTime());
      switch (claim.kind) {
        case 'replay':
          return sendAnswer(reply, { status: claim.status, body: JSON.parse(claim.body) as unknown }, true);
        case 'mismatch':
          throw new ApiProblem(
            422,
            'idempotency-key-reused',
            'Этот ключ Idempotency-Key уже использован для другого запроса. Для нового показания нужен новый ключ.',
          );
        case 'in-progress':
          throw new ApiProblem(
            409,
            'idempotency-key-in-use',
            'Запрос с этим ключом Idempotency-Key ещё выполняется. Повторите его через несколько секунд.',
            {},
            { 'Retry-After': '1' },
          );
        case 'new':
          return submitOnce(req, reply, { deps, account, ref: { ...ref, fingerprint }, body: req.body });
      }
    },
  );
}

/** A reading sent with a newly claimed key: what submitOnce and submitAnswer work on. */
interface Submission {
  deps: ReadingsDeps;
  account: AttachedAccount;
  ref: KeyRef & { fingerprint: string };
  body: Static<typeof NewReading>;
}

/** Submits the reading of a newly claimed key and stores the answer for its repeats. */
async function submitOnce(req: FastifyRequest, reply: FastifyReply, s: Submission): Promise<FastifyReply> {
  const { db } = s.deps;
  let answer: { status: number; body: unknown };
  try {
    answer = await submitAnswer(req, s);
  } catch (err) {
    await releaseKey(db, s.ref).catch(() => undefined);
    throw err;
  }
  await completeKey(db, s.ref, { status: answer.status, body: JSON.stringify(answer.body) });
  return sendAnswer(reply, answer, false);
}

/** A submission's answer, first or replayed (`Idempotent-Replayed: true`, as Stripe's API says it). */
function sendAnswer(
  reply: FastifyReply,
  answer: { status: number; body: unknown },
  replayed: boolean,
): FastifyReply {
  if (replayed) {
    void reply.header('Idempotent-Replayed', 'true');
  }
  return reply
    .code(answer.status)
    .type(answer.status < 300 ? 'application/json; charset=utf-8' : PROBLEM_TYPE)
    .send(answer.body);
}

/**
 * The reading's key for the readings feature: derived from the token, its Idempotency-Key and the
 * request's fingerprint, so that a request taken over after its process died finds the reading
 * the first one stored, and a key used again with other values once its day is over (it is
 * forgotten then) stores the new reading instead of finding the old one.
 */
function submissionKey(ref: Submission['ref']): string {
  const h = createHash('sha256').update(`api:${ref.tokenId}:${ref.key}:${ref.fingerprint}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

async function submitAnswer(req: FastifyRequest, s: Submission): Promise<{ status: number; body: unknown }> {
  const { db } = s.deps;
  const problem = (p: ApiProblem) => ({ status: p.status, body: problemDocument(req, p) });
  const meter = await readingsRepo.findActiveMeter(db, s.account.accountId);
  if (!meter) {
    return problem(
      new ApiProblem(422, 'no-meter', 'У лицевого счёта нет счётчика в работе: показания не принимаются.'),
    );
  }
  if (s.body.values.length !== meter.zones) {
    return problem(
      new ApiProblem(
        422,
        'invalid-reading',
        `Счётчик № ${meter.serial} — ${zoneWords(meter.zones)}: нужно ${meter.zones} знач. в «values».`,
        { errors: [{ in: 'body', field: '/values', message: `нужно значений: ${meter.zones}` }] },
      ),
    );
  }
  const result = await submitReading(s.deps, {
    accountId: s.account.accountId,
    accountNumber: s.account.number,
    meterId: meter.id,
    key: submissionKey(s.ref),
    values: s.body.values.map(String),
    confirmed: s.body.confirm === true,
    ip: req.ip,
    channel: API_CHANNEL,
  });
  return answerOf(req, db, s.account.accountId, result, problem);
}

async function answerOf(
  _req: FastifyRequest,
  db: ReadingsDeps['db'],
  accountId: number,
  result: SubmitResult,
  problem: (p: ApiProblem) => { status: number; body: unknown },
): Promise<{ status: number; body: unknown }> {
  switch (result.kind) {
    case 'invalid': {
      const errors = result.fieldErrors
        .map((message, i) => ({ in: 'body', field: `/values/${i}`, message }))
        .filter((e) => e.message !== '');
      const detail = result.formError ?? errors.map((e) => e.message).join(' ');
      return problem(new ApiProblem(422, 'invalid-reading', detail || 'Показание не принято.', { errors }));
    }
    case 'confirm': {
      const kwh = result.registers.map((g) => g.kwh);
      const kwhWords = `${kwh.join(' / ')} кВт·ч`;
      const why =
        result.reason === 'rollover'
          ? `значение меньше прежнего (если счётчик перешёл через ноль, расход ${kwhWords})`
          : `расход необычно велик (${kwhWords})`;
      return problem(
        new ApiProblem(
          422,
          'reading-needs-confirmation',
          `Показание похоже на ошибочное: ${why}. Если оно верно, отправьте его ещё раз с "confirm": true и новым ключом Idempotency-Key — оно уйдёт на проверку.`,
          { consumption: kwh },
        ),
      );
    }
    case 'stored': {
      const reading = await readingsRepo.findReading(db, accountId, result.readingId);
      if (!reading) {
        throw new Error('a stored reading is not found');
      }
      return { status: 201, body: { reading: readingJson(reading) } };
    }
  }
}

function zoneWords(zones: number): string {
  return zones === 1 ? 'однотарифный' : `${zones}-тарифный`;
}
