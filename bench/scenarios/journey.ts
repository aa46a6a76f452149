import os from 'node:os';
import type { BenchContext } from '../index.ts';
import { HELD_RULES, openLoop, percentile, rateHeld, type HeldVerdict } from '../lib/arrivals.ts';
import { rowsAddedSince } from '../lib/dataset.ts';
import { runJourney, type JourneyResult } from '../lib/journey.ts';
import { errorsByKind, formatMs as ms, stepStats, stepTable, type StepStats } from '../lib/journey-report.ts';
import { textTable, verdict } from '../lib/report.ts';
import { cpuMeter, RssSampler } from '../lib/rss.ts';
import { cpuProfileArgs, startServer, type Server } from '../lib/server.ts';
import { LOGIN_TABLES, pickCustomers, type Customer } from '../lib/sessions.ts';

/** Targets (1 000 000 accounts): the rate held, p99 of each HTML step ≤ 200 ms, of the PDF ≤ 500 ms, 0 errors. */
const TARGET_HTML_P99_MS = 200;
const TARGET_PDF_P99_MS = 500;
/** A request unanswered for this long counts as a timeout. */
const TIMEOUT_MS = 30_000;

interface Phase {
  rate: number;
  results: JourneyResult[];
  held: HeldVerdict;
  steps: StepStats[];
  errors: Array<[string, number]>;
  serverCpu: { seconds: number; share: number };
  /** This process's CPU (the load generator), seconds. */
  clientCpuSeconds: number;
  peakRssMb: number;
  /** The machine's 1-minute load average at the phase's start and end: other work slows the server too. */
  load: [number, number];
}

/**
 * The month-end journey of distinct customers: each of N accounts, drawn once, logs in, opens the
 * main page, submits a reading, sees the main page again, opens the newest bill's PDF and logs
 * out (bench/lib/journey.ts), arriving open-loop at a set rate (bench/lib/arrivals.ts). With
 * several rates, one phase per rate with fresh customers, in the order given, until a rate is
 * not held. A warm-up of `--warmup` seconds at the first rate, with customers of its own, comes first.
 */
export async function journeyScenario(ctx: BenchContext): Promise<void> {
  const { options: o, dataset } = ctx;
  const warmupCount = Math.round(o.warmup * o.rates[0]!);
  const customers = pickCustomers(dataset.dbPath, warmupCount + o.customers * o.rates.length, o.seed + 11);
  const added = rowsAddedSince(dataset.dbPath, [...LOGIN_TABLES, 'readings']);
  const server = await startServer(dataset.dir, { nodeArgs: cpuProfileArgs(o.profileDir) });
  const rss = new RssSampler(server.pid);
  rss.start();
  const phases: Phase[] = [];
  try {
    console.log(
      `server: pid ${server.pid} at ${server.url}, RSS after start ${rss.currentMb().toFixed(0)} MB\n` +
        `scenario journey: ${dataset.accounts.toLocaleString('en-US')} accounts (seed ${dataset.seed}), ` +
        `${o.customers.toLocaleString('en-US')} distinct customers per rate, rates ${o.rates.join(', ')} customers/s`,
    );
    if (warmupCount > 0) {
      const warm = await runPhase(server, rss, customers.slice(0, warmupCount), o.rates[0]!, o.seed);
      console.log(
        `warm-up: ${warmupCount} journeys at ${o.rates[0]}/s, not counted (${warm.results.filter((r) => r.failure).length} stopped)`,
      );
    }
    for (const [k, rate] of o.rates.entries()) {
      const start = warmupCount + k * o.customers;
      const phase = await runPhase(server, rss, customers.slice(start, start + o.customers), rate, o.seed);
      printPhase(phase);
      phases.push(phase);
      if (!phase.held.held && k < o.rates.length - 1) {
        console.log(
          `\nrate ${rate}/s not held: the higher rates (${o.rates.slice(k + 1).join(', ')}) are not run`,
        );
        break;
      }
    }
  } finally {
    rss.stop();
    await server.stop();
    console.log(
      `\ndataset: the run's ${added.remove().toLocaleString('en-US')} rows (sessions, logins, consents, readings, audit) removed`,
    );
  }
  printSummary(phases, rss.peakMb, dataset.accounts);
}

async function runPhase(
  server: Server,
  rss: RssSampler,
  customers: Customer[],
  rate: number,
  seed: number,
): Promise<Phase> {
  rss.phasePeakMb();
  const cpu = cpuMeter(server.pid);
  const client = process.cpuUsage();
  const load0 = os.loadavg()[0]!;
  // Ten seconds' worth of customers in progress at once: the rate is lost, stop adding more.
  const run = await openLoop(customers.length, rate, Math.max(100, rate * 10), (i) =>
    runJourney(server.url, customers[i]!, seed * 1_000_003 + i, TIMEOUT_MS),
  );
  const { user, system } = process.cpuUsage(client);
  return {
    rate,
    results: run.results,
    held: rateHeld(run),
    steps: stepStats(run.results),
    errors: errorsByKind(run.results),
    serverCpu: cpu.stop(),
    clientCpuSeconds: (user + system) / 1e6,
    load: [load0, os.loadavg()[0]!],
    peakRssMb: rss.phasePeakMb(),
  };
}

