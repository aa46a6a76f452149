/**
 * Where a page of a list starts: just after, or just before, the sort key of a row; the list's
 * start when absent. Keyset rather than offset: the accountant's lists shrink while they are worked
 * (an order settled, a payment allocated), and a page that starts after a row's key stays put when
 * rows before it go, where an offset would skip the row that moved up into its place.
 */
export type Cursor<K> = { after: K } | { before: K } | undefined;

/** A page of a list in its fixed order: its rows, how many rows come before them, how many in all. */
export interface ListPage<R> {
  rows: R[];
  skipped: number;
  total: number;
}
