import { LRUCache } from 'lru-cache';
import type { Db } from '../db/connect.ts';
import { pageVersionProblem } from '../db/page-versions.ts';
import type { AppContext } from '../http/context.ts';
import type { ReadingFormData } from '../readings/readings.service.ts';
import { loadMainPage, loadPageHead, sectionsKey } from './cabinet.service.ts';
import { accountSections } from './cabinet.view.tsx';

/**
 * The main page's account sections (reference information, verification warning, the three
 * histories, the chart), rendered and encoded, per account, in this process's memory.
 *
 * An entry is used only while its key still holds, and the key is read from the database on
 * every view, so a write by any process (the portal, the closing, an import, psql) is seen at the
 * next view:
 * - `accounts.page_version`, which triggers stamp anew with every write to the account's meters,
 *   readings, payments and charges (db/page-versions.ts);
 * - the account's own row and its tariff plan's prices, read on every view and compared whole;
 * - the day in the supplier's time zone (the histories' years, the verification warning).
 * Everything else on the page (the session's CSRF token, the reading form's key, the e-mail
 * section, notices) is built for each response. The supplier's name is fixed per process.
 *
 * The cache trusts the triggers only while they are all in place and firing: it checks at start
 * and again on `recheck` (every minute in the server), and is off, and empty, while they are not.
 */
export interface CachedSections {
  key: string;
  /** The sections as UTF-8. */
  bytes: Buffer;
  /** The reading form's data; each response adds its own key. */
  form: ReadingFormData | null;
}

export class PageCache {
  private readonly lru: LRUCache<number, CachedSections> | null;
  /** Why the cache is off although it has memory: the triggers' problem; null when on. */
  private problem: string | null = null;
  hits = 0;
  misses = 0;

  constructor(
    maxBytes: number,
    /** Why the triggers cannot be trusted now, or null. */
    private readonly check: () => Promise<string | null> = async () => null,
    private readonly warn: (msg: string) => void = () => undefined,
  ) {
    this.lru =
      maxBytes > 0
        ? new LRUCache<number, CachedSections>({
            maxSize: maxBytes,
            // The buffer, the key (UTF-16) and the entry's own objects, roughly.
            sizeCalculation: (e) => e.bytes.length + e.key.length * 2 + 512,
          })
        : null;
  }

  get enabled(): boolean {
    return this.lru !== null && this.problem === null;
  }

  /** Checks the triggers again: off and emptied when one is missing, on again when all are back. */
  async recheck(): Promise<void> {
    if (!this.lru) return;
    const problem = await this.check();
    if (problem && problem !== this.problem) {
      this.warn(`main page cache off: ${problem}; a restart or \`npm run cli -- migrate\` puts them back`);
    }
    if (problem) this.lru.clear();
    else if (this.problem) this.warn('main page cache on again: the page_version triggers are all in place');
    this.problem = problem;
  }

  /** The account's sections if they were cached under `key`. */
  get(accountId: number, key: string): CachedSections | undefined {
    if (!this.lru || this.problem) return undefined;
    const e = this.lru.get(accountId);
    if (e && e.key === key) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  set(accountId: number, entry: CachedSections): void {
    if (this.lru && !this.problem) this.lru.set(accountId, entry);
  }

  /** Bytes held, as counted against the limit. */
  get size(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }
}

/** The cache for an app, of `maxBytes` (0: none), checked once before it is used. */
export async function createPageCache(db: Db, maxBytes: number, warn: (msg: string) => void): Promise<PageCache> {
  const cache = new PageCache(maxBytes, () => pageVersionProblem(db.kysely, db.dialect), warn);
  await cache.recheck();
  return cache;
}

/** The account's sections of the main page, from the cache when the account has not changed. */
export async function loadSections(ctx: AppContext, accountId: number, today: string): Promise<CachedSections> {
  // The key is read before anything the sections show. A write that lands in between changes the
  // key that views started after it read, so they do not get sections built from a mix of old and
  // new rows (views already under way may: they are concurrent with the write anyway).
  const head = await loadPageHead(ctx.db, accountId);
  const key = sectionsKey(head, today);
  const cached = ctx.pageCache.get(accountId, key);
  if (cached) return cached;
  const model = await loadMainPage(ctx.db, accountId, today, head);
  const built = { key, bytes: exactUtf8(accountSections(model, ctx.supplierName).value), form: model.readingForm };
  ctx.pageCache.set(accountId, built);
  return built;
}

/** UTF-8 in a buffer of its own, of the exact size (a small `Buffer.from` shares an 8 KB slab). */
function exactUtf8(s: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(s));
  buf.write(s);
  return buf;
}
