// The screenshots in docs/screens/ that `npm run screens` (run.ts) makes, and that the README shows.
// Plain data, no browser: screens.test.ts checks them against the README without starting one.

export const SCREENS_DIR = 'docs/screens';

/**
 * The instant the screenshots' server starts its clock at (clock.mjs), in the supplier's time zone:
 * 20 June of the demo's year, a day inside the readings window (15–25 June) after the demo's last
 * reading (3 June) and its May bill, as in the manual's screens. Fixed, year included, so that the
 * pictures change only when the pages do.
 */
export const SCREENS_NOW = '2026-06-20T12:00:00+07:00';

/** The browser windows: a desktop and a phone, as in the accessibility test. */
export const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 360, height: 800 },
} as const;
export type Size = keyof typeof SIZES;

/** What a screenshot shows. */
export type View = 'main' | 'reading-confirm' | 'payment';

/**
 * How much of a page a screenshot takes: `top`, the first window; `page`, the whole page down to
 * `MAX_PAGE_HEIGHT` (the rest is cut off: a picture for the README, not a record of the page).
 */
export type Extent = 'top' | 'page';
export const MAX_PAGE_HEIGHT: Record<Size, number> = { desktop: 2400, phone: 3200 };

export type Screen =
  | { file: string; kind: 'page'; view: View; size: Size; extent: Extent }
  /** The demo's latest bill, its PDF's first page rendered by pdftoppm. */
  | { file: string; kind: 'bill' };

function page(file: string, view: View, size: Size, extent: Extent): Screen {
  return { file, kind: 'page', view, size, extent };
}

export const SCREENS: readonly Screen[] = [
  page('main-desktop.png', 'main', 'desktop', 'top'),
  page('main-phone.png', 'main', 'phone', 'top'),
  page('main-full-desktop.png', 'main', 'desktop', 'page'),
  page('main-full-phone.png', 'main', 'phone', 'page'),
  page('reading-confirm-desktop.png', 'reading-confirm', 'desktop', 'page'),
  page('reading-confirm-phone.png', 'reading-confirm', 'phone', 'page'),
  page('payment-desktop.png', 'payment', 'desktop', 'page'),
  page('payment-phone.png', 'payment', 'phone', 'page'),
  { file: 'bill.png', kind: 'bill' },
];

/** The files under docs/screens/ that a Markdown text links to or shows, in order, without repeats. */
export function referencedScreens(markdown: string): string[] {
  const found = [...markdown.matchAll(/\]\((?:\.\/)?docs\/screens\/([^)\s]+)\)/g)].map((m) => m[1]!);
  return [...new Set(found)];
}
