import type { MainPageModel } from './cabinet.service.ts';
import { html, type Html } from '../views/html.ts';

const W = 720;
const H = 220;
const PAD = { left: 48, right: 8, top: 12, bottom: 34 };
const MONTHS_SHORT = ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'];

/**
 * kWh per month for the last 24 months as a server-rendered SVG (no script): months billed by
 * readings are solid, estimated ones (average or norm) hatched. Styled by classes (strict CSP).
 */
export function consumptionChart(months: MainPageModel['consumption']): Html {
  let maxKwh = 1;
  for (const m of months) if (m.kwh !== null && m.kwh > maxKwh) maxKwh = m.kwh;
  const max = niceMax(maxKwh);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / months.length;
  // Coordinates to 0.1 px: shorter markup, the same picture.
  const y = (v: number) => r1(PAD.top + plotH - (Math.max(0, v) / max) * plotH);
  const ticks = [0, max / 2, max];
  const titleOf = (m: { period: string; kwh: number; estimated: boolean }) =>
    `${m.period}: ${m.kwh} кВт·ч${m.estimated ? ' (расчётно)' : ''}`;
  const summary = months.flatMap((m) => (m.kwh === null ? [] : [titleOf(m)])).join('; ');
  return html`<section class="panel" aria-labelledby="chart-title"><h2 id="chart-title">Потребление по месяцам, кВт·ч</h2><svg class="consumption-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${`Потребление за 24 месяца. ${summary}`}"><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"></rect><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"></line></pattern></defs>${ticks.map(
    (t) =>
      html`<g><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" class="grid"></line><text x="${PAD.left - 6}" y="${y(t) + 4}" class="axis" text-anchor="end">${Math.round(t)}</text></g>`,
  )}${months.map((m, i) => {
    const x = r1(PAD.left + i * slot + slot * 0.15);
    const month = Number(m.period.slice(5, 7));
    const label =
      month === 1 || i === 0 ? `${MONTHS_SHORT[month - 1]} ${m.period.slice(2, 4)}` : MONTHS_SHORT[month - 1];
    return html`<g>${
      m.kwh !== null &&
      m.kwh > 0 &&
      html`<rect x="${x}" y="${y(m.kwh)}" width="${r1(slot * 0.7)}" height="${r1(PAD.top + plotH - y(m.kwh))}" class="${
        m.estimated ? 'bar estimated' : 'bar'
      }"><title>${titleOf(m)}</title></rect>`
    }${i % 2 === 0 && html`<text x="${r1(x + slot * 0.35)}" y="${H - PAD.bottom + 14}" class="axis" text-anchor="middle">${label}</text>`}</g>`;
  })}</svg><p class="chart-legend"><span class="legend-item"><span class="swatch" aria-hidden="true"></span> по показаниям</span><span class="legend-item"><span class="swatch estimated" aria-hidden="true"></span> расчётно (по среднему или по нормативу)</span></p></section>`;
}

function r1(v: number): number {
  return Math.round(v * 10) / 10;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
