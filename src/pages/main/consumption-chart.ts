import type { MainPageModel } from './main.service.ts';
import { html, type Html } from '../../platform/views/html.ts';

const W = 720;
const H = 220;
const PAD = { left: 48, right: 8, top: 12, bottom: 34 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const BASELINE = PAD.top + PLOT_H;
const LABEL_Y = H - PAD.bottom + 14;
const EMPTY_G = html`<g></g>`;
const MONTHS_SHORT = ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'];

/**
 * kWh per month for the last 24 months as a server-rendered SVG (no script): months billed by
 * readings are solid, estimated ones (average or norm) hatched. Styled by classes (strict CSP).
 */
export function consumptionChart(months: MainPageModel['consumption']): Html {
  let maxKwh = 1;
  for (const m of months) {
    if (m.kwh !== null && m.kwh > maxKwh) {
      maxKwh = m.kwh;
    }
  }
  const max = niceMax(maxKwh);
  const slot = PLOT_W / months.length;
  const barW = r1(slot * 0.7);
  // Coordinates to 0.1 px: shorter markup, the same picture.
  const yOf = (v: number) => BASELINE - (Math.max(0, v) / max) * PLOT_H;
  const y = (v: number) => r1(yOf(v));
  const ticks = [0, max / 2, max].map(
    (t) =>
      html`<g><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" class="grid"></line><text x="${PAD.left - 6}" y="${r1(Math.round(yOf(t) * 10) / 10 + 4)}" class="axis" text-anchor="end">${Math.round(t)}</text></g>`,
  );
  // One template per month, its parts chosen beforehand: the chart has 24 of them on every view.
  const titles: string[] = [];
  const bars = months.map((m, i) => {
    const xNum = Math.round((PAD.left + i * slot + slot * 0.15) * 10) / 10;
    const x = r1(xNum);
    const month = Number(m.period.slice(5, 7));
    const label =
      i % 2 !== 0
        ? ''
        : month === 1 || i === 0
          ? `${MONTHS_SHORT[month - 1]} ${m.period.slice(2, 4)}`
          : MONTHS_SHORT[month - 1];
    const labelX = r1(xNum + slot * 0.35);
    if (m.kwh === null) {
      return label
        ? html`<g><text x="${labelX}" y="${LABEL_Y}" class="axis" text-anchor="middle">${label}</text></g>`
        : EMPTY_G;
    }
    const title = `${m.period}: ${m.kwh} кВт·ч${m.estimated ? ' (расчётно)' : ''}`;
    titles.push(title);
    const bar =
      m.kwh > 0
        ? html`<rect x="${x}" y="${y(m.kwh)}" width="${barW}" height="${r1(BASELINE - Math.round(yOf(m.kwh) * 10) / 10)}" class="${m.estimated ? 'bar estimated' : 'bar'}"><title>${title}</title></rect>`
        : '';
    return label
      ? html`<g>${bar}<text x="${labelX}" y="${LABEL_Y}" class="axis" text-anchor="middle">${label}</text></g>`
      : html`<g>${bar}</g>`;
  });
  return html`<section class="panel" aria-labelledby="chart-title"><h2 id="chart-title">Потребление по месяцам, кВт·ч</h2><svg class="consumption-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${`Потребление за 24 месяца. ${titles.join('; ')}`}"><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"></rect><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"></line></pattern></defs>${ticks}${bars}</svg><p class="chart-legend"><span class="legend-item"><span class="swatch" aria-hidden="true"></span> по показаниям</span><span class="legend-item"><span class="swatch estimated" aria-hidden="true"></span> расчётно (по среднему или по нормативу)</span></p></section>`;
}

/**
 * A coordinate to 0.1 px as text, the same as `String(Math.round(v * 10) / 10)` for the chart's
 * non-negative values: a chart has about 120 of them and printing fractions is slow.
 */
function r1(v: number): string {
  const tenths = Math.round(v * 10);
  const whole = Math.trunc(tenths / 10);
  const frac = tenths - whole * 10;
  return frac === 0 ? String(whole) : `${whole}.${frac}`;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v) {
      return m * p;
    }
  }
  return 10 * p;
}
