import type { ComponentChildren } from 'preact';
import { assetPath } from '../assets.ts';

export interface Crumb {
  title: string;
  href?: string;
}

export interface LayoutProps {
  title: string;
  supplierName: string;
  crumbs?: Crumb[];
  /**
   * Extra scripts and style sheets, by the build's names (`js/print.js`, `css/payments.css`):
   * served from hashed URLs, same-origin only (the CSP forbids inline code).
   */
  scripts?: string[];
  styles?: string[];
  children?: ComponentChildren;
  /** Shown in the header when someone is logged in. */
  logout?: { csrfToken: string };
  /** A profile's session: the account shown and the profile's others to change to (with `logout`). */
  switcher?: SwitcherProps | undefined;
}

/** The account switcher's contents: the shown account's number and every attached one's. */
export interface SwitcherProps {
  current: string;
  accounts: string[];
}

/** The icon stays at a fixed URL (browsers ask /favicon.ico-like URLs by themselves and keep them). */
export const FAVICON = '/static/favicon.svg';

export const CABINET_CRUMBS: Crumb[] = [
  { title: 'Главная', href: '/' },
  { title: 'Физическим лицам', href: '/individuals' },
  { title: 'Личный кабинет', href: '/cabinet' },
];

/**
 * Every page's frame: head, a skip link, header, breadcrumbs, footer around the page's `<main>`.
 * Landmarks are unique: one banner, one main, one contentinfo, and each nav named.
 */
export function Layout(props: LayoutProps) {
  return (
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} — ${props.supplierName}`}</title>
        <link rel="icon" href={FAVICON} type="image/svg+xml" />
        <link rel="stylesheet" href={assetPath('css/site.css')} />
        {props.styles?.map((name) => (
          <link rel="stylesheet" href={assetPath(name)} />
        ))}
        {props.scripts?.map((name) => (
          <script src={assetPath(name)} defer></script>
        ))}
      </head>
      <body>
        {/* The first focusable element of every page: past the header and the breadcrumbs. */}
        <a class="skip-link" href="#main">
          Перейти к содержанию
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            {props.supplierName}
          </a>
          <nav class="site-nav" aria-label="Разделы сайта">
            <a href="/individuals">Физическим лицам</a>
            <a href="/offices">Офисы</a>
          </nav>
          {props.logout && (
            <a class="profile-link" href="/cabinet/profile">
              Профиль
            </a>
          )}
          {props.logout && props.switcher && (
            <AccountSwitcher csrfToken={props.logout.csrfToken} {...props.switcher} />
          )}
          {props.logout && <LogoutForm csrfToken={props.logout.csrfToken} />}
        </header>
        {props.crumbs && <Breadcrumbs crumbs={props.crumbs} />}
        {/* tabindex -1: the skip link moves the focus itself here, not only the scroll. */}
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <p>
            {props.supplierName} · <a href="/privacy">Политика обработки персональных данных</a> ·{' '}
            <a href="/offices">Офисы обслуживания</a>
          </p>
        </footer>
      </body>
    </html>
  );
}

export function LogoutForm({ csrfToken }: { csrfToken: string }) {
  return (
    <form method="post" action="/logout" class="logout-form">
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class="link-button">
        выход
      </button>
    </form>
  );
}

/**
 * A profile's account switcher, without JavaScript: a select and a button posting to
 * /cabinet/switch, and the link to the profile's accounts (attach, detach).
 */
export function AccountSwitcher(p: SwitcherProps & { csrfToken: string }) {
  return (
    <form method="post" action="/cabinet/switch" class="account-switcher">
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <label for="switch-account">Лицевой счёт</label>{' '}
      <select id="switch-account" name="account">
        {p.accounts.map((n) => (
          <option value={n} selected={n === p.current}>
            {n}
          </option>
        ))}
      </select>{' '}
      <button type="submit" class="link-button">
        Перейти
      </button>{' '}
      <a href="/cabinet/profile/accounts">Счета профиля</a>
    </form>
  );
}

function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  const last = crumbs.length - 1;
  return (
    <nav class="breadcrumbs" aria-label="Вы здесь">
      <ol>
        {crumbs.map((c, i) => (
          <li>
            {i > 0 && (
              <span class="crumb-sep" aria-hidden="true">
                {' → '}
              </span>
            )}
            {c.href && i < last ? <a href={c.href}>{c.title}</a> : <span aria-current="page">{c.title}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
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
