import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

// The repository's root from both src/platform/http and a build's dist/platform/http: the bundle is
// made from the TypeScript sources.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Browser scripts, bundled from their features' *.browser.ts so that they share the domain code with the server. */
const BUNDLES: Record<string, string> = { 'reading-form': 'src/features/readings/reading-form.browser.ts' };

const cache = new Map<string, Promise<string>>();

function bundle(name: string): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    // esbuild is loaded by the first request for a script, not at boot.
    p = import('esbuild')
      .then(({ build }) =>
        build({
          entryPoints: [path.join(ROOT, BUNDLES[name]!)],
          bundle: true,
          write: false,
          format: 'iife',
          target: ['es2019'],
          minify: true,
          legalComments: 'none',
        }),
      )
      .then((res) => res.outputFiles[0]!.text);
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

export function registerAssets(app: FastifyInstance): void {
  app.get(
    '/assets/:name.js',
    {
      schema: {
        params: Type.Object({ name: Type.String({ maxLength: 40 }) }),
        response: { 200: Type.String() },
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      if (!Object.hasOwn(BUNDLES, name)) {
        return reply.callNotFound();
      }
      const js = await bundle(name);
      return reply
        .type('text/javascript; charset=utf-8')
        .header('Cache-Control', 'public, max-age=3600')
        .send(js);
    },
  );
}
