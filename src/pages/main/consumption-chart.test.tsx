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
  // The label reads every month with data, 0 kWh included; months without data are left out.
  const label = /aria-label="([^"]*)"/.exec(svg)?.[1] ?? '';
  assert.ok(label.startsWith('Потребление за 24 месяца. 2024-09: 0 кВт·ч; 2024-10: 130 кВт·ч;'), label);
  assert.equal(label.split('; ').length, 22);
  assert.doesNotMatch(svg, /2024-07:|2024-08:/);
});

test('axes: ticks at 0, half and a round maximum; every other month named, January with its year', () => {
  const svg = renderToString(<ConsumptionChart months={months()} />);
  const ticks = [...svg.matchAll(/text-anchor="end">(\d+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['0', '250', '500']); // the largest month is 330 kWh
  const labels = [...svg.matchAll(/text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(labels, [
    'июл 24',
    'сен',
    'ноя',
    'янв 25',
    'мар',
    'май',
    'июл',
    'сен',
    'ноя',
    'янв 26',
    'мар',
    'май',
  ]);
  // The second month has neither data nor a label: an empty group keeps one group per month.
  assert.equal((svg.match(/<g>/g) ?? []).length, 3 + 24);
  assert.ok(svg.includes('</text></g><g></g><g><text'));
});

test('the largest bar reaches the top of the plot and the baseline stays put', () => {
  const data = months();
  data[23] = { period: '2026-06', kwh: 500, estimated: false };
  const svg = renderToString(<ConsumptionChart months={data} />);
  assert.match(svg, /<rect x="[\d.]+" y="12" width="[\d.]+" height="174" class="bar"><title>2026-06: 500/);
  assert.doesNotMatch(svg, /\sstyle=|NaN|undefined/);
});
