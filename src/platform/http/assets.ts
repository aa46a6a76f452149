import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ASSETS_DIR, ASSETS_PREFIX, assetManifest } from '../assets.ts';

// The repository's root (or a production install's): the build's assets lie in its dist/assets.
const ROOT = path.resolve(ASSETS_DIR, '..', '..');

/**
 * Browser files: those of the build (scripts/build-assets.mjs) under /assets/, whose names
 * change with their contents, so that a browser keeps them a year without asking again; public/
 * under /static/ for the favicon. The manifest is read here, at start: a server without a build
 * of its assets does not start.
 */
export async function registerAssets(app: FastifyInstance): Promise<void> {
  assetManifest();
  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: ASSETS_PREFIX,
    maxAge: '365d',
    immutable: true,
    index: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(ROOT, 'public'),
    prefix: '/static/',
    decorateReply: false,
    maxAge: '1h',
    index: false,
  });
}
