import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

// src/browser from both src/http and a build's dist/http: the bundle is made from the TypeScript sources.
const BROWSER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'browser');

/** Browser scripts, bundled from src/browser/*.ts so that they share the domain code with the server. */
const BUNDLES = ['reading-form'] as const;

const cache = new Map<string, Promise<string>>();

function bundle(name: string): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    // esbuild is loaded by the first request for a script, not at boot.
    p = import('esbuild')
      .then(({ build }) =>
        build({
          entryPoints: [path.join(BROWSER_DIR, `${name}.ts`)],
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
      if (!(BUNDLES as readonly string[]).includes(name)) return reply.callNotFound();
      const js = await bundle(name);
      return reply
        .type('text/javascript; charset=utf-8')
        .header('Cache-Control', 'public, max-age=3600')
        .send(js);
    },
  );
}
