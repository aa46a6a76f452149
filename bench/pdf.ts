/**
 * PDF bills per second in one process: the real renderer (embedded DejaVu fonts, vector QR code)
 * against a baseline that draws the same layout in pdfkit's built-in Helvetica with no QR code.
 * Each bill belongs to a different synthetic account (names, addresses, zones, debts, recalcs),
 * so neither renderer can lean on a single cached document. CPU time is printed next to wall
 * time: on a shared machine it is the steadier of the two.
 *
 *   npm run bench -- pdf [--count N] [--chunk N]
 */
import { parseArgs } from 'node:util';
import type { BillDocument, BillLine } from '../src/features/billing/pdf/bill.model.ts';
import { renderBillPdf, renderBillPdfWith } from '../src/features/billing/pdf/bill-pdf.ts';
import { HELVETICA } from '../src/features/billing/pdf/pdf-fonts.ts';
import { addMonths, lastDayOfPeriod } from '../src/domain/dates.ts';
import { chargeKopecks } from '../src/domain/money.ts';
import { costBreakdown } from '../src/domain/cost-breakdown.ts';
import { TARIFF_COMPONENT_SHARES } from '../src/tools/demo/reference-data.ts';
import { SUPPLIER } from '../test/pdf-support.ts';

/** Every synthetic bill carries the demo's cost breakdown, as a demo bill does. */
const DEMO_SHARES = new Map(TARIFF_COMPONENT_SHARES.map((c) => [c.component, c.shareE6]));

export async function runPdfBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string', default: '2000' }, chunk: { type: 'string', default: '100' } },
    allowPositionals: true,
  });
  const count = positiveInt(values.count, '--count');
  const chunk = positiveInt(values.chunk, '--chunk');

  const bills = Array.from({ length: count }, (_, i) => syntheticBill(i));
  const distinct = new Set(bills.map((b) => b.customer.account)).size;
  const baseline = (b: BillDocument) => renderBillPdfWith(b, { fonts: HELVETICA, qr: false });

  // Warm up both paths (JIT, the one-time font parse) outside the measured time.
  for (const b of bills.slice(0, 30)) {
    await renderBillPdf(b);
    await baseline(b);
  }

  // Alternate chunks of the two renderers over the same bills, so a noisy neighbour slows both alike.
  const rssStart = process.memoryUsage().rss;
  const rssSamples: number[] = [];
  const stats = { real: { ms: 0, cpuMs: 0, bytes: 0 }, base: { ms: 0, cpuMs: 0, bytes: 0 } };
  for (let from = 0; from < count; from += chunk) {
    const part = bills.slice(from, from + chunk);
    for (const [key, render] of [
      ['base', baseline],
      ['real', renderBillPdf],
    ] as const) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      for (const b of part) {
        stats[key].bytes += (await render(b)).length;
      }
      stats[key].ms += performance.now() - t;
      const used = process.cpuUsage(cpu);
      stats[key].cpuMs += (used.user + used.system) / 1000;
    }
    rssSamples.push(process.memoryUsage().rss);
  }

  const rate = (ms: number) => (count * 1000) / ms;
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  const realRate = rate(stats.real.ms);
  const baseRate = rate(stats.base.ms);
  const quarter = (q: number) =>
    mb(rssSamples[Math.min(rssSamples.length - 1, Math.floor((rssSamples.length * q) / 4))] ?? 0);
  console.log(
    `pdf bench: ${count} bills of ${distinct} distinct accounts, chunks of ${chunk}, node ${process.version}`,
  );
  const line = (s: { ms: number; cpuMs: number; bytes: number }) =>
    `${rate(s.ms).toFixed(1)} bills/s, ${(s.ms / count).toFixed(2)} ms/bill (CPU ${(s.cpuMs / count).toFixed(2)} ms), ${(s.bytes / count / 1024).toFixed(1)} KB/bill`;
  console.log(`  embedded font + QR : ${line(stats.real)}`);
  console.log(`  Helvetica baseline : ${line(stats.base)}`);
  console.log(
    `  ratio              : ${(realRate / baseRate).toFixed(2)} by wall clock, ${(stats.base.cpuMs / stats.real.cpuMs).toFixed(2)} by CPU time (target ≥ 0.50; target rate ≥ 100 bills/s)`,
  );
  console.log(
    `  RSS                : peak ${mb(process.resourceUsage().maxRSS * 1024)}; at start ${mb(rssStart)}, after 1/4 ${quarter(1)}, 2/4 ${quarter(2)}, 3/4 ${quarter(3)}, end ${quarter(4)}`,
  );
}

function positiveInt(s: string, name: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new Error(`${name} must be a positive integer, got "${s}"`);
  }
  return n;
}

// --- synthetic accounts ------------------------------------------------------------------

