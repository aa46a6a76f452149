import { setTimeout as sleep } from 'node:timers/promises';

export interface OpenLoopRun<T> {
  rate: number;
  /** The customers' results, in arrival order (fewer than asked if the run was stopped). */
  results: T[];
  /** How late each customer started after its scheduled time, ms. */
  lateMs: number[];
  /** When the first and the last customer started, and when the last one finished (performance.now()). */
  firstStart: number;
  lastStart: number;
  drained: number;
  /** Customers in progress (started, not finished), sampled every SAMPLE_MS. */
  samples: Array<{ t: number; inProgress: number }>;
  /** Arrivals were stopped because more than `maxInProgress` customers were in progress. */
  stoppedAt: number | null;
}

const SAMPLE_MS = 100;

/**
 * Open-loop arrivals: customer i starts at t0 + i/rate whatever the server's latency, without
 * waiting for earlier customers, and then runs on its own. A late start (this process was busy)
 * is recorded, not made up for by shifting the schedule. Arrivals stop early only when more than
 * `maxInProgress` customers are in progress, a backlog that shows the rate is lost anyway.
 */
export async function openLoop<T>(
  count: number,
  rate: number,
  maxInProgress: number,
  run: (i: number) => Promise<T>,
): Promise<OpenLoopRun<T>> {
  const results: T[] = [];
  const lateMs: number[] = [];
  const samples: OpenLoopRun<T>['samples'] = [];
  const running = new Set<Promise<void>>();
  const sampler = setInterval(
    () => samples.push({ t: performance.now(), inProgress: running.size }),
    SAMPLE_MS,
  );
  const t0 = performance.now() + SAMPLE_MS;
  let firstStart = 0;
  let lastStart = 0;
  let stoppedAt: number | null = null;
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) {
      await sleep(wait);
    }
    if (running.size >= maxInProgress) {
      stoppedAt = i;
      break;
    }
    lastStart = performance.now();
    if (i === 0) {
      firstStart = lastStart;
    }
    lateMs.push(lastStart - due);
    const p: Promise<void> = run(i).then((r) => {
      results[i] = r;
      running.delete(p);
    });
    running.add(p);
  }
  await Promise.all(running);
  clearInterval(sampler);
  return {
    rate,
    results: results.filter((r) => r !== undefined),
    lateMs,
    firstStart,
    lastStart,
    drained: performance.now(),
    samples,
    stoppedAt,
  };
}

/** The rules of "the rate was held", printed with the verdict. */
export const HELD_RULES = [
  'arrivals at the target rate ± 2 %: (customers started − 1) / (last start − first start)',
  'median start lateness ≤ 10 ms (the load generator kept to its schedule)',
  'no growing backlog: customers in progress (every 100 ms) over the last quarter ≤ 1.5 × the 2nd quarter + 2',
  'none held back: arrivals stop once 10 × the rate customers (10 s worth) are in progress',
];

export interface HeldVerdict {
  held: boolean;
  achievedRate: number;
  lateP50: number;
  lateP99: number;
  inProgress: { second: number; last: number; max: number };
  /** Seconds from the last start until the last customer finished. */
  drainSeconds: number;
  failed: string[];
}

/** Whether a run held its rate, by HELD_RULES. */
export function rateHeld<T>(r: OpenLoopRun<T>): HeldVerdict {
  const started = r.lateMs.length;
  const span = (r.lastStart - r.firstStart) / 1000;
  const achievedRate = started > 1 && span > 0 ? (started - 1) / span : 0;
  const late = [...r.lateMs].sort((a, b) => a - b);
  const lateP50 = percentile(late, 0.5);
  const lateP99 = percentile(late, 0.99);
  const quarter = (r.lastStart - r.firstStart) / 4;
  const mean = (from: number, to: number) => {
    const xs = r.samples.filter((s) => s.t >= from && s.t < to).map((s) => s.inProgress);
    return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  };
  const second = mean(r.firstStart + quarter, r.firstStart + 2 * quarter);
  const last = mean(r.firstStart + 3 * quarter, r.lastStart + 1);
  const failed: string[] = [];
  if (Math.abs(achievedRate - r.rate) > 0.02 * r.rate) {
    failed.push(`arrival rate ${achievedRate.toFixed(1)}/s`);
  }
  if (lateP50 > 10) {
    failed.push(`median start lateness ${lateP50.toFixed(1)} ms`);
  }
  if (last > 1.5 * second + 2) {
    failed.push(`backlog grew from ${second.toFixed(1)} to ${last.toFixed(1)} in progress`);
  }
  if (r.stoppedAt !== null) {
    failed.push(`arrivals stopped at customer ${r.stoppedAt}: backlog over the limit`);
  }
  return {
    held: failed.length === 0,
    achievedRate,
    lateP50,
    lateP99,
    inProgress: { second, last, max: Math.max(0, ...r.samples.map((s) => s.inProgress)) },
    drainSeconds: (r.drained - r.lastStart) / 1000,
    failed,
  };
}

/** The value at quantile q of ascending `sorted` (nearest rank); 0 when empty. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
