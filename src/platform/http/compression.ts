import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import compress, { type FastifyCompressOptions } from '@fastify/compress';

/**
 * Brotli's quality and gzip's level for responses compressed as they are sent, chosen so that the
 * 25 KB main page costs about 0.1 ms of CPU either way. scripts/compression-cost.mjs, interleaved,
 * CPU µs per page (median of 15 rounds, three runs on a loaded 2-core machine) and bytes:
 * brotli q3 114–148 µs, 5 904 B; q4 (@fastify/compress's default) 274–306 µs, 5 531 B;
 * gzip level 4 117–160 µs, 5 860 B; level 6 (zlib's default) 182–253 µs, 5 653 B.
 */
export const BROTLI_QUALITY = 3;
export const GZIP_LEVEL = 4;
/**
 * Responses up to this size are compressed in one call on the event loop, not through a zlib
 * stream per response (@fastify/compress's default on 2 cores is 8 KB, which sent the 27 KB main
 * page through a stream, allocating a brotli context for each). Main pages per second at 1M
 * accounts, 50 connections, a browser's Accept-Encoding (two 10 s runs each): 303–310 through
 * the stream, 502–632 in one call; 599–670 with no compression at all.
 */
export const SYNC_COMPRESS_LIMIT = 65_536;
/** Smaller responses gain less than the bytes the encoding's framing and headers cost. */
export const COMPRESS_THRESHOLD = 1024;

/**
 * Text that compresses: pages, stylesheets, scripts, JSON, SVG, CSV exports. Not PDF: pdfkit
 * already deflates a bill's content and fonts, and the demo bill (29.7 KB) lost only 8% (2.4 KB)
 * to gzip or brotli for 0.13–0.4 ms of CPU (same script). Nor images, compressed as well.
 */
const COMPRESSIBLE =
  /^(?:text\/(?:html|css|javascript|plain|csv)|application\/(?:javascript|json|[\w.-]+\+json)|image\/svg\+xml)(?:;|$)/;

export const compressOptions: FastifyCompressOptions = {
  // Request bodies are small forms: nothing to gain from accepting them compressed.
  globalDecompression: false,
  encodings: ['br', 'gzip'],
  threshold: COMPRESS_THRESHOLD,
  syncThreshold: SYNC_COMPRESS_LIMIT,
  customTypes: COMPRESSIBLE,
  brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
  zlibOptions: { level: GZIP_LEVEL },
};

/** Compresses every route's response (registered before the routes, whose onSend it hooks). */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, compressOptions);
}
