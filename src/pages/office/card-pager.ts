import type { Cursor } from '../../platform/db/paging.ts';
import type { AuditKey } from '../../platform/audit.repository.ts';
import type { AccountCardModel } from './card.service.ts';
import type { Pager } from './payments-pager.ts';
import { pagerOf } from './payments-pager.ts';

// Where the account card's paged lists (card.plugin.tsx) start, as written in its address
// (`?charges=after-2025-01&audit=after-1718000000000-42`); the links come from pagerOf
// (payments-pager.ts). Both lists run newest first: `after` a key are the older rows («Ранее»).

/** Each paged list's position as written in the address. */
export interface CardPositions {
  charges?: string | undefined;
  audit?: string | undefined;
}

/** `after-2025-01` → the months before that one; anything else → the newest. */
export function chargesCursor(s: string | undefined): Cursor<string> {
  const [, side, period] = /^(after|before)-([0-9]{4}-(?:0[1-9]|1[0-2]))$/.exec(s ?? '') ?? [];
  if (!period) {
    return undefined;
  }
  return side === 'after' ? { after: period } : { before: period };
}

/** `after-1718000000000-42` → the events older than that one; anything else → the newest. */
export function auditCursor(s: string | undefined): Cursor<AuditKey> {
  const m = /^(after|before)-([0-9]{1,15})-([0-9]{1,15})$/.exec(s ?? '');
  if (!m) {
    return undefined;
  }
  const key = { at: Number(m[2]), id: Number(m[3]) };
  return m[1] === 'after' ? { after: key } : { before: key };
}

/** The card's address with one list moved, the other kept where it is; `#anchor` to the list. */
export function cardHref(accountId: number, at: CardPositions, anchor: string): string {
  const q = new URLSearchParams();
  if (at.charges) {
    q.set('charges', at.charges);
  }
  if (at.audit) {
    q.set('audit', at.audit);
  }
  const s = q.toString();
  return `/office/accounts/${accountId}${s ? `?${s}` : ''}#${anchor}`;
}

/** The links to the pages around the card's charges and audit trail shown, the other list kept. */
export function cardPagers(
  card: AccountCardModel,
  at: CardPositions,
): { chargesPager: Pager; auditPager: Pager } {
  return {
    chargesPager: pagerOf(
      card.charges,
      (r) => r.period,
      (charges) => cardHref(card.accountId, { ...at, charges }, 'card-charges-head'),
    ),
    auditPager: pagerOf(
      card.audit,
      (r) => `${r.at}-${r.id}`,
      (audit) => cardHref(card.accountId, { ...at, audit }, 'card-audit'),
    ),
  };
}
