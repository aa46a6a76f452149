import type { ComponentChildren } from 'preact';
import { fromPreact, html, type Html } from './html.ts';

export interface Crumb {
  title: string;
  href?: string;
}

export interface LayoutProps {
  title: string;
  supplierName: string;
  crumbs?: Crumb[];
  /** Extra scripts (same-origin only: the CSP forbids inline code). */
  scripts?: string[];
  styles?: string[];
  children?: ComponentChildren;
  /** Shown in the header when someone is logged in. */
  logout?: { csrfToken: string };
}

export const CABINET_CRUMBS: Crumb[] = [
  { title: 'Главная', href: '/' },
  { title: 'Физическим лицам', href: '/individuals' },
  { title: 'Личный кабинет', href: '/cabinet' },
];

/**
 * Every page's frame: head, header, breadcrumbs, footer. Written once as a template (see
 * views/html.ts); component pages reach it through `Layout`, the main page through
 * `pageDocumentAround`.
 */
function layoutInner(props: LayoutProps, main: Html): Html {
  return html`${frameStart(props)}${main}${frameEnd(props)}`;
}

/** The frame up to the start of `<main>`. */
function frameStart(props: LayoutProps): Html {
  return html`<head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>${`${props.title} — ${props.supplierName}`}</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"/><link rel="stylesheet" href="/static/css/site.css"/>${props.styles?.map(
    (href) => html`<link rel="stylesheet" href="${href}"/>`,
  )}${props.scripts?.map((src) => html`<script src="${src}" defer></script>`)}</head><body><header class="site-header"><a class="brand" href="/">${
    props.supplierName
  }</a><nav class="site-nav" aria-label="Разделы сайта"><a href="/individuals">Физическим лицам</a><a href="/offices">Офисы</a></nav>${
    props.logout && logoutForm(props.logout.csrfToken)
  }</header>${props.crumbs && breadcrumbs(props.crumbs)}<main id="main">`;
}

/** The frame from the end of `<main>`. */
function frameEnd(props: LayoutProps): Html {
  return html`</main><footer class="site-footer"><p>${
    props.supplierName
  } · <a href="/privacy">Политика обработки персональных данных</a> · <a href="/offices">Офисы обслуживания</a></p></footer></body>`;
}

/**
 * A whole document around a part of `<main>` that the caller already holds (as bytes): the
 * markup before it (frame included) and after it.
 */
export function pageDocumentAround(
  props: Omit<LayoutProps, 'children'>,
  before: Html,
  after: Html,
): [string, string] {
  return [
    `<!doctype html><html lang="ru">${frameStart(props).value}${before.value}`,
    `${after.value}${frameEnd(props).value}</html>`,
  ];
}

/** The frame for component pages: their children, rendered by Preact, inside `layoutInner`. */
export function Layout(props: LayoutProps) {
  const main = fromPreact(<>{props.children}</>);
  return <html lang="ru" dangerouslySetInnerHTML={{ __html: layoutInner(props, main).value }} />;
}

export function logoutForm(csrfToken: string): Html {
  return html`<form method="post" action="/logout" class="logout-form"><input type="hidden" name="_csrf" value="${csrfToken}"/><button type="submit" class="link-button">выход</button></form>`;
}

function breadcrumbs(crumbs: Crumb[]): Html {
  return html`<nav class="breadcrumbs" aria-label="Вы здесь"><ol>${crumbs.map(
    (c, i) =>
      html`<li>${i > 0 && html`<span class="crumb-sep" aria-hidden="true"> → </span>`}${
        c.href && i < crumbs.length - 1
          ? html`<a href="${c.href}">${c.title}</a>`
          : html`<span aria-current="page">${c.title}</span>`
      }</li>`,
  )}</ol></nav>`;
}

/** A message next to a form field. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) {
    return null;
  }
  return (
    <p class="field-error" id={id} role="alert">
      {message}
    </p>
  );
}

/** `FieldError` inside an `html` template (only on a refused form, so off the hot path). */
export function fieldError(id: string, message: string | undefined): Html | null {
  return message ? fromPreact(<FieldError id={id} message={message} />) : null;
}
