import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TrustProxy } from './trust-proxy.ts';

/** What a proxy's request id may be: a short token, nothing that could forge a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: the proxy's `X-Request-Id` when proxies are trusted (so that nginx's log
 * and ours name a request alike) and the value is a sane token; otherwise a random UUID. Without a
 * trusted proxy, a client's own header is ignored: it could make its requests look like another's.
 */
export function requestIdGenerator(trustProxy: TrustProxy): (req: IncomingMessage) => string {
  return (req) => {
    const given = req.headers['x-request-id'];
    if (trustProxy !== false && typeof given === 'string' && SANE_REQUEST_ID.test(given)) {
      return given;
    }
    return randomUUID();
  };
}

/**
 * Fastify's request log lines, one per request when it is answered: its id (every line of the
 * request carries it as `reqId`), the method and the path as logSerializers writes them, the
 * route's pattern, the status, the duration in milliseconds and, when a customer is logged in,
 * the account's id (read by `accountOf`, which the app's wiring gives, so that the platform knows
 * no feature). The arrival is logged at debug level only.
 */
export class RequestLog extends LogController {
  constructor(private readonly accountOf: (req: FastifyRequest) => number | undefined) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      req: request,
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      accountId: this.accountOf(request) ?? null,
    };
    if (error) {
      request.log.error({ ...line, err: { message: error.message } }, 'request errored');
    } else {
      request.log.info(line, 'request completed');
    }
  }
}

/** Returns each request's id to the client as `X-Request-Id` (errors and refusals included). */
export function registerRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    void reply.header('X-Request-Id', req.id);
    done();
  });
}
