import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  update(accounts: number, rows: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, stop() {} };

/** A progress bar on stderr: accounts done, rows written and the rate. */
export function progressBar(): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format:
        'generate |{bar}| {percentage}% | {value}/{total} accounts | {rows} rows | {rate} rows/s | {duration_formatted} (eta {eta_formatted})',
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = 0;
  return {
    start(total) {
      started = performance.now();
      bar.start(total, 0, { rows: 0, rate: 0 });
    },
    update(accounts, rows) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(accounts, {
        rows: rows.toLocaleString('en-US'),
        rate: Math.round(rows / Math.max(seconds, 0.001)).toLocaleString('en-US'),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
