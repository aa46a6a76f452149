import type { MainPageModel } from './main.service.ts';
import { formatInteger } from '../../domain/format.ts';

const W = 720;
const H = 220;
const PAD = { left: 48, right: 8, top: 12, bottom: 34 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;
const BASELINE = PAD.top + PLOT_H;
const LABEL_Y = H - PAD.bottom + 14;
const MONTHS_SHORT = ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'];

type Month = MainPageModel['consumption'][number];

/**
 * kWh per month for the last 24 months as a server-rendered SVG (no script): months billed by
 * readings are solid, estimated ones (average or norm) hatched. Styled by classes (strict CSP).
 */
export function ConsumptionChart({ months }: { months: Month[] }) {
  let maxKwh = 1;
  for (const m of months) {
    if (m.kwh !== null && m.kwh > maxKwh) {
      maxKwh = m.kwh;
    }
  }
  const max = niceMax(maxKwh);
  const slot = PLOT_W / months.length;
  const barW = r1(slot * 0.7);
  const yOf = (v: number) => BASELINE - (Math.max(0, v) / max) * PLOT_H;
  const titles = months.map(barTitle);
  const label = `Потребление за 24 месяца. ${titles.filter((t) => t !== null).join('; ')}`;
  return (
    <section class="panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Потребление по месяцам, кВт·ч</h2>
      <svg class="consumption-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <defs>
          <pattern
            id="hatch"
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" class="hatch-bg" />
            <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
          </pattern>
        </defs>
        {[0, max / 2, max].map((t) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={r1(yOf(t))} y2={r1(yOf(t))} class="grid" />
            <text x={PAD.left - 6} y={r1(Math.round(yOf(t) * 10) / 10 + 4)} class="axis" text-anchor="end">
              {formatInteger(Math.round(t))}
            </text>
          </g>
        ))}
        {months.map((m, i) => {
          // Coordinates to 0.1 px: shorter markup, the same picture.
          const x = Math.round((PAD.left + i * slot + slot * 0.15) * 10) / 10;
          const title = titles[i];
          const text = axisLabel(m.period, i);
          return (
            <g>
              {m.kwh !== null && m.kwh > 0 && (
                <rect
                  x={r1(x)}
                  y={r1(yOf(m.kwh))}
                  width={barW}
                  height={r1(BASELINE - Math.round(yOf(m.kwh) * 10) / 10)}
                  class={m.estimated ? 'bar estimated' : 'bar'}
                >
                  <title>{title}</title>
                </rect>
              )}
              {text && (
                <text x={r1(x + slot * 0.35)} y={LABEL_Y} class="axis" text-anchor="middle">
                  {text}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <p class="chart-legend">
        <span class="legend-item">
          <span class="swatch" aria-hidden="true"></span> по показаниям
        </span>
        <span class="legend-item">
          <span class="swatch estimated" aria-hidden="true"></span> расчётно (по среднему или по нормативу)
        </span>
      </p>
    </section>
  );
}

/** A bar's tooltip, "2026-05: 810 кВт·ч"; null for a month without data. */
function barTitle(m: Month): string | null {
  return m.kwh === null
    ? null
    : `${m.period}: ${formatInteger(m.kwh)} кВт·ч${m.estimated ? ' (расчётно)' : ''}`;
}

/** Every other month is labelled; January and the first month with the year. */
function axisLabel(period: string, i: number): string {
  if (i % 2 !== 0) {
    return '';
  }
  const month = Number(period.slice(5, 7));
  return month === 1 || i === 0
    ? `${MONTHS_SHORT[month - 1]} ${period.slice(2, 4)}`
    : MONTHS_SHORT[month - 1]!;
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
