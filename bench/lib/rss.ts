import fs from 'node:fs';

/**
 * Samples a process's resident set size (VmRSS of /proc/<pid>/status) every `everyMs`. Given
 * several processes (instances of the same server), the peaks are of the largest one: the
 * figure is per instance, as the target is.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peakKb = 0;
  private phasePeakKb = 0;
  readonly pids: number[];

  constructor(
    pid: number | number[],
    private readonly everyMs = 100,
  ) {
    this.pids = typeof pid === 'number' ? [pid] : pid;
  }

  /** The first (or only) process. */
  get pid(): number {
    return this.pids[0]!;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
    this.timer = null;
  }

  /** Peak since the last call (or the start), MB; starts a new phase. */
  phasePeakMb(): number {
    this.sample();
    const mb = this.phasePeakKb / 1024;
    this.phasePeakKb = 0;
    return mb;
  }

  /** Peak over the whole run, MB. */
  get peakMb(): number {
    return this.peakKb / 1024;
  }

  /** The largest process's RSS now, MB. */
  currentMb(): number {
    return Math.max(...this.pids.map(readRssKb)) / 1024;
  }

  private sample(): void {
    const kb = Math.max(...this.pids.map(readRssKb));
    if (kb > this.peakKb) {
      this.peakKb = kb;
    }
    if (kb > this.phasePeakKb) {
      this.phasePeakKb = kb;
    }
  }
}

function readRssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process has gone
  }
}

/** A process's CPU time so far (user + system), in seconds; Linux counts it in 1/100 s. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // the process has gone
  }
}

/**
 * Starts measuring a process's CPU time (of several, their sum); `stop()` gives the share of one
 * core and the seconds used.
 */
export function cpuMeter(pid: number | number[]): { stop(): { seconds: number; share: number } } {
  const pids = typeof pid === 'number' ? [pid] : pid;
  const total = () => pids.reduce((sum, p) => sum + cpuSeconds(p), 0);
  const cpu0 = total();
  const t0 = performance.now();
  return {
    stop() {
      const seconds = total() - cpu0;
      return { seconds, share: seconds / ((performance.now() - t0) / 1000) };
    },
  };
}
