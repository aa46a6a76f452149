import { LRUCache } from 'lru-cache';
import type { Db } from '../db/connect.ts';
import { pageVersionProblem } from '../db/page-versions.ts';
import type { AppContext } from '../http/context.ts';
import { formWithKey, type ReadingFormData } from '../readings/readings.service.ts';
import { addressView, type AddressView } from '../mail/mail.service.ts';
import { mailSectionModel } from '../mail/mail.section.ts';
import { ByteTemplate, verifiedTemplate } from '../views/byte-template.ts';
import { loadMainPage, loadPageHead, pageKey } from './cabinet.service.ts';
import { accountSections, mainPageAround } from './cabinet.view.tsx';

/**
 * The main page, per account, in this process's memory: its account sections (reference
 * information, verification warning, the three histories, the chart) rendered and encoded, and
 * the whole page as it is viewed without a notice or a refused form, encoded with gaps for the
 * response's CSRF token and reading form key (a `ByteTemplate`).
 *
 * An entry is used only while its key still holds, and the key is read from the database on
 * every view, so a write by any process (the portal, the closing, an import, psql) is seen at the
 * next view:
 * - `accounts.page_version`, which triggers stamp anew with every write to the account's meters,
 *   readings, payments and charges (db/page-versions.ts);
 * - the account's own row, its tariff plan's prices and its e-mail address for bills, read on
 *   every view (one statement) and compared whole;
 * - the day in the supplier's time zone (the histories' years, the verification warning).
 * The session's CSRF token and the form's key are put in for each response; a page with a notice
 * or a form as posted is built around the cached sections. The supplier's name is fixed per
 * process.
 *
 * The cache trusts the triggers only while they are all in place and firing: it checks at start
 * and again on `recheck` (every minute in the server), and is off, and empty, while they are not.
 */
export interface CachedPage {
  key: string;
  /** The sections as UTF-8 (within the template's bytes when there is one). */
  sections: Buffer;
  /** The reading form's data; each response adds its own key. */
  form: ReadingFormData | null;
  /** The e-mail address for bills, as the key has it. */
  address: AddressView;
  /** The plain view with gaps; null when it could not be made (see `verifiedTemplate`). */
  plain: ByteTemplate<PageSlot> | null;
}

export type PageSlot = 'csrf' | 'key';
const SLOTS: readonly PageSlot[] = ['csrf', 'key'];
const PROBE: Readonly<Record<PageSlot, string>> = { csrf: 'csrf-probe', key: 'key-probe' };

export class PageCache {
  private readonly lru: LRUCache<number, CachedPage> | null;
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
        ? new LRUCache<number, CachedPage>({
            maxSize: maxBytes,
            // The bytes, the key (UTF-16) and the entry's own objects, roughly.
            sizeCalculation: (e) => (e.plain ? e.plain.size : e.sections.length) + e.key.length * 2 + 1024,
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

  /** The account's page if it was cached under `key`. */
  get(accountId: number, key: string): CachedPage | undefined {
    if (!this.lru || this.problem) return undefined;
    const e = this.lru.get(accountId);
    if (e && e.key === key) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  set(accountId: number, entry: CachedPage): void {
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
export async function createPageCache(
  db: Db,
  maxBytes: number,
  warn: (msg: string) => void,
): Promise<PageCache> {
  const cache = new PageCache(maxBytes, () => pageVersionProblem(db.kysely, db.dialect), warn);
  await cache.recheck();
  return cache;
}

/** The account's page, from the cache when the account has not changed. */
export async function loadPage(ctx: AppContext, accountId: number, today: string): Promise<CachedPage> {
  // The key is read before anything the page shows. A write that lands in between changes the
  // key that views started after it read, so they do not get a page built from a mix of old and
  // new rows (views already under way may: they are concurrent with the write anyway).
  const head = await loadPageHead(ctx.db, accountId);
  const key = pageKey(head, today);
  const cached = ctx.pageCache.get(accountId, key);
  if (cached) return cached;
  const model = await loadMainPage(ctx.db, accountId, today, head);
  const sections = exactUtf8(accountSections(model, ctx.supplierName).value);
  const form = model.readingForm;
  const address = addressView(head.mail);
  // Without a cache, each view is built once anyway: no template to make.
  const plain = ctx.pageCache.enabled ? plainTemplate(ctx, sections, form, address) : null;
  const built = { key, sections: plain ? plain.pieceBytes() : sections, form, address, plain };
  ctx.pageCache.set(accountId, built);
  return built;
}

/** The page as viewed without a notice or a form as posted, with gaps for the response's CSRF token and form key. */
function plainTemplate(
  ctx: AppContext,
  sections: Buffer,
  form: ReadingFormData | null,
  address: AddressView,
): ByteTemplate<PageSlot> | null {
  const mail = mailSectionModel(ctx, address);
  const render = (v: Readonly<Record<PageSlot, string>>) => {
    const [before, after] = mainPageAround({
      readingForm: form && formWithKey(form, v.key),
      supplierName: ctx.supplierName,
      csrfToken: v.csrf,
      mail,
    });
    return [before, sections, after];
  };
  return verifiedTemplate(SLOTS, render, PROBE);
}

/** UTF-8 in a buffer of its own, of the exact size (a small `Buffer.from` shares an 8 KB slab). */
function exactUtf8(s: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(s));
  buf.write(s);
  return buf;
}
