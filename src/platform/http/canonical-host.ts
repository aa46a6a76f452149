import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/**
 * Pages are served at PUBLIC_URL's host only. A browser that opened the portal at another name of
 * the same server (http://127.0.0.1:3000 while PUBLIC_URL is http://localhost:3000) gets cookies
 * for that name, but the bank sends it back to PUBLIC_URL, and the CSP's `form-action` (which names
 * 'self' and the bank) makes «Оплатить» do nothing at all: so a page asked for at another host is
 * redirected to the same path and query at PUBLIC_URL's origin, before it sets any cookie.
 *
 * Only page navigations (GET or HEAD accepting HTML) move: the bank's server-to-server
 * notifications, health checks and scripts keep answering at any name. Behind a proxy the host
 * compared is the one the proxy forwards (`Host`, or `X-Forwarded-Host` from a trusted proxy,
 * which is what Fastify's `request.host` gives).
 */
export const HostEnvSchema = {
  HOST_REDIRECT: Type.Boolean({
    default: true,
    description: 'Страницу, открытую по другому имени сервера, перенаправлять на тот же путь у PUBLIC_URL',
  }),
};

/** Paths that answer at any host: probes and the benchmark's baseline. */
const ANY_HOST = new Set(['/healthz', '/readyz', '/metrics', '/ping']);

/** "example.org:443" over https is "example.org": hosts compared without their scheme's default port. */
function normalHost(host: string, protocol: string): string {
  const h = host.toLowerCase();
  const defaultPort = protocol === 'https:' ? ':443' : ':80';
  return h.endsWith(defaultPort) ? h.slice(0, -defaultPort.length) : h;
}

/** Where a page request at the wrong host should go, or null when it stays. Pure, for the hook and tests. */
export function canonicalLocation(
  publicUrl: string,
  req: { method: string; host: string; url: string; accept: string | undefined },
): string | null {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return null;
  }
  if (!req.accept?.includes('text/html')) {
    return null;
  }
  const path = req.url.split('?', 1)[0]!;
  if (ANY_HOST.has(path.replace(/\/+$/, '') || '/')) {
    return null;
  }
  const target = new URL(publicUrl);
  if (normalHost(req.host, target.protocol) === normalHost(target.host, target.protocol)) {
    return null;
  }
  // The path is appended to the origin, never parsed as a URL: "//evil.example" stays a path here.
  return `${target.origin}${req.url.startsWith('/') ? req.url : `/${req.url}`}`;
}

/** The redirect as an onRequest hook; nothing when HOST_REDIRECT is off. */
export function registerCanonicalHost(app: FastifyInstance, publicUrl: string, enabled: boolean): void {
  if (!enabled) {
    return;
  }
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const location = canonicalLocation(publicUrl, {
      method: req.method,
      host: req.host,
      url: req.url,
      accept: req.headers.accept,
    });
    if (location === null) {
      return done();
    }
    // Temporary: PUBLIC_URL may change, and a browser keeps a permanent redirect for good.
    void reply.code(307).header('Location', location).header('Cache-Control', 'no-store').send();
  });
}

/**
 * The server's start message: Fastify's own named the socket (http://127.0.0.1:3000), a link that
 * people opened and where payments then failed; the address to open is PUBLIC_URL.
 */
export function listenText(publicUrl: string): (address: string) => string {
  return (address) => `portal at ${publicUrl} (socket ${address.replace(/^[a-z]+:\/\//, '')})`;
}
