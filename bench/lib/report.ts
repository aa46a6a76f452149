import type { LoadResult } from './load.ts';

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The results as an aligned text table. */
export function table(results: LoadResult[]): string {
  const head = [
    'route',
    'req/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'requests',
    'non-2xx',
    'errors',
    'peak RSS MB',
    'server CPU',
    'CPU µs/req',
  ];
  const rows = results.map((r) => [
    r.label,
    int(r.requestsPerSec),
    String(r.p50),
    String(r.p99),
    String(r.max),
    int(r.requests),
    int(r.non2xx),
    int(r.errors + r.timeouts),
    r.peakRssMb.toFixed(0),
    `${Math.round(r.serverCpu.share * 100)} %`,
    int(r.serverCpu.usPerRequest),
  ]);
  return textTable(head, rows);
}

/** An aligned text table: the first column to the left, the others to the right. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** "ok" or "MISSED" against a target. */
export function verdict(ok: boolean): string {
  return ok ? 'ok' : 'MISSED';
}
