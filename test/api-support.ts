import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Db } from '../src/platform/db/connect.ts';
import type { ManualClock } from '../src/platform/clock.ts';
import { recordIssued } from './helpers.ts';
import { accountIdOf, insertProfile } from './profile-support.ts';

// The open API under test (src/pages/api): profiles with accounts, tokens made as the token page
// stores them (SHA-256 of an `lk_` token), and a client that checks every answer it gets against
// the OpenAPI document the app serves at /api/docs/json (the contract test of every API test).

const DAY = 24 * 60 * 60 * 1000;

/** A profile with a confirmed e-mail, seeing `accountIds`. */
export async function addProfile(db: Db, email: string, accountIds: number[], at = 0): Promise<number> {
  return insertProfile(db, { email, accountIds, at, attachedBy: 'proof' });
}

export { accountIdOf };

/** A token of the profile, stored as the token page stores it; returns the token itself. */
export async function addToken(
  db: Db,
  profileId: number,
  opts: { scopes?: string; now: number; expiresAt?: number; revokedAt?: number | null; name?: string },
): Promise<string> {
  const token = `lk_${randomBytes(32).toString('base64url')}`;
  recordIssued('API token', token);
  await db.kysely
    .insertInto('api_tokens')
    .values({
      profile_id: profileId,
      name: opts.name ?? 'test',
      token_hash: createHash('sha256').update(token).digest('hex'),
      scopes: opts.scopes ?? 'read',
      created_at: opts.now,
      expires_at: opts.expiresAt ?? opts.now + 365 * DAY,
      revoked_at: opts.revokedAt ?? null,
      last_used_at: null,
      last_used_ip: null,
    })
    .execute();
  return token;
}

interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema?: object }>; headers?: Record<string, { schema: object }> }
  >;
}

/** The OpenAPI document of an app, and the check of one answer against it. */
export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<object, ValidateFunction>();
  private constructor(
    readonly doc: { paths: Record<string, Record<string, Operation>> },
    private readonly routes: Array<{ re: RegExp; template: string }>,
  ) {}

  static async of(app: FastifyInstance): Promise<Contract> {
    const res = await app.inject({ method: 'GET', url: '/api/docs/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<Contract['doc']>();
    const routes = Object.keys(doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
    return new Contract(doc, routes);
  }

  /** Fails unless the document describes this answer: its status, its media type and its body. */
  check(method: string, url: string, res: LightMyRequestResponse): void {
    const path = url.split('?')[0]!;
    const type = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    const where = `${method} ${path} → ${res.statusCode} ${type}`;
    const route = this.routes.find((r) => r.re.test(path));
    if (!route) {
      // No route: the scope's not-found answer, a problem.
      assert.equal(res.statusCode, 404, `${where}: not in the document`);
      this.checkProblem(where, type, res);
      return;
    }
    const op = this.doc.paths[route.template]![method.toLowerCase()];
    if (!op) {
      assert.equal(res.statusCode, 404, `${where}: method not in the document`);
      this.checkProblem(where, type, res);
      return;
    }
    const answer = op.responses[String(res.statusCode)];
    assert.ok(answer, `${where}: status not in the document`);
    const media = answer.content?.[type];
    assert.ok(
      media,
      `${where}: media type not in the document (${Object.keys(answer.content ?? {}).join(', ')})`,
    );
    if (res.statusCode >= 400) {
      assert.equal(type, 'application/problem+json', `${where}: an error must be a problem document`);
    }
    if (type.endsWith('json') && media.schema) {
      this.validate(where, media.schema, res.json());
    }
    // The headers it describes: an error's always come with it; a success's may.
    for (const [name, header] of Object.entries(answer.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        assert.ok(res.statusCode < 400, `${where}: header ${name} is missing`);
        continue;
      }
      this.validate(`${where}, header ${name}`, header.schema, String(value));
    }
  }

  private checkProblem(where: string, type: string, res: LightMyRequestResponse): void {
    assert.equal(type, 'application/problem+json', `${where}: an error must be a problem document`);
    const problem =
      this.doc.paths['/api/v1/accounts']!.get!.responses['401']!.content!['application/problem+json']!
        .schema!;
    this.validate(where, problem, res.json());
  }

  private validate(where: string, schema: object, body: unknown): void {
    let v = this.validators.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.validators.set(schema, v);
    }
    assert.ok(
      v(body),
      `${where}: body does not match the document: ${this.ajv.errorsText(v.errors)}\n${JSON.stringify(body)}`,
    );
  }
}

/**
 * A program calling the API with a token. Every answer is checked against the document. The
 * test clock moves a minute on after every 50 requests of a token, so that the per-token rate
 * limit (src/features/api-tokens) never answers a test that is not about it.
 */
export class ApiClient {
  private sent = 0;
  constructor(
    readonly app: FastifyInstance,
    readonly contract: Contract,
    readonly clock: ManualClock,
    readonly token: string | null,
    readonly ip = '10.20.0.1',
  ) {}

  get(url: string, headers: Record<string, string> = {}) {
    return this.request('GET', url, undefined, headers);
  }

  /** POSTs `body` as JSON (a string is sent as it is: bad JSON on purpose). */
  post(url: string, body: unknown, headers: Record<string, string> = {}) {
    return this.request('POST', url, typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': 'application/json',
      ...headers,
    });
  }

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: string,
    headers: Record<string, string> = {},
  ) {
    if (++this.sent % 50 === 0) {
      this.clock.advance(61_000);
    }
    const res = await this.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      remoteAddress: this.ip,
    });
    this.contract.check(method, url, res);
    return res;
  }
}
