import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { isDatabaseUnavailable } from '../../platform/db/connect.ts';

// Every /api error is an RFC 9457 problem document (application/problem+json) with a Russian
// `detail`: thrown as ApiProblem by the routes, or made here from Fastify's own errors.

export const PROBLEM_TYPE = 'application/problem+json';

/** Seconds a client is asked to wait while the database is unreachable (as the pages say). */
const UNAVAILABLE_RETRY_AFTER_S = 30;

/** One field's complaint of a 400 or 422: where, and what is wrong, in Russian. */
const FieldError = Type.Object({
  /** 'body', 'querystring', 'params' or 'headers'. */
  in: Type.String(),
  /** A JSON Pointer into the part ('/values/0'), or the header's or parameter's name. */
  field: Type.String(),
  message: Type.String(),
});

export const Problem = Type.Object(
  {
    /** A URI reference: the problem's section of the API's documentation. */
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    /** The request's path. */
    instance: Type.String(),
    /** 400 and 422 about the request's fields. */
    errors: Type.Optional(Type.Array(FieldError)),
    /** 422 reading-needs-confirmation: the consumption the reading would give, per register. */
    consumption: Type.Optional(Type.Array(Type.Integer())),
  },
  { description: 'RFC 9457 problem details; `detail` says in Russian what to do.' },
);
export type ProblemDocument = Static<typeof Problem>;

/** The kinds of problem (`type` is `/api/docs#problem-<kind>`). */
export type ProblemKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'idempotency-key-reused'
  | 'idempotency-key-in-use'
  | 'invalid-reading'
  | 'reading-needs-confirmation'
  | 'no-meter'
  | 'too-many-requests'
  | 'unavailable'
  | 'internal';

const TITLES: Record<ProblemKind, string> = {
  'bad-request': 'Неверный запрос',
  unauthorized: 'Нужна аутентификация',
  forbidden: 'Недостаточно прав',
  'not-found': 'Не найдено',
  'method-not-allowed': 'Метод не поддерживается',
  'payload-too-large': 'Слишком большой запрос',
  'unsupported-media-type': 'Неподдерживаемый тип содержимого',
  'idempotency-key-reused': 'Ключ идемпотентности уже использован',
  'idempotency-key-in-use': 'Запрос с этим ключом ещё выполняется',
  'invalid-reading': 'Показание не принято',
  'reading-needs-confirmation': 'Показание нужно подтвердить',
  'no-meter': 'Нет счётчика',
  'too-many-requests': 'Слишком много запросов',
  unavailable: 'Сервис временно недоступен',
  internal: 'Ошибка сервиса',
};

/** A problem a route answers with: thrown, and written by the /api error handler. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: Pick<ProblemDocument, 'errors' | 'consumption'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function notFound(): ApiProblem {
  return new ApiProblem(404, 'not-found', 'Такого адреса или лицевого счёта в вашем профиле нет.');
}

/** 503: the database is unreachable, or the process is stopping or overloaded. */
export function unavailable(): ApiProblem {
  return new ApiProblem(
    503,
    'unavailable',
    'Сервис временно недоступен. Пожалуйста, повторите попытку через минуту.',
    {},
    { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
  );
}

/** The problem document of `p` for this request. */
export function problemDocument(req: FastifyRequest, p: ApiProblem): ProblemDocument {
  const q = req.url.indexOf('?');
  return {
    type: `/api/docs#problem-${p.kind}`,
    title: TITLES[p.kind],
    status: p.status,
    detail: p.detail,
    instance: q < 0 ? req.url : req.url.slice(0, q),
    ...p.extra,
  };
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: ApiProblem): FastifyReply {
  for (const [name, value] of Object.entries(p.headers)) {
    void reply.header(name, value);
  }
  return reply.code(p.status).type(PROBLEM_TYPE).send(problemDocument(req, p));
}

/** A response header as the document describes it (@fastify/swagger moves `headers` there). */
export interface HeaderSchema {
  type: 'string';
  pattern?: string;
  enum?: string[];
  description: string;
}

const RETRY_AFTER: HeaderSchema = {
  type: 'string',
  pattern: '^[1-9][0-9]*$',
  description: 'Seconds to wait before trying again',
};

/** The headers that go with a problem of each status; every such answer carries them. */
const STATUS_HEADERS: Record<number, Record<string, HeaderSchema>> = {
  401: {
    'WWW-Authenticate': { type: 'string', pattern: '^Bearer ', description: 'Bearer realm="api"' },
  },
  403: {
    'WWW-Authenticate': {
      type: 'string',
      pattern: '^Bearer error="insufficient_scope"',
      description: 'Bearer error="insufficient_scope", scope="<the scope needed>"',
    },
  },
  409: { 'Retry-After': RETRY_AFTER },
  429: { 'Retry-After': RETRY_AFTER },
  503: { 'Retry-After': RETRY_AFTER },
};

/** The response schemas of the problems a route may answer with, for Fastify and OpenAPI. */
export function problemResponses(...statuses: number[]) {
  const out: Record<
    number,
    {
      description: string;
      content: Record<string, { schema: typeof Problem }>;
      headers?: Record<string, HeaderSchema>;
    }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: STATUS_WORDS[s] ?? 'Ошибка',
      content: { [PROBLEM_TYPE]: { schema: Problem } },
      ...(STATUS_HEADERS[s] ? { headers: STATUS_HEADERS[s] } : {}),
    };
  }
  return out;
}

