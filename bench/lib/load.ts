import autocannon from 'autocannon';
import { cpuMeter, type RssSampler } from './rss.ts';

export interface LoadSpec {
  /** Shown in the table, e.g. "GET /cabinet". */
  label: string;
  /** One server, or several instances: autocannon gives connection i to url i mod n. */
  url: string | string[];
  path: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Headers for each request (e.g. a random session's cookie); fixed headers when absent. */
  headers?: () => Record<string, string>;
}

export interface LoadResult {
  label: string;
  requestsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  peakRssMb: number;
  /** The server's CPU over the measured run: the share of one core, and per request in µs. */
  serverCpu: { share: number; usPerRequest: number };
}

/** A short warm-up, then the measured run; the server's peak RSS is taken over both, its CPU (of every instance) over the run. */
export async function load(spec: LoadSpec, rss: RssSampler): Promise<LoadResult> {
  const opts = (seconds: number): autocannon.Options => ({
    // autocannon takes an array of URLs too (its lib/url.js, connection i to url i mod n); its
    // type declarations say string only.
    url: spec.url as string,
    connections: spec.connections,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        path: spec.path,
        ...(spec.headers
          ? {
              setupRequest: (req: autocannon.Request) => {
                req.headers = { ...req.headers, ...spec.headers!() };
                return req;
              },
            }
          : {}),
      },
    ],
  });
  rss.phasePeakMb();
  if (spec.warmupSeconds > 0) {
    await autocannon(opts(spec.warmupSeconds));
  }
  const cpu = cpuMeter(rss.pids);
  const r = await autocannon(opts(spec.seconds));
  return loadResult(spec.label, r, rss, cpu.stop());
}

/** An autocannon run as a row of the report; the server's peak RSS since the last phase. */
export function loadResult(
  label: string,
  r: autocannon.Result,
  rss: RssSampler,
  cpu: { seconds: number; share: number },
): LoadResult {
  return {
    label,
    requestsPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    peakRssMb: rss.phasePeakMb(),
    serverCpu: {
      share: cpu.share,
      usPerRequest: r.requests.total > 0 ? (cpu.seconds * 1e6) / r.requests.total : 0,
    },
  };
}
