import { LRUCache } from 'lru-cache';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import {
  PAGE_VERSION_TRIGGER_COUNT,
  PAGE_VERSION_TRIGGER_PREFIX,
} from '../db/migrations/2026112707_page_versions.ts';
import type { ReadingForm } from '../readings/readings.service.ts';

/**
 * The main page's account sections (reference information, verification warning, the three
 * histories, the chart), rendered and encoded, per account, in this process's memory.
 *
 * An entry is used only while its key still holds, and the key is read from the database on
 * every view, so a write by any instance, by the closing, an import or by hand is seen at once:
 * - `accounts.page_version`, which triggers change with every insert, update or delete of the
 *   account's meters, readings, payments and charges (migration 2026112707);
 * - the account's own row and its tariff plan's prices, read on every view and compared whole;
 * - the day in the supplier's time zone (the histories' years, the verification warning).
 * Everything else on the page (the session's CSRF token, the reading form's key, the e-mail
 * section, notices) is built for each response. The supplier's name is fixed per process.
 *
 * Without every trigger in place (a database restored without them, a `generate` killed before
 * it put them back) the cache turns itself off at start and says so in the log.
 */
export interface CachedSections {
  key: string;
  /** The sections as UTF-8. */
  bytes: Buffer;
  /** The reading form's data; each response gets a copy with its own key. */
  form: Omit<ReadingForm, 'key'> | null;
}

export class PageCache {
  private readonly lru: LRUCache<number, CachedSections> | null;
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
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
    return this.lru !== null;
  }

  /** The account's sections if they were cached under `key`. */
  get(accountId: number, key: string): CachedSections | undefined {
    if (!this.lru) return undefined;
    const e = this.lru.get(accountId);
    if (e && e.key === key) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  set(accountId: number, entry: CachedSections): void {
    this.lru?.set(accountId, entry);
  }

  /** Bytes held, as counted against the limit. */
  get size(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }
}

/** How many of the page-version triggers the database has (and, on PostgreSQL, has enabled). */
export async function countPageVersionTriggers(db: Db): Promise<number> {
  const like = `${PAGE_VERSION_TRIGGER_PREFIX.replace(/_/g, '\\_')}%`;
  const r =
    db.dialect === 'postgres'
      ? await sql<{ n: number | string }>`select count(*) as n from pg_trigger
          where tgname like ${like} and not tgisinternal and tgenabled <> 'D'`.execute(db.kysely)
      : await sql<{ n: number }>`select count(*) as n from sqlite_master
          where type = 'trigger' and name like ${like} escape '\\'`.execute(db.kysely);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * The cache for an app, of `maxBytes` (0: none), or none when the database lacks any of the
 * triggers its keys rely on; `warn` says why.
 */
export async function createPageCache(db: Db, maxBytes: number, warn: (msg: string) => void): Promise<PageCache> {
  if (maxBytes <= 0) return new PageCache(0);
  const found = await countPageVersionTriggers(db);
  if (found < PAGE_VERSION_TRIGGER_COUNT) {
    warn(
      `main page cache off: the database has ${found} of the ${PAGE_VERSION_TRIGGER_COUNT} page_version triggers ` +
        '(restore them with a fresh `migrate` on a copy, or rerun the interrupted `generate`)',
    );
    return new PageCache(0);
  }
  return new PageCache(maxBytes);
}
