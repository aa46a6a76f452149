import { renderToString } from 'preact-render-to-string';

/**
 * The electronic check's picture as SVG markup, which check-image.ts hands to resvg. Each text is
 * drawn from the glyph outlines `Typeset` gives it (check-image.ts says why not as <text>), so no
 * supplier name or bank code reaches the markup as characters. Positions are in pixels of the
 * 640 × 400 image; a text's y is its baseline, and every text ends by the right margin.
 */

export const CHECK_WIDTH = 640;
export const CHECK_HEIGHT = 400;

export type Weight = 'normal' | 'bold';

/** A text laid out in a face: each glyph's outline (SVG path data in font units, y up) and place. */
export interface SetText {
  /** Pixels per font unit. */
  scale: number;
  glyphs: Array<{ x: number; y: number; d: string }>;
}

/** Lays `text` out in `size` pixels, shortened with "…" to at most `width` pixels. */
export type Typeset = (text: string, weight: Weight, size: number, width: number) => SetText;

export interface CheckText {
  supplierName: string;
  site: string;
  /** "Оплата банковской картой", "Оплата через СБП". */
  way: string;
  lines: Array<[string, string]>;
}

const INK = '#212529';
const MUTED = '#5f6368';
const BRAND = '#005691';
const OK = '#1b7a34';
const WHITE = '#ffffff';

const MARGIN = 24;
const VALUE_X = 262;

interface TextProps {
  x: number;
  y: number;
  size: number;
  weight: Weight;
  fill: string;
  children: string;
}

export function checkSvg(t: CheckText, typeset: Typeset): string {
  const Text = (p: TextProps) => {
    const set = typeset(p.children, p.weight, p.size, CHECK_WIDTH - MARGIN - p.x);
    return (
      <g transform={`translate(${p.x} ${p.y}) scale(${set.scale} ${-set.scale})`} fill={p.fill}>
        {set.glyphs.map((g) => g.d && <path transform={`translate(${g.x} ${g.y})`} d={g.d} />)}
      </g>
    );
  };
  const rows = t.lines.map(([label, value], i) => {
    const y = 160 + 30 * i;
    return (
      <>
        <Text x={MARGIN} y={y} size={16} weight="normal" fill={MUTED}>
          {label}
        </Text>
        <Text x={VALUE_X} y={y} size={16} weight="bold" fill={INK}>
          {value}
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
        {t.supplierName}
      </Text>
      <Text x={MARGIN} y={92} size={18} weight="bold" fill={INK}>
        Электронный чек
      </Text>
      <Text x={MARGIN} y={118} size={14} weight="normal" fill={MUTED}>
        {`${t.way} с сайта ${t.site}`}
      </Text>
      {rows}
      <Text x={MARGIN} y={outcomeY} size={18} weight="bold" fill={OK}>
        Запрос успешно обработан
      </Text>
      <Text x={MARGIN} y={CHECK_HEIGHT - 18} size={12} weight="normal" fill={MUTED}>
        Платёж зачислен на лицевой счёт и виден в истории платежей Личного кабинета.
      </Text>
    </svg>,
  );
}
