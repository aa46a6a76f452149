import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToString } from 'preact-render-to-string';
import { ConsumptionChart } from './consumption-chart.tsx';
import type { MainPageModel } from './main.service.ts';

type Months = MainPageModel['consumption'];

/** 24 months from 2024-07: none for the first two, 0 kWh in the third, August 2025 estimated. */
function months(): Months {
  return Array.from({ length: 24 }, (_, i) => {
    const y = 2024 + Math.floor((6 + i) / 12);
    const period = `${y}-${String(((6 + i) % 12) + 1).padStart(2, '0')}`;
    if (i < 2) {
      return { period, kwh: null, estimated: false };
    }
    return { period, kwh: i === 2 ? 0 : 100 + i * 10, estimated: period === '2025-08' };
  });
}

test('one bar per month with consumption, estimated months hatched, each with its figure', () => {
  const svg = renderToString(<ConsumptionChart months={months()} />);
  assert.equal((svg.match(/<rect [^>]*class="bar"/g) ?? []).length, 20);
  assert.equal((svg.match(/<rect [^>]*class="bar estimated"/g) ?? []).length, 1);
  assert.match(svg, /<title>2025-08: 230 кВт·ч \(расчётно\)<\/title>/);
  assert.match(svg, /<title>2026-06: 330 кВт·ч<\/title>/);
  // The pictures are hidden from screen readers: one image, named, that points to the table.
  assert.match(svg, /<div class="chart" role="img" aria-label="[^"]*в таблице под ней">/);
  assert.equal((svg.match(/<svg [^>]*aria-hidden="true"/g) ?? []).length, 2);
});

test('the text alternative: a table of every month with data, newest first, 0 kWh included', () => {
  const html = renderToString(<ConsumptionChart months={months()} />);
  const table =
    /<details class="chart-data"><summary>Таблица потребления по месяцам<\/summary>(.*)<\/details>/.exec(
      html,
    )?.[1];
  assert.ok(table, html);
  const rows = [
    ...table.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="num">(\d+)<\/td><td>([^<]+)<\/td><\/tr>/g),
  ].map((m) => `${m[1]}|${m[2]}|${m[3]}`);
  assert.equal(rows.length, 22, 'the two months without data are left out');
  assert.equal(rows[0], 'июнь 2026|330|по показаниям');
  assert.ok(rows.includes('август 2025|230|расчётно'), rows.join('\n'));
  assert.equal(rows.at(-1), 'сентябрь 2024|0|по показаниям');
});

test('axes: ticks at 0, half and a round maximum; every other month named, every sixth on a phone', () => {
  const svg = renderToString(<ConsumptionChart months={months()} />);
  const ticks = [...svg.matchAll(/text-anchor="end">(\d+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['0', '250', '500']); // the largest month is 330 kWh
  const labels = [
    ...svg.matchAll(/class="axis( minor)?" text-anchor="(?:start|middle)">([^<]+)<\/text>/g),
  ].map((m) => `${m[2]}${m[1] ? '' : '*'}`);
  // * marks the labels a phone shows too; each of them has its year when it differs from the last one's.
  assert.deepEqual(labels, [
    'июл 24*',
    'сен',
    'ноя',
    'янв 25*',
    'мар',
    'май',
    'июл*',
    'сен',
    'ноя',
    'янв 26*',
    'мар',
    'май',
  ]);
  // The second month has neither data nor a label: an empty group keeps one group per month.
  assert.equal((svg.match(/<g>/g) ?? []).length, 24);
  assert.ok(svg.includes('</text></g><g></g><g><text'));
});

test('the largest bar reaches the top of the plot and the baseline stays put', () => {
  const data = months();
  data[23] = { period: '2026-06', kwh: 500, estimated: false };
  const svg = renderToString(<ConsumptionChart months={data} />);
  assert.match(svg, /<rect x="[\d.]+%" y="12" width="[\d.]+%" height="174" class="bar"><title>2026-06: 500/);
  assert.doesNotMatch(svg, /\sstyle=|NaN|undefined/);
});
