import type { BenchContext } from '../index.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { table, verdict } from '../lib/report.ts';
import { RssSampler } from '../lib/rss.ts';
import { cpuProfileArgs, startServer } from '../lib/server.ts';
import { assertLoggedIn, LOGIN_TABLES, loginAll, pickCustomers, type Customer } from '../lib/sessions.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { measureViewParts } from '../lib/view-parts.tsx';

/**
 * The customer's main page against the framework's floor: GET /ping (a route that does
 * nothing) and GET /cabinet with a random logged-in customer per request, same server, same run.
 * Targets (1 000 000 accounts, 50 connections): the main page at ≥ 20 % of /ping's rate,
 * its p99 ≤ 50 ms, the server's RSS ≤ 250 MB. The main page is then loaded once more on a server
 * without the page cache (PAGE_CACHE_MB=0), to show what a view costs when it is built.
 */
export async function mainScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const added = rowsAddedSince(dataset.dbPath, LOGIN_TABLES);
  let server = await startServer(dataset.dir, { nodeArgs: cpuProfileArgs(o.profileDir) });
  let rss = new RssSampler(server.pid);
  rss.start();
  let measured: { customers: Customer[]; ping: LoadResult; cabinet: LoadResult; built: LoadResult };
  try {
    console.log(
      `server: pid ${server.pid} at ${server.url}, RSS after start ${rss.currentMb().toFixed(0)} MB`,
    );
    const customers = pickCustomers(dataset.dbPath, o.sessions, o.seed);
    let started = performance.now();
    const sessions = await loginAll(server.url, customers);
    const loginSeconds = (performance.now() - started) / 1000;
    console.log(
      `sessions: ${sessions.length} customers logged in over HTTP in ${loginSeconds.toFixed(1)} s (${(sessions.length / loginSeconds).toFixed(0)} logins/s)`,
    );
    started = performance.now();
    for (let i = 0; i < sessions.length; i += Math.max(1, Math.floor(sessions.length / 50)))
      await assertLoggedIn(server.url, sessions[i]!, customers[i]!);
    const loginPeak = rss.phasePeakMb();

    // Each request is one customer's browser, with its session and CSRF cookies.
    const randomCustomer = () => ({ cookie: sessions[Math.floor(Math.random() * sessions.length)]!.cookie });
    const results: LoadResult[] = [];
    const common = {
      url: server.url,
      connections: o.connections,
      seconds: o.seconds,
      warmupSeconds: o.warmup,
    };
    results.push(await load({ ...common, label: 'GET /ping', path: '/ping' }, rss));
    results.push(
      await load(
        {
          ...common,
          label: 'GET /cabinet (logged in)',
          path: '/cabinet',
          headers: randomCustomer,
        },
        rss,
      ),
    );

    const [ping, cabinet] = results as [LoadResult, LoadResult];
    const peak = Math.max(rss.peakMb, loginPeak);

    // The same load on a server without the page cache: every view built from the database.
    // The sessions above come back again and again, so nearly all those views were served
    // from the cache; this run shows what a view costs when it is not.
    rss.stop();
    await server.stop();
    server = await startServer(dataset.dir, { env: { PAGE_CACHE_MB: '0' } });
    rss = new RssSampler(server.pid);
    rss.start();
    const built = await load(
      {
        ...common,
        url: server.url,
        label: 'GET /cabinet, PAGE_CACHE_MB=0',
        path: '/cabinet',
        headers: randomCustomer,
      },
      rss,
    );
    results.push(built);
    const ratio = cabinet.requestsPerSec / ping.requestsPerSec;
    const builtRatio = built.requestsPerSec / ping.requestsPerSec;
    console.log('');
    console.log(
      `scenario main: ${dataset.accounts.toLocaleString('en-US')} accounts (seed ${dataset.seed}), ${sessions.length} sessions, ` +
        `${o.connections} connections, ${o.seconds} s per route after ${o.warmup} s of warm-up`,
    );
    console.log(table(results));
    console.log('');
    console.log(
      `main page / trivial route: ${(ratio * 100).toFixed(1)} % of the req/s   (target ≥ 20 %: ${verdict(ratio >= 0.2)})`,
    );
    // The same comparison by the server's CPU per request: steadier when /ping's rate is held back
    // by the load generator (the server then runs below one core) or by another process.
    const cpuRatio = ping.serverCpu.usPerRequest / cabinet.serverCpu.usPerRequest;
    console.log(`  by the server's CPU per request: ${(cpuRatio * 100).toFixed(1)} %`);
    console.log(
      `  every view built (PAGE_CACHE_MB=0): ${(builtRatio * 100).toFixed(1)} % of the req/s, ` +
        `${((ping.serverCpu.usPerRequest / built.serverCpu.usPerRequest) * 100).toFixed(1)} % by CPU, p99 ${built.p99} ms`,
    );
    console.log(
      `main page p99:             ${cabinet.p99} ms                 (target ≤ 50 ms: ${verdict(cabinet.p99 <= 50)})`,
    );
    console.log(
      `server peak RSS:           ${peak.toFixed(0)} MB (whole run, logins included; target ≤ 250 MB: ${verdict(peak <= 250)})`,
    );
    if (dataset.accounts !== 1_000_000)
      console.log('(the targets are stated for 1 000 000 accounts: npm run bench -- --full)');
    measured = { customers, ping, cabinet, built };
  } finally {
    rss.stop();
    await server.stop();
    console.log(
      `dataset: the run's ${added.remove().toLocaleString('en-US')} rows (sessions, logins) removed`,
    );
    if (o.profileDir)
      console.log(`server CPU profile: ${o.profileDir} (open in Chrome DevTools, or summarise by self time)`);
  }

  // The same pages built in this process, the server stopped: what the view's own work costs.
  const { customers, ping, built } = measured;
  const parts = await measureViewParts(dataset.dbPath, customers);
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
    `without the cache the server spent ${Math.round(built.serverCpu.usPerRequest)} µs of CPU per view (session, HTTP and GC included) and ` +
      `${Math.round(ping.serverCpu.usPerRequest)} µs per /ping: at 20 % a view may cost about ${Math.round(ping.serverCpu.usPerRequest * 5)} µs`,
  );
}
