import type { FastifyInstance } from 'fastify';

/**
 * How requests that arrive while the server closes are answered (a keep-alive connection's next
 * request, a pipelined one, or a connection accepted just before the listening socket closed).
 * They are served, with `Connection: close` so that the client's next request goes to another
 * instance: behind nginx a POST that reached this instance is never resent, so a 503 here would
 * be a customer's failed request (the deploy e2e test restarts an instance under load to show
 * it). Fastify's own `return503OnClosing` answered them 503 before any hook ran, without the
 * security headers or Retry-After; it is off. The server closes the database only after every
 * request in flight is done (server.ts). `/readyz` answers 503 with Retry-After meanwhile, so that
 * a balancer takes the instance out. Returns whether the server is closing.
 */
export function registerClosingAnswer(app: FastifyInstance): () => boolean {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (closing) {
      void reply.header('Connection', 'close');
    }
    done();
  });
  return () => closing;
}
