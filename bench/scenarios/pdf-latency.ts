import type { BenchContext } from '../index.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { table, textTable } from '../lib/report.ts';
import { RssSampler } from '../lib/rss.ts';
import { startServer } from '../lib/server.ts';
import { loginAll, pickCustomers, type BrowserSession } from '../lib/sessions.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { LOGIN_TABLES } from '../lib/sessions.ts';

/** Bill downloads kept going at once while the other routes are measured. */
const DOWNLOADERS = 4;

/**
 * Other requests' latency while bills are downloaded (issue 20, fault 14): GET /ping and the
 * logged-in main page, alone and while `DOWNLOADERS` clients fetch bill PDFs back to back; once
 * with the bills rendered in the worker pool (PDF_THREADS unset, the default) and once on the
 * event loop (PDF_THREADS=0, as before the pool). Nothing fails on a figure; the table tells.
 */
export async function pdfLatencyScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const added = rowsAddedSince(dataset.dbPath, LOGIN_TABLES);
  const rows: string[][] = [];
  try {
    for (const [label, env] of [
      ['worker pool', {}],
      ['event loop (PDF_THREADS=0)', { PDF_THREADS: '0' }],
    ] as const) {
      rows.push(...(await measure(ctx, label, env)));
    }
  } finally {
    console.log(
      `dataset: the run's ${added.remove().toLocaleString('en-US')} rows (sessions, logins) removed`,
    );
  }
  console.log('');
  console.log(
    `scenario pdf-latency: ${dataset.accounts.toLocaleString('en-US')} accounts, ${o.connections} connections ` +
      `on the measured route, ${DOWNLOADERS} bill downloaders, ${o.seconds} s per run`,
  );
  console.log(
    textTable(['bills rendered', 'route', 'alone p50/p99 ms', 'with PDFs p50/p99 ms', 'PDFs/s'], rows),
  );
}

async function measure(ctx: BenchContext, label: string, env: Record<string, string>): Promise<string[][]> {
  const { options: o } = ctx;
  const server = await startServer(ctx.dataset.dir, { env });
  const rss = new RssSampler(server.pid);
  rss.start();
  try {
    const customers = pickCustomers(ctx.dataset.dbPath, Math.min(o.sessions, 200), o.seed);
    const sessions = await loginAll(server.url, customers);
    const bills = await billsOf(server.url, sessions);
    if (bills.length === 0) {
      throw new Error('no customer of the sample has a bill: generate a dataset with closed months');
    }
    const common = {
      url: server.url,
      connections: o.connections,
      seconds: o.seconds,
      warmupSeconds: o.warmup,
    };
    const cookie = () => ({ cookie: sessions[Math.floor(Math.random() * sessions.length)]!.cookie });
    const routes = [
      { label: 'GET /ping', path: '/ping' },
      { label: 'GET /cabinet', path: '/cabinet', headers: cookie },
    ];
    const out: string[][] = [];
    for (const route of routes) {
      const alone = await load({ ...common, ...route }, rss);
      const downloads = downloadBills(server.url, bills);
      let busy: LoadResult;
      try {
        busy = await load({ ...common, ...route, label: `${route.label} during PDFs` }, rss);
      } finally {
        downloads.stop();
      }
      const pdfs = await downloads.done;
      console.log(`${label}:`);
      console.log(table([alone, busy]));
      out.push([
        label,
        route.label,
        `${alone.p50} / ${alone.p99}`,
        `${busy.p50} / ${busy.p99}`,
        (pdfs.count / pdfs.seconds).toFixed(1),
      ]);
    }
    return out;
  } finally {
    rss.stop();
    await server.stop();
  }
}

/** Each session's newest bill (the main page links them), as [cookie, path]. */
async function billsOf(url: string, sessions: BrowserSession[]): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const s of sessions) {
    const html = await (await fetch(`${url}/cabinet`, { headers: { cookie: s.cookie } })).text();
    const periods = [...html.matchAll(/href="\/cabinet\/bills\/(\d{4}-\d{2})\.pdf"/g)]
      .map((m) => m[1]!)
      .sort();
    const last = periods.at(-1);
    if (last) {
      out.push([s.cookie, `/cabinet/bills/${last}.pdf`]);
    }
  }
  return out;
}

/** `DOWNLOADERS` loops fetching bills until stopped; counts the PDFs received whole. */
function downloadBills(
  url: string,
  bills: Array<[string, string]>,
): { stop(): void; done: Promise<{ count: number; seconds: number }> } {
  let stopped = false;
  let count = 0;
  const started = performance.now();
  const lane = async () => {
    while (!stopped) {
      const [cookie, path] = bills[Math.floor(Math.random() * bills.length)]!;
      const res = await fetch(`${url}${path}`, { headers: { cookie } });
      const body = await res.arrayBuffer();
      if (res.status !== 200 || body.byteLength < 1000) {
        throw new Error(`${path} answered ${res.status} (${body.byteLength} bytes)`);
      }
      count++;
    }
  };
  const done = Promise.all(Array.from({ length: DOWNLOADERS }, lane)).then(() => ({
    count,
    seconds: (performance.now() - started) / 1000,
  }));
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}
