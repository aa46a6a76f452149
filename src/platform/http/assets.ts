import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ASSETS_DIR, ASSETS_PREFIX, assetManifest } from '../assets.ts';

// The repository's root (or a production install's): the build's assets lie in its dist/assets.
const ROOT = path.resolve(ASSETS_DIR, '..', '..');

/**
 * The URLs pages used before the build hashed their files, served as before (public/ and Leaflet
 * for an hour or a day; the reading form's script from its build) until every view asks
 * assetPath(). Remove them then: a URL without a hash cannot be cached for long.
 */
const LEGACY_BUNDLES: Record<string, string> = { '/assets/reading-form.js': 'js/reading-form.js' };

/**
 * Browser files: those of the build (scripts/build-assets.mjs) under /assets/, whose names
 * change with their contents, so that a browser keeps them a year without asking again; public/
 * under /static/ (the favicon; the unhashed URLs of older pages). The manifest is read here, at
 * start: a server without a build of its assets does not start.
 */
export async function registerAssets(app: FastifyInstance): Promise<void> {
  const manifest = assetManifest();
  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: ASSETS_PREFIX,
    maxAge: '365d',
    immutable: true,
    index: false,
  });
  for (const [url, name] of Object.entries(LEGACY_BUNDLES)) {
    const file = manifest.get(name);
    if (file === undefined) {
      throw new Error(`the asset manifest has no ${name}: build the assets again`);
    }
    app.get(url, (_req, reply) =>
      reply.sendFile(file.slice(ASSETS_PREFIX.length), ASSETS_DIR, { maxAge: '1h', immutable: false }),
    );
  }
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'public'),
    prefix: '/static/',
    decorateReply: false,
    maxAge: '1h',
    index: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'node_modules', 'leaflet', 'dist'),
    prefix: '/static/vendor/leaflet/',
    decorateReply: false,
    maxAge: '1d',
    index: false,
  });
}
