import { renderToString } from 'preact-render-to-string';

/**
 * The electronic check's picture as SVG markup, which check-image.ts hands to resvg. Preact
 * escapes every text it renders, so a supplier name or a bank's code with `<`, `&` or `"` stays
 * text. Positions are in pixels of the 640 × 400 image; a text's y is its baseline.
 */

export const CHECK_WIDTH = 640;
export const CHECK_HEIGHT = 400;

/** The one family check-image.ts gives resvg (regular and bold faces). */
export const CHECK_FONT = 'DejaVu Sans';

export type Weight = 'normal' | 'bold';

/** Shortens `text` (with "…") until it is at most `width` pixels wide in that face and size. */
export type Fit = (text: string, weight: Weight, size: number, width: number) => string;

export interface CheckText {
  supplierName: string;
  site: string;
  lines: Array<[string, string]>;
}

const INK = '#212529';
const MUTED = '#5f6368';
const BRAND = '#005691';
const OK = '#1b7a34';
const WHITE = '#ffffff';

const MARGIN = 24;
const VALUE_X = 262;
const VALUE_WIDTH = CHECK_WIDTH - 290;

function Text(p: { x: number; y: number; size: number; weight: Weight; fill: string; children: string }) {
  return (
    <text x={p.x} y={p.y} font-size={p.size} font-weight={p.weight} fill={p.fill}>
      {p.children}
    </text>
  );
}

export function checkSvg(t: CheckText, fit: Fit): string {
  const wide = CHECK_WIDTH - 2 * MARGIN;
  const rows = t.lines.map(([label, value], i) => {
    const y = 160 + 30 * i;
    return (
      <>
        <Text x={MARGIN} y={y} size={16} weight="normal" fill={MUTED}>
          {label}
        </Text>
        <Text x={VALUE_X} y={y} size={16} weight="bold" fill={INK}>
          {fit(value, 'bold', 16, VALUE_WIDTH)}
        </Text>
      </>
    );
  });
  const outcomeY = Math.max(160 + 30 * t.lines.length + 10, 346);
  return renderToString(
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={CHECK_WIDTH}
      height={CHECK_HEIGHT}
      viewBox={`0 0 ${CHECK_WIDTH} ${CHECK_HEIGHT}`}
      font-family={CHECK_FONT}
    >
      <rect width={CHECK_WIDTH} height={CHECK_HEIGHT} fill={WHITE} />
      <rect width={CHECK_WIDTH} height={56} fill={BRAND} />
      <rect
        x={1}
        y={1}
        width={CHECK_WIDTH - 2}
        height={CHECK_HEIGHT - 2}
        fill="none"
        stroke={BRAND}
        stroke-width={2}
      />
      <Text x={MARGIN} y={36} size={22} weight="bold" fill={WHITE}>
        {fit(t.supplierName, 'bold', 22, wide)}
      </Text>
      <Text x={MARGIN} y={92} size={18} weight="bold" fill={INK}>
        Электронный чек
      </Text>
      <Text x={MARGIN} y={118} size={14} weight="normal" fill={MUTED}>
        {fit(`Оплата банковской картой с сайта ${t.site}`, 'normal', 14, wide)}
      </Text>
      {rows}
      <Text x={MARGIN} y={outcomeY} size={18} weight="bold" fill={OK}>
        Запрос успешно обработан
      </Text>
      <Text x={MARGIN} y={CHECK_HEIGHT - 18} size={12} weight="normal" fill={MUTED}>
        Деньги зачисляются на лицевой счёт на второй рабочий день после платежа.
      </Text>
    </svg>,
  );
}