/** The p99 targets: every step but the PDF is an HTML page (or the redirect after a form). */
function latencyVerdicts(steps: StepStats[]): { html: StepStats | undefined; pdf: StepStats | undefined } {
  const html = steps.filter((s) => s.step !== 'bill PDF').sort((a, b) => b.p99 - a.p99)[0];
  return { html, pdf: steps.find((s) => s.step === 'bill PDF') };
}

function meetsTargets(p: Phase): boolean {
  const { html, pdf } = latencyVerdicts(p.steps);
  return (
    p.held.held &&
    p.errors.length === 0 &&
    (html?.p99 ?? 0) <= TARGET_HTML_P99_MS &&
    (pdf?.p99 ?? 0) <= TARGET_PDF_P99_MS
  );
}

function printPhase(p: Phase): void {
  const n = p.results.length;
  const failed = p.results.filter((r) => r.failure).length;
  const journeys = p.results.map((r) => r.ms).sort((a, b) => a - b);
  const h = p.held;
  console.log(`\n— ${p.rate} customers/s: ${n.toLocaleString('en-US')} journeys`);
  console.log(stepTable(p.steps));
  console.log(
    `whole journey: p50 ${ms(percentile(journeys, 0.5))} ms, p99 ${ms(percentile(journeys, 0.99))} ms; ` +
      `${p.results.filter((r) => r.noMeter).length} without a meter in service (no reading), ` +
      `${p.results.filter((r) => r.noBill).length} without a bill (no PDF)`,
  );
  console.log(`errors: ${failed} journeys stopped${failed > 0 ? ':' : ''}`);
  for (const [kind, count] of p.errors) {
    console.log(`  ${String(count).padStart(6)}  ${kind}`);
  }
  console.log(
    `arrivals: ${h.achievedRate.toFixed(1)}/s achieved; start lateness p50 ${ms(h.lateP50)} ms, p99 ${ms(h.lateP99)} ms; ` +
      `in progress: ${h.inProgress.second.toFixed(1)} (2nd quarter) → ${h.inProgress.last.toFixed(1)} (last quarter), ` +
      `max ${h.inProgress.max}; drained ${h.drainSeconds.toFixed(1)} s after the last arrival`,
  );
  console.log(
    `machine: load average ${p.load[0].toFixed(1)} at the start, ${p.load[1].toFixed(1)} at the end, ${os.availableParallelism()} cores`,
  );
  console.log(`rate held: ${h.held ? 'yes' : `NO (${h.failed.join('; ')})`}`);
  const perJourney = (seconds: number) => perCompleted(p, seconds);
  console.log(
    `server CPU: ${perJourney(p.serverCpu.seconds)} ms per completed journey, ${Math.round(p.serverCpu.share * 100)} % of a core; ` +
      `peak RSS ${p.peakRssMb.toFixed(0)} MB; the load generator's CPU: ${perJourney(p.clientCpuSeconds)} ms per journey`,
  );
}

/** CPU seconds over the phase per journey that went to its end (failed ones' requests included in the CPU). */
function perCompleted(p: Phase, seconds: number): string {
  const completed = p.results.filter((r) => !r.failure).length;
  return completed > 0 ? ms((seconds * 1000) / completed) : '—';
}

function printSummary(phases: Phase[], peakRssMb: number, accounts: number): void {
  console.log('\n"rate held" means:');
  for (const rule of HELD_RULES) {
    console.log(`  - ${rule}`);
  }
  console.log('');
  console.log(
    textTable(
      [
        'rate /s',
        'achieved /s',
        'held',
        `HTML p99 ≤ ${TARGET_HTML_P99_MS}`,
        `PDF p99 ≤ ${TARGET_PDF_P99_MS}`,
        'errors',
        'server CPU ms/journey',
      ],
      phases.map((p) => {
        const { html, pdf } = latencyVerdicts(p.steps);
        const stopped = p.results.filter((r) => r.failure).length;
        return [
          String(p.rate),
          p.held.achievedRate.toFixed(1),
          p.held.held ? 'yes' : 'NO',
          html ? `${ms(html.p99)} (${html.step}) ${verdict(html.p99 <= TARGET_HTML_P99_MS)}` : '—',
          pdf ? `${ms(pdf.p99)} ${verdict(pdf.p99 <= TARGET_PDF_P99_MS)}` : '—',
          `${stopped} ${verdict(stopped === 0)}`,
          perCompleted(p, p.serverCpu.seconds),
        ];
      }),
    ),
  );
  const held = phases.filter((p) => p.held.held).map((p) => p.rate);
  const met = phases.filter(meetsTargets).map((p) => p.rate);
  console.log('');
  console.log(`highest rate held:                    ${held.length > 0 ? `${Math.max(...held)}/s` : 'none'}`);
  console.log(`highest rate held with every target:  ${met.length > 0 ? `${Math.max(...met)}/s` : 'none'}`);
  if (phases.some((p) => p.rate >= 100)) {
    console.log(`target: 100 customers/s held, p99s within, 0 errors: ${verdict(met.some((r) => r >= 100))}`);
  }
  console.log(`server peak RSS: ${peakRssMb.toFixed(0)} MB (whole run, warm-up included)`);
  if (accounts !== 1_000_000) {
    console.log('(the targets are stated for 1 000 000 accounts: npm run bench -- journey --full)');
  }
}
