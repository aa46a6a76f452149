import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import autocannon from 'autocannon';
import type { BenchContext } from '../index.ts';
import { load, loadResult } from '../lib/load.ts';
import { table, verdict } from '../lib/report.ts';
import { cpuMeter, RssSampler } from '../lib/rss.ts';
import { cpuProfileArgs, startServer } from '../lib/server.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { LOGIN_TABLES, loginAll, pickCustomers } from '../lib/sessions.ts';

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
    // Each customer's form: the CSRF token, the meter and the last accepted values.
    const forms: Form[] = [];
    for (const { cookie } of sessions) {
      const res = await fetch(`${server.url}/cabinet`, { headers: { cookie } });
      const html = await res.text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      const meter = /name="meter" value="(\d+)"/.exec(html)?.[1];
      if (!token || !meter) {
        continue;
      } // no meter in service: no form
      const previous = [...html.matchAll(/<tr[^>]*data-previous="(\d+)"/g)].map((m) => Number(m[1]));
      forms.push({ cookie, csrf: token, meter, zones: previous.length, previous, sent: 0 });
    }
    console.log(`forms: ${forms.length} customers with a meter in service`);

    const db = new SQLite(dataset.dbPath, { readonly: true });
    const countStored = () =>
      db
        .prepare(
          'select count(*) n, count(distinct submission_key) k from readings where submission_key is not null',
        )
        .get() as {
        n: number;
        k: number;
      };
    const before = countStored();

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
    const after = countStored();
    db.close();
    const stored = after.n - before.n;
    const distinct = after.k - before.k;
    const lost = Math.max(0, ok303 - stored);
    const duplicated = stored - distinct;
    const ratio = readings.requestsPerSec / ping.requestsPerSec;
    console.log('');
    console.log(
      `scenario readings: ${dataset.accounts.toLocaleString('en-US')} accounts, ${forms.length} customers, ${o.connections} connections, ${o.seconds} s per route`,
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
    console.log(`server peak RSS: ${rss.peakMb.toFixed(0)} MB`);
    if (dataset.accounts !== 1_000_000) {
      console.log('(the targets are stated for 1 000 000 accounts: npm run bench -- readings --full)');
    }
  } finally {
    rss.stop();
    await server.stop();
    console.log(
      `dataset: the run's ${added.remove().toLocaleString('en-US')} rows (readings, sessions, logins) removed`,
    );
  }
}
