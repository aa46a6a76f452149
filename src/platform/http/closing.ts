import type { FastifyInstance } from 'fastify';
import { unavailableAnswer } from './errors.tsx';

/** Seconds a client is asked to wait when this instance is closing: another one takes over meanwhile. */
export const CLOSING_RETRY_AFTER_S = 5;

/**
 * What answers the requests that arrive while the server closes (a keep-alive connection's next
 * request, a pipelined one). Fastify's own `return503OnClosing` wrote its 503 before any hook ran,
 * so it went out without the security headers, without Retry-After and as JSON to browsers. Here
 * it is a hook after the security headers' one: the site's error page (JSON for JSON clients)
 * with Retry-After and `Connection: close`. `/readyz` passes, to say itself that it is closing.
 * Returns whether the server is closing.
 */
export function registerClosingAnswer(app: FastifyInstance, supplierName: string): () => boolean {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (!closing || req.url === '/readyz') {
      return done();
    }
    void reply.header('Connection', 'close');
    void reply.send(unavailableAnswer(supplierName, req, reply, 'shutting_down', CLOSING_RETRY_AFTER_S));
  });
  return () => closing;
}