const SURNAMES = [
  'Смирнов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Петров',
  'Соколов',
  'Михайлов',
  'Новиков',
  'Фёдоров',
  'Морозов',
  'Волков',
  'Алексеев',
  'Лебедев',
  'Семёнов',
  'Егоров',
  'Павлов',
  'Козлов',
  'Степанов',
  'Николаев',
  'Орлов',
  'Андреев',
  'Макаров',
  'Никитин',
  'Захаров',
  'Тодышев',
  'Чебодаев',
  'Боргояков',
  'Кызласов',
];
const MALE = [
  'Александр',
  'Сергей',
  'Андрей',
  'Дмитрий',
  'Алексей',
  'Михаил',
  'Иван',
  'Николай',
  'Владимир',
  'Евгений',
  'Юрий',
  'Олег',
];
const FEMALE = [
  'Елена',
  'Ольга',
  'Наталья',
  'Татьяна',
  'Ирина',
  'Светлана',
  'Анна',
  'Мария',
  'Людмила',
  'Галина',
  'Марина',
  'Юлия',
];
const FATHERS = [
  'Александров',
  'Сергеев',
  'Андреев',
  'Дмитриев',
  'Алексеев',
  'Михайлов',
  'Иванов',
  'Николаев',
  'Владимиров',
  'Петров',
  'Юрьев',
  'Олегов',
];
const TOWNS: Array<[string, string]> = [
  ['17', 'г. Черногорск'],
  ['10', 'г. Абакан'],
  ['20', 'г. Саяногорск'],
  ['25', 'г. Абаза'],
  ['12', 'г. Сорск'],
  ['15', 'с. Шира'],
  ['21', 'с. Аскиз'],
];
const STREETS = [
  'ул. Бограда',
  'пр-кт. Космонавтов',
  'ул. 30 лет Победы',
  'ул. Ленина',
  'ул. Советская',
  'ул. Щетинкина',
  'ул. Пушкина',
  'ул. Октябрьская',
  'ул. Юбилейная',
  'ул. Садовая',
  'ул. Линейная',
  'пер. Школьный',
];
const ZONES: ReadonlyArray<ReadonlyArray<[string, number]>> = [
  [['Электроэнергия', 112700]],
  [
    ['Электроэнергия, день', 131500],
    ['Электроэнергия, ночь', 78900],
  ],
  [
    ['Электроэнергия, пик', 157800],
    ['Электроэнергия, полупик', 112700],
    ['Электроэнергия, ночь', 78900],
  ],
];
const REASONS = [
  'передача показаний после закрытия месяца',
  'изменение числа проживающих',
  'поверка прибора учета',
  'корректировка тарифа',
];

/** A small deterministic generator (mulberry32), so runs compare like with like. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticBill(i: number): BillDocument {
  const r = prng(i * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

  const female = r() < 0.5;
  const [code, town] = pick(TOWNS);
  const account = `${code}${String(100000 + i).padStart(8, '0')}`.slice(0, 10);
  const objectAddress = `${town}, ${pick(STREETS)}, ${int(1, 180)}${r() < 0.6 ? `, кв. ${int(1, 240)}` : ''}`;
  const period = addMonths('2026-01', i % 12);
  const prev = addMonths(period, -1);

  const method = r() < 0.8 ? 'readings' : r() < 0.5 ? 'average' : 'norm';
  const zones = method === 'norm' ? (ZONES[0] ?? []) : pick(ZONES);
  const start = zones.map(() => int(1000, 90000));
  const used = zones.map(() => int(20, 400));
  const lines: BillLine[] = zones.map(([title, priceE5], z) => ({
    title,
    kwh: used[z] ?? 0,
    priceE5,
    amountKop: chargeKopecks(used[z] ?? 0, priceE5),
  }));
  const building = r() < 0.6 ? { totalKwh: int(5000, 40000), odnKwh: int(300, 4000) } : null;
  if (building) {
    const kwh = int(5, 40);
    lines.push({ title: 'ОДН', kwh, priceE5: 112700, amountKop: chargeKopecks(kwh, 112700) });
  }
  const recalculations = Array.from({ length: r() < 0.8 ? 0 : int(1, 4) }, (_, k) => ({
    period: addMonths(period, -1 - k),
    reason: pick(REASONS),
    amountKop: int(-30000, 30000),
  }));
  const chargedKop =
    lines.reduce((a, l) => a + l.amountKop, 0) + recalculations.reduce((a, x) => a + x.amountKop, 0);
  const debtStartKop = int(-150000, 150000);
  const paymentsKop = r() < 0.7 ? int(0, 200000) : 0;
  const debtEndKop = debtStartKop + chargedKop - paymentsKop;

  return {
    period,
    billedOn: lastDayOfPeriod(period),
    dueDate: `${addMonths(period, 1)}-10`,
    supplier: SUPPLIER,
    customer: {
      account,
      surname: pick(SURNAMES) + (female ? 'а' : ''),
      firstName: female ? pick(FEMALE) : pick(MALE),
      patronymic: pick(FATHERS) + (female ? 'на' : 'ич'),
      residents: int(1, 6),
      deliveryAddress: r() < 0.8 ? objectAddress : `${pick(TOWNS)[1]}, ${pick(STREETS)}, ${int(1, 99)}`,
      objectAddress,
      areaE2: int(1800, 12000),
    },
    method,
    meter:
      method === 'norm'
        ? null
        : {
            serial: String(int(100000, 99999999)),
            start: { date: `${prev}-${String(int(20, 28))}`, values: start },
            end:
              method === 'readings'
                ? {
                    date: `${period}-${String(int(20, 28))}`,
                    values: start.map((v, z) => v + (used[z] ?? 0)),
                  }
                : null,
          },
    lines,
    recalculations,
    debtStartKop,
    paymentsKop,
    chargedKop,
    debtEndKop,
    toPayKop: Math.max(0, debtEndKop),
    costBreakdown: chargedKop === 0 ? null : costBreakdown(chargedKop, DEMO_SHARES),
    building,
  };
}
