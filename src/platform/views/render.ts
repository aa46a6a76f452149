import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * A page as UTF-8 bytes, encoded in one pass: `Buffer.from` (and Fastify, given a string) first
 * measures the string and then encodes it, which costs twice as much for a long page.
 */
export function utf8(page: string): Buffer {
  const buf = Buffer.allocUnsafe(page.length * 3); // a UTF-16 code unit is at most 3 bytes of UTF-8
  return buf.subarray(0, buf.write(page));
}

/** `before`, `middle` (already UTF-8) and `after` as one buffer of UTF-8, written in one pass each. */
export function utf8Around(before: string, middle: Buffer, after: string): Buffer {
  const buf = Buffer.allocUnsafe((before.length + after.length) * 3 + middle.length);
  let n = buf.write(before);
  n += middle.copy(buf, n);
  n += buf.write(after, n);
  return buf.subarray(0, n);
}

/** Renders a page; preact escapes every text and attribute value it is given. */
export function renderPage(page: VNode): string {
  return '<!doctype html>' + renderToString(page);
}
