import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Renders a page; preact escapes every text and attribute value it is given. */
export function renderPage(page: VNode): string {
  return '<!doctype html>' + renderToString(page);
}
