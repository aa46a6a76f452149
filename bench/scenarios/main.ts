import type { BenchContext } from '../index.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { table, verdict } from '../lib/report.ts';
import { RssSampler } from '../lib/rss.ts';
import { cpuProfileArgs, startServer, type Server } from '../lib/server.ts';
import {
  assertLoggedIn,
  LOGIN_TABLES,
  loginAll,
  pickCustomers,
  type BrowserSession,
  type Customer,
} from '../lib/sessions.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { measureViewParts } from '../lib/view-parts.tsx';

/**
 * The customer's main page against the framework's floor: GET /ping (a route that does
 * nothing) and GET /cabinet with a random logged-in customer per request, same server, same run.
 * Every view is built from the database. Targets (1 000 000 accounts, 50 connections): the main
 * page at ≥ 8 % of /ping's rate, its p99 ≤ 100 ms, the server's RSS ≤ 250 MB.
 */
export async function mainScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const added = rowsAddedSince(dataset.dbPath, LOGIN_TABLES);
  const server = await startServer(dataset.dir, { nodeArgs: cpuProfileArgs(o.profileDir) });
  const rss = new RssSampler(server.pid);
  rss.start();
  let measured: Measured;
  try {
    measured = await measureRoutes(ctx, server, rss);
  } finally {
    rss.stop();
    await server.stop();
    console.log(
      `dataset: the run's ${added.remove().toLocaleString('en-US')} rows (sessions, logins) removed`,
    );
    if (o.profileDir) {
      console.log(`server CPU profile: ${o.profileDir} (open in Chrome DevTools, or summarise by self time)`);
    }
  }
  await reportViewParts(dataset.dbPath, measured);
}

interface Measured {
  customers: Customer[];
  ping: LoadResult;
  cabinet: LoadResult;
}

/** What Chromium sends. */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

/** Logs the customers in, then loads /ping and /cabinet in turn and reports them against the targets. */
async function measureRoutes(ctx: BenchContext, server: Server, rss: RssSampler): Promise<Measured> {
  const { options: o } = ctx;
  console.log(`server: pid ${server.pid} at ${server.url}, RSS after start ${rss.currentMb().toFixed(0)} MB`);
  const customers = pickCustomers(ctx.dataset.dbPath, o.sessions, o.seed);
  const sessions = await logIn(server.url, customers);
  const loginPeak = rss.phasePeakMb();

  // Each request is one customer's browser, with its session and CSRF cookies and the
  // compressions a browser accepts (the page is sent compressed, as to a real customer).
  const randomCustomer = () => ({
    cookie: sessions[Math.floor(Math.random() * sessions.length)]!.cookie,
    'accept-encoding': BROWSER_ACCEPT_ENCODING,
  });
  const common = {
    url: server.url,
    connections: o.connections,
    seconds: o.seconds,
    warmupSeconds: o.warmup,
  };
  const ping = await load(
    {
      ...common,
      label: 'GET /ping',
      path: '/ping',
      headers: () => ({ 'accept-encoding': BROWSER_ACCEPT_ENCODING }),
    },
    rss,
  );
  const cabinet = await load(
    { ...common, label: 'GET /cabinet (logged in)', path: '/cabinet', headers: randomCustomer },
    rss,
  );
  reportRoutes(ctx, sessions.length, { customers, ping, cabinet }, Math.max(rss.peakMb, loginPeak));
  return { customers, ping, cabinet };
}

/** Logs every customer in over HTTP and checks a sample of the sessions. */
async function logIn(url: string, customers: Customer[]): Promise<BrowserSession[]> {
  const started = performance.now();
  const sessions = await loginAll(url, customers);
  const loginSeconds = (performance.now() - started) / 1000;
  console.log(
    `sessions: ${sessions.length} customers logged in over HTTP in ${loginSeconds.toFixed(1)} s (${(sessions.length / loginSeconds).toFixed(0)} logins/s)`,
  );
  for (let i = 0; i < sessions.length; i += Math.max(1, Math.floor(sessions.length / 50))) {
    await assertLoggedIn(url, sessions[i]!, customers[i]!);
  }
  return sessions;
}

function reportRoutes(ctx: BenchContext, sessions: number, { ping, cabinet }: Measured, peak: number): void {
  const { options: o, dataset } = ctx;
  const ratio = cabinet.requestsPerSec / ping.requestsPerSec;
  console.log('');
  console.log(
    `scenario main: ${dataset.accounts.toLocaleString('en-US')} accounts (seed ${dataset.seed}), ${sessions} sessions, ` +
      `${o.connections} connections, ${o.seconds} s per route after ${o.warmup} s of warm-up`,
  );
  console.log(table([ping, cabinet]));
  console.log('');
  console.log(
    `main page / trivial route: ${(ratio * 100).toFixed(1)} % of the req/s   (target ≥ 8 %: ${verdict(ratio >= 0.08)})`,
  );
  // The same comparison by the server's CPU per request: steadier when /ping's rate is held back
  // by the load generator (the server then runs below one core) or by another process.
  const cpuRatio = ping.serverCpu.usPerRequest / cabinet.serverCpu.usPerRequest;
  console.log(`  by the server's CPU per request: ${(cpuRatio * 100).toFixed(1)} %`);
  console.log(
    `main page p99:             ${cabinet.p99} ms                 (target ≤ 100 ms: ${verdict(cabinet.p99 <= 100)})`,
  );
  console.log(
    `server peak RSS:           ${peak.toFixed(0)} MB (whole run, logins included; target ≤ 250 MB: ${verdict(peak <= 250)})`,
  );
  if (dataset.accounts !== 1_000_000) {
    console.log('(the targets are stated for 1 000 000 accounts: npm run bench -- --full)');
  }
}

/** The same pages built in this process, the server stopped: what the view's own work costs. */
async function reportViewParts(dbPath: string, { customers, ping, cabinet }: Measured): Promise<void> {
  const parts = await measureViewParts(dbPath, customers);
  const us = (n: number) => `${Math.round(n).toString().padStart(4)} µs`;
  console.log('');
  console.log(
    `where a view's time goes (the same ${customers.length} pages built in this process, no HTTP, ${Math.round(parts.bytes).toLocaleString('en-US')} bytes each):`,
  );
  console.log(`  reads (${parts.queries.toFixed(1)} queries)  ${us(parts.readsUs)}`);
  console.log(`  model               ${us(parts.modelUs)}`);
  console.log(`  HTML                ${us(parts.renderUs)}`);
  console.log(`  UTF-8               ${us(parts.encodeUs)}`);
  console.log(`  together            ${us(parts.readsUs + parts.modelUs + parts.renderUs + parts.encodeUs)}`);
  console.log(
    `the server spent ${Math.round(cabinet.serverCpu.usPerRequest)} µs of CPU per view (session, HTTP and GC included) and ` +
      `${Math.round(ping.serverCpu.usPerRequest)} µs per /ping: at 8 % a view may cost about ${Math.round(ping.serverCpu.usPerRequest / 0.08)} µs`,
  );
}
