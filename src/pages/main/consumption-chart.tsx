import type { MainPageModel } from './main.service.ts';
import { formatInteger } from '../../domain/format.ts';

const H = 220;
const PAD = { top: 12, bottom: 34 };
const PLOT_H = H - PAD.top - PAD.bottom;
const BASELINE = PAD.top + PLOT_H;
const LABEL_Y = H - PAD.bottom + 16;
/** The y axis' own column, in CSS pixels (its numbers are right-aligned to its edge). */
const AXIS_W = 44;
const MONTHS_SHORT = ['янв', 'фев', 'мар', 'апр', 'май', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'];
const MONTHS_FULL = [
  'январь',
  'февраль',
  'март',
  'апрель',
  'май',
  'июнь',
  'июль',
  'август',
  'сентябрь',
  'октябрь',
  'ноябрь',
  'декабрь',
];

/** A narrow screen names every sixth month: a label with its year is 42 px wide. */
const PHONE_STEP = 6;

type Month = MainPageModel['consumption'][number];

/**
 * kWh per month for the last 24 months, server-rendered (no script): months billed by readings
 * are solid bars, estimated ones (average or norm) hatched. Styled by classes (strict CSP).
 *
 * The picture is never scaled, so its labels keep their CSS size (12 px) on any screen: the bars
 * and the month labels are placed in percent of the plot's width, the numbers of the y axis are a
 * column of their own beside it, and on a narrow screen only every sixth month is named
 * (`.minor` labels are hidden). The same figures are a table under the picture, its text
 * alternative: a `<details>` that opens without script.
 */
export function ConsumptionChart({ months }: { months: Month[] }) {
  let maxKwh = 1;
  for (const m of months) {
    if (m.kwh !== null && m.kwh > maxKwh) {
      maxKwh = m.kwh;
    }
  }
  const max = niceMax(maxKwh);
  const yOf = (v: number) => BASELINE - (Math.max(0, v) / max) * PLOT_H;
  const ticks = [0, max / 2, max];
  return (
    <section class="panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Потребление по месяцам, кВт·ч</h2>
      <div
        class="chart"
        role="img"
        aria-label="Столбчатая диаграмма потребления за 24 месяца; те же цифры — в таблице под ней"
      >
        <svg class="chart-y" width={AXIS_W} height={H} aria-hidden="true">
          {ticks.map((t) => (
            <text x={AXIS_W - 6} y={r1(Math.round(yOf(t) * 10) / 10 + 4)} class="axis" text-anchor="end">
              {formatInteger(Math.round(t))}
            </text>
          ))}
        </svg>
        <Plot months={months} ticks={ticks} yOf={yOf} />
      </div>
      <p class="chart-legend">
        <span class="legend-item">
          <span class="swatch" aria-hidden="true"></span> по показаниям
        </span>
        <span class="legend-item">
          <span class="swatch estimated" aria-hidden="true"></span> расчётно (по среднему или по нормативу)
        </span>
      </p>
      <ChartTable months={months} />
    </section>
  );
}

/** The grid, the bars and the month labels, in percent of the plot's width. */
function Plot({ months, ticks, yOf }: { months: Month[]; ticks: number[]; yOf: (v: number) => number }) {
  const slot = 100 / months.length;
  const barW = r1(slot * 0.7);
  return (
    <svg class="consumption-chart" width="100%" height={H} aria-hidden="true">
      <defs>
        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" class="hatch-bg" />
          <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
        </pattern>
      </defs>
      {ticks.map((t) => (
        <line x1="0" x2="100%" y1={r1(yOf(t))} y2={r1(yOf(t))} class="grid" />
      ))}
      {months.map((m, i) => {
        const x = Math.round((i * slot + slot * 0.15) * 100) / 100;
        const label = axisLabel(months, i);
        return (
          <g>
            {m.kwh !== null && m.kwh > 0 && (
              <rect
                x={`${r1(x)}%`}
                y={r1(yOf(m.kwh))}
                width={`${barW}%`}
                height={r1(BASELINE - Math.round(yOf(m.kwh) * 10) / 10)}
                class={m.estimated ? 'bar estimated' : 'bar'}
              >
                <title>{barTitle(m)}</title>
              </rect>
            )}
            {label && (
              <text
                x={i === 0 ? '0' : `${r1(i * slot + slot / 2)}%`}
                y={LABEL_Y}
                class={label.minor ? 'axis minor' : 'axis'}
                text-anchor={i === 0 ? 'start' : 'middle'}
              >
                {label.text}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** The chart's figures as a table: every month with data, newest first. */
function ChartTable({ months }: { months: Month[] }) {
  const rows = months.filter((m) => m.kwh !== null).reverse();
  return (
    <details class="chart-data">
      <summary>Таблица потребления по месяцам</summary>
      <table id="consumption-table">
        <caption class="visually-hidden">Потребление по месяцам, кВт·ч</caption>
        <thead>
          <tr>
            <th scope="col">Месяц</th>
            <th scope="col" class="num">
              кВт·ч
            </th>
            <th scope="col">Как определено</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr>
              <th scope="row">{monthWords(m.period)}</th>
              <td class="num">{formatInteger(m.kwh ?? 0)}</td>
              <td>{m.estimated ? 'расчётно' : 'по показаниям'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** "май 2026" for "2026-05". */
function monthWords(period: string): string {
  return `${MONTHS_FULL[Number(period.slice(5, 7)) - 1]} ${period.slice(0, 4)}`;
}

/** A bar's tooltip, "2026-05: 810 кВт·ч". */
function barTitle(m: Month): string {
  return `${m.period}: ${formatInteger(m.kwh ?? 0)} кВт·ч${m.estimated ? ' (расчётно)' : ''}`;
}

/**
 * Every other month is named, and every sixth one also on a narrow screen (the others are
 * `minor`). The year is added to the first label, to January, and to a label a narrow screen
 * shows when the narrow screen's previous label was in another year.
 */
function axisLabel(months: Month[], i: number): { text: string; minor: boolean } | null {
  if (i % 2 !== 0) {
    return null;
  }
  const period = months[i]!.period;
  const month = Number(period.slice(5, 7));
  const minor = i % PHONE_STEP !== 0;
  const newYearOnPhone =
    !minor && i >= PHONE_STEP && months[i - PHONE_STEP]!.period.slice(0, 4) !== period.slice(0, 4);
  const withYear = i === 0 || month === 1 || newYearOnPhone;
  const name = MONTHS_SHORT[month - 1]!;
  return { text: withYear ? `${name} ${period.slice(2, 4)}` : name, minor };
}

/**
 * A coordinate to 0.1 as text, the same as `String(Math.round(v * 10) / 10)` for the chart's
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
