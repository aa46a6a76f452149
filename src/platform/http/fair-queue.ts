import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Nginx's 499: the client closed the connection before the answer. */
const clientGone = () =>
  Object.assign(new Error('the client closed the connection while its request waited'), { statusCode: 499 });

/**
 * Requests start in the order they arrived, one per turn of the event loop.
 *
 * Node.js reads every socket that is ready in one go, in the order the kernel lists them (by
 * connection, not by arrival), and runs each request as it reads it. Under load, a busy server
 * therefore answers the same connections last in every round, and their next requests, arriving
 * just after the next round began, wait for nearly two rounds: the slowest 1–2 % of page views
 * took twice the median. Here each request first takes a ticket; one ticket is served per turn of
 * the loop (`setImmediate`), and between turns the loop reads what has newly arrived, so requests
 * are served first come, first served. A request still runs to its end (or its first real wait for
 * I/O) once started; only the start is ordered. Used on SQLite, where requests run synchronously.
 */
export function registerFairQueue(app: FastifyInstance): void {
  const waiting: Array<{ req: FastifyRequest; done: (err?: Error) => void }> = [];
  let scheduled = false;
  const serveNext = () => {
    scheduled = false;
    const next = waiting.shift();
    // A client that gave up while waiting (it closed the connection) is not worth a page: its
    // request ends at once, as a client error that nobody reads.
    if (next) next.done(next.req.raw.socket?.destroyed ? clientGone() : undefined);
    if (waiting.length > 0) {
      scheduled = true;
      setImmediate(serveNext);
    }
  };
  app.addHook('onRequest', (req, _reply, done) => {
    waiting.push({ req, done });
    if (!scheduled) {
      scheduled = true;
      setImmediate(serveNext);
    }
  });
}
