import { percentile } from './arrivals.ts';
import { textTable } from './report.ts';
import { STEPS, type JourneyResult, type StepName } from './journey.ts';

export interface StepStats {
  step: StepName;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latencies of each step that was answered at least once, in the journey's order. */
export function stepStats(results: JourneyResult[]): StepStats[] {
  const by = new Map<StepName, number[]>();
  for (const r of results) {
    for (const t of r.times) {
      let xs = by.get(t.step);
      if (!xs) {
        by.set(t.step, (xs = []));
      }
      xs.push(t.ms);
    }
  }
  return STEPS.flatMap((step) => {
    const xs = by.get(step)?.sort((a, b) => a - b);
    if (!xs) {
      return [];
    }
    const q = (p: number) => percentile(xs, p);
    return [{ step, count: xs.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: xs.at(-1)! }];
  });
}

/** Journeys that stopped, counted by the step and what went wrong there. */
export function errorsByKind(results: JourneyResult[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.failure) {
      const key = `${r.failure.step}: ${r.failure.kind}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

const ms = (n: number) => (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'));

export function stepTable(stats: StepStats[]): string {
  return textTable(
    ['step', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    stats.map((s) => [s.step, s.count.toLocaleString('en-US'), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)]),
  );
}

export { ms as formatMs };
