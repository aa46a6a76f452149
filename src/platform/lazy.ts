import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on first use. The portal's heavy packages (pdfkit, fontkit and
 * piscina for bills, resvg for card-payment checks, nodemailer, pg on an SQLite install) serve
 * few requests or none; loaded at boot they would cost every server process tens of megabytes
 * it may never use.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
