import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * How a request appears in the logs: its method, its path without the query string, and with
 * every segment that looks like a secret masked. Confirmation links, bank order ids and return
 * addresses travel in paths and query strings (`/mail/confirm/<token>`, `?orderId=…`), and a URL
 * that is not found is logged like any other: without this, the token reached the info log.
 */
const SECRET_LIKE = /^[A-Za-z0-9_-]{22,}$/; // 128 bits or more of base64url or hex: a token, not a word

export function logPath(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path
    .split('/')
    .map((segment) => (SECRET_LIKE.test(segment) ? '…' : segment))
    .join('/')
    .slice(0, 300);
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
}

/** pino's `serializers` for every logger that logs requests (the server's and the tests'). */
export const logSerializers = {
  req: (req: LoggedRequest) => ({ method: req.method, url: logPath(req.url), remoteAddress: req.ip }),
};

/** pino's options for every logger of the portal: ISO times, requests as `logSerializers` writes them. */
export function loggerOptions(level: string) {
  return { level, serializers: logSerializers, timestamp: pino.stdTimeFunctions.isoTime };
}

/** The server's logger: JSON lines at `level`, with ISO times, requests as `logSerializers` writes them. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = loggerOptions(level);
  return destination ? pino(options, destination) : pino(options);
}
