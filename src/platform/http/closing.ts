import type { FastifyInstance } from 'fastify';
import { unavailableAnswer } from './errors.tsx';
import { NEVER_SHED } from './pressure.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The first step of a graceful stop behind a balancer, before `close()`: see
     * registerClosingAnswer. Resolves when the socket may be closed.
     */
    drain(maxMs: number): Promise<void>;
  }
  interface FastifyContextConfig {
    /**
     * A GET that writes (a bank's notification, which settles a payment) is served while the
     * process drains, as POSTs are, instead of the 503 that page views get: see registerClosingAnswer.
     */
    servedWhileDraining?: boolean;
  }
}

/** After the first GET answered 503, how long requests that nginx had already sent may take to arrive. */
const DRAIN_SETTLE_MS = 300;
const DRAIN_RETRY_AFTER_S = 5;

/**
 * How a stopping process answers, so that behind nginx no customer's request fails.
 *
 * Closing the listening socket resets the connections the kernel has accepted but the process
 * has not taken yet. nginx has written its request on such a connection, and a POST that reached
 * a portal is (rightly) never resent, so the customer got a 502: the deploy e2e test saw it in 4
 * of 5 restarts on a busy machine. nginx has no health checks of its own, only the answers it
 * gets; so first `drain(maxMs)` (server.ts, SHUTDOWN_DRAIN_MS): the socket stays open, GET and
 * HEAD get 503 with Retry-After, which nginx passes on to the other instance and counts as the
 * failure that takes this one out (`max_fails=1`, `proxy_next_upstream http_503`), and POSTs are
 * served. The drain ends DRAIN_SETTLE_MS after the first such 503, or after `maxMs`. A GET route
 * marked `config: { servedWhileDraining: true }` is served too: the sandbox bank notifies the
 * portal through the app itself (`inject`), so a 503 there never reached nginx, yet ended the
 * drain before nginx had taken the instance out, and the notification was lost (its retry met a
 * closed server).
 *
 * Then `close()`: requests that still arrive (a keep-alive connection's next request, a pipelined
 * one, a connection accepted just before the socket closed) are served, with `Connection: close`
 * so that the client's next request goes to another instance. Fastify's own `return503OnClosing`
 * answered them 503 before any hook ran, without the security headers or Retry-After; it is off.
 * The server closes the database only after every request in flight is done (server.ts).
 * `/readyz` answers 503 with Retry-After from the drain on. Returns whether the server is
 * stopping.
 */
export function registerClosingAnswer(app: FastifyInstance, supplierName: string): () => boolean {
  let closing = false;
  let draining = false;
  let drained = () => {};
  app.decorate('drain', (maxMs: number) => {
    if (maxMs <= 0 || closing) {
      return Promise.resolve();
    }
    closing = true;
    draining = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => drained(), maxMs);
      drained = () => {
        clearTimeout(timer);
        draining = false;
        drained = () => {};
        resolve();
      };
    });
  });
  let settling = false;
  app.addHook('preClose', (done) => {
    closing = true;
    drained();
    done();
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!closing) {
      return;
    }
    void reply.header('Connection', 'close');
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    // The monitoring addresses answer for themselves (/readyz: 503, shutting down).
    if (
      draining &&
      idempotent &&
      !NEVER_SHED.has(req.routeOptions.url ?? '') &&
      req.routeOptions.config.servedWhileDraining !== true
    ) {
      if (!settling) {
        settling = true;
        setTimeout(() => drained(), DRAIN_SETTLE_MS);
      }
      return reply.send(unavailableAnswer(supplierName, req, reply, 'shutting_down', DRAIN_RETRY_AFTER_S));
    }
  });
  return () => closing;
}
