import type { Cursor, ListPage } from '../../platform/db/paging.ts';
import type { OrderKey } from '../../features/payments/staff-orders.repository.ts';

// Where each list of the payments page (payments.plugin.tsx) starts, as written in its address
// (`?orders=after-1718000000000-42&registry=after-17`), and the links to the pages around it.
// Keyset positions: see Cursor in platform/db/paging.ts for why.

/** Each list's position as written in the address. */
export interface Positions {
  orders?: string | undefined;
  registry?: string | undefined;
}

/** `after-1718000000000-42` → the page after that order; anything else → the list's start. */
export function orderCursor(s: string | undefined): Cursor<OrderKey> {
  const m = /^(after|before)-([0-9]{1,15})-([0-9]{1,15})$/.exec(s ?? '');
  if (!m) {
    return undefined;
  }
  const key = { createdAt: Number(m[2]), id: Number(m[3]) };
  return m[1] === 'after' ? { after: key } : { before: key };
}

/** `after-17` → the page after that payment; anything else → the list's start. */
export function registryCursor(s: string | undefined): Cursor<number> {
  const m = /^(after|before)-([0-9]{1,15})$/.exec(s ?? '');
  if (!m) {
    return undefined;
  }
  return m[1] === 'after' ? { after: Number(m[2]) } : { before: Number(m[2]) };
}

/** Where a list's page is in the list, and the links to the pages around it (none: no such page). */
export interface Pager {
  /** The rows shown, counted from 1, and how many there are. */
  from: number;
  to: number;
  total: number;
  previous?: string;
  next?: string;
  /** Past the end of the list (its last rows went meanwhile): back to its start. */
  start?: string;
}

/** The links of a list's page: the page before, the page after, or back to the start past the end. */
export function pagerOf<R>(
  page: ListPage<R>,
  keyOf: (r: R) => string,
  href: (position: string | undefined) => string,
): Pager {
  const first = page.rows[0];
  const last = page.rows[page.rows.length - 1];
  return {
    from: page.skipped + 1,
    to: page.skipped + page.rows.length,
    total: page.total,
    ...(first && page.skipped > 0 ? { previous: href(`before-${keyOf(first)}`) } : {}),
    ...(last && page.skipped + page.rows.length < page.total ? { next: href(`after-${keyOf(last)}`) } : {}),
    ...(!first && page.total > 0 ? { start: href(undefined) } : {}),
  };
}

/** The page's address with one list moved, the other kept where it is. */
export function hrefOf(at: Positions): string {
  const q = new URLSearchParams();
  if (at.orders) {
    q.set('orders', at.orders);
  }
  if (at.registry) {
    q.set('registry', at.registry);
  }
  const s = q.toString();
  return s ? `/office/payments?${s}` : '/office/payments';
}
