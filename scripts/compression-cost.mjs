// What compressing a response costs: µs per response and the bytes saved, for gzip at the
// portal's level and brotli at several qualities (the portal's among them), on the demo account's
// real pages, a bill PDF and the built assets. The variants run interleaved, round after round, so
// that load from other processes slows them alike; each is timed in CPU time, and the median and
// the best round are printed.
//
// Usage: node --import tsx scripts/compression-cost.mjs [--rounds N] [--ms M]
//   (the sources through tsx, as `npm test` runs them; the assets must be built: npm run build:assets)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { Agent, createTestApp } from '../test/helpers.ts';
import { DEMO_ACCOUNT } from '../src/tools/demo/demo-account.ts';
import { ASSETS_DIR, assetPath } from '../src/platform/assets.ts';
import { BROTLI_QUALITY, GZIP_LEVEL } from '../src/platform/http/compression.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, ms: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 15);
/** How long each variant compresses one body in one round. */
const SLICE_MS = Number(values.ms ?? 40);

async function bodies() {
  const t = await createTestApp('sqlite');
  try {
    const agent = new Agent(t.app);
    const login = await agent.get('/cabinet');
    await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
    const main = await agent.get('/cabinet');
    const pdf = await agent.get('/cabinet/bills/2026-02.pdf');
    if (main.statusCode !== 200 || pdf.statusCode !== 200) {
      throw new Error(`demo pages: ${main.statusCode} ${pdf.statusCode}`);
    }
    const file = (name) => fs.readFileSync(path.join(ASSETS_DIR, '..', assetPath(name)));
    return [
      ['main page (HTML)', main.rawPayload],
      ['login page (HTML)', login.rawPayload],
      ['bill PDF', pdf.rawPayload],
      ['css/site.css', file('css/site.css')],
      ['leaflet.js', file('vendor/leaflet/leaflet.js')],
    ];
  } finally {
    await t.close();
  }
}

const brotli = (q) => (b) =>
  zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q } });
const gzip = (level) => (b) => zlib.gzipSync(b, { level });
const portal = (yes) => (yes ? ' (portal)' : '');
const VARIANTS = [
  ...[1, 3, 4, 5, 6].map((l) => [`gzip level ${l}${portal(l === GZIP_LEVEL)}`, gzip(l)]),
  ...[1, 2, 3, 4, 5, 11].map((q) => [`brotli q${q}${portal(q === BROTLI_QUALITY)}`, brotli(q)]),
];

/**
 * CPU µs per call of `fn(body)` over about SLICE_MS of wall time: this process's CPU time, which
 * unlike the wall clock does not count the time other processes held the core.
 */
function timeSlice(fn, body) {
  let n = 0;
  const until = process.hrtime.bigint() + BigInt(SLICE_MS * 1e6);
  const cpu = process.cpuUsage();
  do {
    fn(body);
    n += 1;
  } while (process.hrtime.bigint() < until);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [label, body] of await bodies()) {
  const times = VARIANTS.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // A different variant goes first in each round.
    for (let k = 0; k < VARIANTS.length; k++) {
      const i = (k + r) % VARIANTS.length;
      times[i].push(timeSlice(VARIANTS[i][1], body));
    }
  }
  console.log(
    `\n${label}: ${body.length} bytes (${ROUNDS} interleaved rounds of ${SLICE_MS} ms per variant)`,
  );
  console.log('  variant               bytes   saved   CPU µs median   CPU µs best');
  VARIANTS.forEach(([name, fn], i) => {
    const size = fn(body).length;
    const saved = `${Math.round((1 - size / body.length) * 100)}%`;
    console.log(
      `  ${name.padEnd(20)} ${String(size).padStart(7)} ${saved.padStart(7)} ${median(times[i]).toFixed(0).padStart(15)} ${Math.min(
        ...times[i],
      )
        .toFixed(0)
        .padStart(13)}`,
    );
  });
}