const STATUS_WORDS: Record<number, string> = {
  400: 'Неверный запрос: JSON, типы или формат полей',
  401: 'Нет токена, или он неизвестен, отозван или истёк',
  403: 'У токена нет нужной области (scope)',
  404: 'Нет такого адреса или лицевого счёта в профиле токена',
  413: 'Тело запроса больше 64 КБ',
  415: 'Тело запроса не JSON',
  422: 'Запрос понятен, но не может быть выполнен',
  429: 'Превышен лимит запросов токена; см. Retry-After',
  503: 'Сервис временно недоступен; см. Retry-After',
};

/** The problem of an error thrown while handling an /api request (the scope's error handler). */
export function problemOfError(err: FastifyError): ApiProblem {
  if (err instanceof ApiProblem) {
    return err;
  }
  if (isDatabaseUnavailable(err)) {
    return unavailable();
  }
  if (err.validation) {
    const part = err.validationContext ?? 'body';
    const all = err.validation.map((v) => ({
      in: part,
      field: fieldOf(part, v.instancePath, v.params),
      message: validationMessage(v.keyword, v.params),
    }));
    // One complaint per field and message (TypeBox names an unknown field twice).
    const errors = all.filter(
      (e, i) => all.findIndex((o) => o.field === e.field && o.message === e.message) === i,
    );
    const first = errors[0];
    return new ApiProblem(
      400,
      'bad-request',
      first
        ? `${partWords(part)}: ${first.field ? `«${first.field}» — ` : ''}${first.message}.`
        : 'Неверный запрос.',
      { errors },
    );
  }
  return fromStatus(err);
}

function fromStatus(err: FastifyError): ApiProblem {
  const status = err.statusCode ?? 500;
  switch (status) {
    case 400:
      return new ApiProblem(
        400,
        'bad-request',
        BAD_REQUEST_WORDS[err.code] ?? 'Запрос не может быть выполнен.',
      );
    case 413:
      return new ApiProblem(413, 'payload-too-large', 'Тело запроса слишком большое (не более 64 КБ).');
    case 415:
      return new ApiProblem(
        415,
        'unsupported-media-type',
        'Тело запроса должно быть JSON (Content-Type: application/json).',
      );
    default:
      if (status >= 400 && status < 500) {
        return new ApiProblem(400, 'bad-request', 'Запрос не может быть выполнен.');
      }
      return new ApiProblem(
        500,
        'internal',
        'Произошла ошибка. Мы уже знаем о ней; пожалуйста, повторите попытку позже.',
      );
  }
}

/** Fastify's own 400s, by code. */
const BAD_REQUEST_WORDS: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Тело запроса пустое, а нужен JSON.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Тело запроса не является корректным JSON.',
};

function partWords(part: string): string {
  switch (part) {
    case 'querystring':
      return 'Неверный параметр запроса';
    case 'params':
      return 'Неверный адрес';
    case 'headers':
      return 'Неверный заголовок';
    default:
      return 'Неверное тело запроса';
  }
}

/** The field an error names: TypeBox's errors name a missing or an extra one in `params`. */
function fieldOf(part: string, instancePath: string, params: Record<string, unknown>): string {
  const named = [params.requiredProperties, params.additionalProperties, params.missingProperty]
    .flat()
    .find((n): n is string => typeof n === 'string');
  const path = named === undefined ? instancePath : `${instancePath}/${named}`;
  // Parameters and headers are named as such ('from', 'idempotency-key'); the body by a pointer.
  return part === 'body' ? path : path.replace(/^\//, '');
}

const TYPE_WORDS: Record<string, string> = {
  string: 'строкой',
  integer: 'целым числом',
  number: 'числом',
  boolean: 'true или false',
  array: 'массивом',
  object: 'объектом',
  null: 'null',
};

/** Ajv's complaint in Russian. */
function validationMessage(keyword: string, params: Record<string, unknown>): string {
  switch (keyword) {
    case 'type': {
      const t = String(params.type).split(',');
      return `должно быть ${t.map((x) => TYPE_WORDS[x] ?? x).join(' или ')}`;
    }
    case 'required':
      return 'обязательное поле отсутствует';
    case 'additionalProperties':
    case 'boolean':
      // TypeBox reports an unknown field as the schema `false` of additionalProperties.
      return 'такого поля нет';
    case 'pattern':
    case 'format':
      return 'неверный формат';
    case 'minimum':
    case 'exclusiveMinimum':
      return `должно быть не меньше ${String(params.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `должно быть не больше ${String(params.limit)}`;
    case 'minItems':
      return `нужно не меньше ${String(params.limit)} значений`;
    case 'maxItems':
      return `допускается не больше ${String(params.limit)} значений`;
    case 'minLength':
      return 'не может быть пустым';
    case 'maxLength':
      return `не длиннее ${String(params.limit)} символов`;
    case 'enum':
    case 'const':
      return 'недопустимое значение';
    default:
      return 'неверное значение';
  }
}
