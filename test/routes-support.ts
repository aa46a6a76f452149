import type { FastifyInstance } from 'fastify';

// The app's routes as a test can list them: for the tests that must cover every route of a kind
// (no IDOR on /cabinet, tokens on /api), and fail when one is added without being covered.

/** Every route as METHOD and path, from the app's own route tree (HEAD, which GET brings, left out). */
export function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)(?:[├└]── )?(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || m[2] === undefined || m[2].trim() === '') {
      continue;
    }
    const depth = m[1]!.length / 4 + (line.includes('── ') ? 1 : 0);
    stack.length = depth;
    stack[depth] = m[2];
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x !== '' && x !== 'HEAD')) {
      out.push(`${method} ${path}`);
    }
  }
  return out;
}
