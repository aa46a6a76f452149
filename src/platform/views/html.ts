import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Markup for the hottest page (the customer's main page) and every page's frame, built from
 * template literals instead of a component tree: about three times cheaper to produce than the same markup through
 * preact-render-to-string. Escaped by default, as JSX is: `html` escapes every value it is given
 * except another `Html`, so markup can only come from a template literal written in the code
 * (or from Preact, which escapes too). Attribute values must be quoted in the template.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What a template accepts: text and numbers (escaped), markup, nothing (null, undefined, false, true), lists of these. */
export type HtmlPart = Html | string | number | boolean | null | undefined | readonly HtmlPart[];

export function html(strings: TemplateStringsArray, ...parts: HtmlPart[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < parts.length; i++) {
    out += partToString(parts[i]) + strings[i + 1]!;
  }
  return new Html(out);
}

/** A Preact element as markup (preact-render-to-string escapes what it renders). */
export function fromPreact(node: VNode): Html {
  return new Html(renderToString(node));
}

function partToString(p: HtmlPart): string {
  if (typeof p === 'string') {
    return escapeHtml(p);
  }
  if (p instanceof Html) {
    return p.value;
  }
  if (typeof p === 'number') {
    return String(p);
  }
  if (p === null || p === undefined || typeof p === 'boolean') {
    return '';
  }
  let out = '';
  for (const x of p) {
    out += partToString(x);
  }
  return out;
}

const SPECIAL = /[&<>"']/;
const SPECIAL_ALL = /[&<>"']/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text or a quoted attribute value, safe to put into markup. */
export function escapeHtml(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ENTITIES[c]!) : s;
}
