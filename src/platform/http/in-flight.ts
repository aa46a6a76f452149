import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves once no request is being handled (true), or after `timeoutMs` (false). */
    requestsDone(timeoutMs: number): Promise<boolean>;
  }
}

/**
 * Counts the requests being handled, from their arrival to their reply. `app.close()` stops new
 * connections and waits for open ones, but not for a handler whose client has gone away: it goes on
 * querying the database, and closing the database under it turned its remaining queries into
 * errors. The server waits for `requestsDone` before closing the database.
 */
export function registerInFlight(app: FastifyInstance): void {
  const handling = new WeakSet<FastifyRequest>();
  let count = 0;
  let waiters: Array<() => void> = [];
  const finish = (req: FastifyRequest) => {
    if (!handling.delete(req)) {
      return;
    }
    count--;
    if (count === 0) {
      const ready = waiters;
      waiters = [];
      for (const w of ready) {
        w();
      }
    }
  };
  app.addHook('onRequest', (req, _reply, done) => {
    handling.add(req);
    count++;
    done();
  });
  // onSend runs when the handler (or the error handler) replies, whether or not the client is still there.
  app.addHook('onSend', (req, _reply, payload, done) => {
    finish(req);
    done(null, payload);
  });
  app.addHook('onResponse', (req, _reply, done) => {
    finish(req);
    done();
  });
  app.decorate('requestsDone', (timeoutMs: number) => {
    if (count === 0) {
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  });
}
