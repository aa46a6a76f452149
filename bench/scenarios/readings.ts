import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import autocannon from 'autocannon';
import type { BenchContext } from '../index.ts';
import { load, loadResult, type LoadResult } from '../lib/load.ts';
import { table, verdict } from '../lib/report.ts';
import { cpuMeter, RssSampler } from '../lib/rss.ts';
import { cpuProfileArgs, startServer, type Server } from '../lib/server.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { LOGIN_TABLES, loginAll, pickCustomers, type BrowserSession } from '../lib/sessions.ts';

interface Form {
  cookie: string;
  csrf: string;
  meter: string;
  zones: number;
  previous: number[];
  sent: number;
}

/**
 * Readings submitted through HTTP by many logged-in customers at once (POST /cabinet/readings,
 * each with its own form key), then counted in the database: every 303 must be exactly one
 * stored reading. Targets (1 000 000 accounts, 50 connections): 0 errors, 0 lost, 0 duplicated;
 * ≥ 10 % of the trivial route's req/s in the same run; p99 ≤ 100 ms.
 */
export async function readingsScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const added = rowsAddedSince(dataset.dbPath, [...LOGIN_TABLES, 'readings']);
  const server = await startServer(dataset.dir, { nodeArgs: cpuProfileArgs(o.profileDir) });
  const rss = new RssSampler(server.pid);
  rss.start();
  try {
    const customers = pickCustomers(dataset.dbPath, o.sessions, o.seed + 7);
    const sessions = await loginAll(server.url, customers);
    const forms = await readForms(server.url, sessions);
    console.log(`forms: ${forms.length} customers with a meter in service`);

    const db = new SQLite(dataset.dbPath, { readonly: true });
    const before = countStored(db);
    const ping = await load(
      {
        label: 'GET /ping',
        url: server.url,
        path: '/ping',
        connections: o.connections,
        seconds: o.seconds,
        warmupSeconds: o.warmup,
      },
      rss,
    );
    rss.phasePeakMb();
    const posted = await postReadings(ctx, server, forms, rss);
    const after = countStored(db);
    db.close();
    report(ctx, forms.length, ping, posted, { n: after.n - before.n, k: after.k - before.k }, rss.peakMb);
  } finally {
    rss.stop();
    await server.stop();
    console.log(
      `dataset: the run's ${added.remove().toLocaleString('en-US')} rows (readings, sessions, logins) removed`,
    );
  }
}

/** Each customer's form: the CSRF token, the meter and the last accepted values. */
async function readForms(url: string, sessions: BrowserSession[]): Promise<Form[]> {
  const forms: Form[] = [];
  for (const { cookie } of sessions) {
    const res = await fetch(`${url}/cabinet`, { headers: { cookie } });
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const meter = /name="meter" value="(\d+)"/.exec(html)?.[1];
    if (!token || !meter) {
      continue;
    } // no meter in service: no form
    const previous = [...html.matchAll(/<tr[^>]*data-previous="(\d+)"/g)].map((m) => Number(m[1]));
    forms.push({ cookie, csrf: token, meter, zones: previous.length, previous, sent: 0 });
  }
  return forms;
}

/** Readings stored from the portal's form (with a submission key): rows, and distinct keys. */
function countStored(db: SQLite.Database): { n: number; k: number } {
  return db
    .prepare(
      'select count(*) n, count(distinct submission_key) k from readings where submission_key is not null',
    )
    .get() as {
    n: number;
    k: number;
  };
}

interface Posted {
  readings: LoadResult;
  /** Answers 303 (stored), and any other answers. */
  ok303: number;
  other: number;
}

/** The measured run: customers' forms posted at random, each with a new form key. */
async function postReadings(
  ctx: BenchContext,
  server: Server,
  forms: Form[],
  rss: RssSampler,
): Promise<Posted> {
  const { options: o } = ctx;
  let ok303 = 0;
  let other = 0;
  const cpu = cpuMeter(server.pid);
  const r = await autocannon({
    url: server.url,
    connections: o.connections,
    duration: o.seconds,
    requests: [
      {
        method: 'POST',
        path: '/cabinet/readings',
        setupRequest: (req: autocannon.Request) => {
          const f = forms[Math.floor(Math.random() * forms.length)]!;
          f.sent += 1;
          // One above the last accepted value when the form was read: a plain reading, stored
          // without a question whatever order concurrent posts of the same customer arrive in.
          const body = new URLSearchParams({ _csrf: f.csrf, meter: f.meter, key: randomUUID() });
          f.previous.forEach((v, i) => body.set(`v${i + 1}`, String(v + 1)));
          req.headers = {
            ...req.headers,
            cookie: f.cookie,
            'content-type': 'application/x-www-form-urlencoded',
          };
          req.body = body.toString();
          return req;
        },
        onResponse: (status: number) => {
          if (status === 303) {
            ok303++;
          } else {
            other++;
          }
        },
      },
    ],
  });
  const readings = loadResult('POST /cabinet/readings', r, rss, cpu.stop());
  return { readings, ok303, other };
}

function report(
  ctx: BenchContext,
  customers: number,
  ping: LoadResult,
  { readings, ok303, other }: Posted,
  rows: { n: number; k: number },
  peakMb: number,
): void {
  const { options: o, dataset } = ctx;
  const stored = rows.n;
  const distinct = rows.k;
  const lost = Math.max(0, ok303 - stored);
  const duplicated = stored - distinct;
  const ratio = readings.requestsPerSec / ping.requestsPerSec;
  console.log('');
  console.log(
    `scenario readings: ${dataset.accounts.toLocaleString('en-US')} accounts, ${customers} customers, ${o.connections} connections, ${o.seconds} s per route`,
  );
  console.log(table([ping, readings]));
  console.log('');
  // Posts still in flight when the run stops are stored without their answer being counted.
  console.log(
    `answered 303 (stored): ${ok303}, other answers: ${other}, stored rows: ${stored}, distinct keys: ${distinct}`,
  );
  console.log(
    `errors:      ${readings.errors + readings.timeouts + other}   (target 0: ${verdict(readings.errors + readings.timeouts + other === 0)})`,
  );
  console.log(`lost:        ${lost}   (target 0: ${verdict(lost === 0)})`);
  console.log(`duplicated:  ${duplicated}   (target 0: ${verdict(duplicated === 0)})`);
  console.log(
    `readings / trivial route: ${(ratio * 100).toFixed(1)} % of the req/s   (target ≥ 10 %: ${verdict(ratio >= 0.1)})`,
  );
  console.log(`readings p99: ${readings.p99} ms   (target ≤ 100 ms: ${verdict(readings.p99 <= 100)})`);
  console.log(`server peak RSS: ${peakMb.toFixed(0)} MB`);
  if (dataset.accounts !== 1_000_000) {
    console.log('(the targets are stated for 1 000 000 accounts: npm run bench -- readings --full)');
  }
}
