import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/db/schema.ts';
import { openDb } from '../../src/platform/db/connect.ts';
import { loadMainPage } from '../../src/pages/main/main.service.ts';
import { MainPage } from '../../src/pages/main/main.view.tsx';
import { renderPage } from '../../src/platform/views/render.ts';
import { dateInZone } from '../../src/domain/dates.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../../src/domain/schedule.ts';
import { DEFAULT_TIME_ZONE } from '../../src/platform/config.ts';
import type { Customer } from './sessions.ts';

export interface ViewParts {
  /** µs per view, averaged over the counted passes. */
  /** The queries' own time, summed (SQLite runs them one at a time). */
  readsUs: number;
  /** Reads and model together, as waited for (on PostgreSQL the page's queries overlap on the pool). */
  loadUs: number;
  queries: number;
  modelUs: number;
  renderUs: number;
  encodeUs: number;
  bytes: number;
}

/**
 * Where a main-page view's time goes, without HTTP: the same accounts' pages built in this
 * process with the portal's own code (the reads, the model, the HTML, its UTF-8 length), one
 * account after another. The first pass warms the caches and is not counted.
 */
export async function measureViewParts(
  database: { sqlitePath: string } | { databaseUrl: string },
  customers: Customer[],
  passes = 3,
): Promise<ViewParts> {
  let readsMs = 0;
  let queries = 0;
  // The database as the server opens it, with a log that adds up each query's own time (SQLite
  // runs them synchronously, so the time is the query's, preparing included when not cached; on
  // PostgreSQL it is the round trip, one query at a time).
  const base = openDb({
    ...database,
    log: (e) => {
      readsMs += e.queryDurationMillis;
      queries++;
    },
  });
  const db = base.kysely;
  const ids = await accountIds(db, customers);
  const today = dateInZone(new Date(), process.env.SUPPLIER_TIME_ZONE ?? DEFAULT_TIME_ZONE);
  const total = { load: 0n, render: 0n, encode: 0n, bytes: 0 };
  let counted = 0;
  try {
    for (let pass = 0; pass < passes; pass++) {
      if (pass === 1) {
        readsMs = 0;
        queries = 0;
      }
      for (const id of ids) {
        const t0 = process.hrtime.bigint();
        const model = await loadMainPage(db, id, today, DEFAULT_MONTH_SCHEDULE);
        const t1 = process.hrtime.bigint();
        const page = renderPage(
          <MainPage model={model} supplierName="ООО «Энергосбыт»" csrfToken={'x'.repeat(52)} />,
        );
        const t2 = process.hrtime.bigint();
        const bytes = Buffer.byteLength(page);
        const t3 = process.hrtime.bigint();
        if (pass === 0) {
          continue;
        }
        total.load += t1 - t0;
        total.render += t2 - t1;
        total.encode += t3 - t2;
        total.bytes += bytes;
        counted++;
      }
    }
  } finally {
    await base.close();
  }
  const us = (ns: bigint) => Number(ns) / 1000 / counted;
  const readsUs = (readsMs * 1000) / counted;
  return {
    readsUs,
    queries: queries / counted,
    loadUs: us(total.load),
    modelUs: us(total.load) - readsUs,
    renderUs: us(total.render),
    encodeUs: us(total.encode),
    bytes: total.bytes / counted,
  };
}

async function accountIds(db: Kysely<Database>, customers: Customer[]): Promise<number[]> {
  const ids: number[] = [];
  for (const c of customers) {
    const row = await db
      .selectFrom('accounts')
      .select('id')
      .where('number', '=', c.number)
      .executeTakeFirstOrThrow();
    ids.push(Number(row.id));
  }
  return ids;
}
