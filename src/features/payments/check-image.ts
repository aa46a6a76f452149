import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as Fontkit from 'fontkit';
import type * as ResvgJs from '@resvg/resvg-js';
import { formatDateRu } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/format.ts';
import { lazyRequire } from '../../platform/lazy.ts';
import { checkSvg, type SetText, type Weight } from './check-svg.tsx';

export { CHECK_HEIGHT, CHECK_WIDTH } from './check-svg.tsx';

/**
 * The seed's "электронный чек": an image with the payment's date, transaction number, account,
 * reading and sum, which the customer saves with "Сохранить картинку как…". Described as SVG
 * (check-svg.tsx) and rendered to a PNG by resvg; the texts are set in DejaVu Sans, the font
 * package the bills use, and no system font is loaded, so the image is the same on every machine.
 */
export interface CheckData {
  supplierName: string;
  /** "lk.example.ru": "Оплата банковской картой с сайта …" */
  site: string;
  /** 'sbp': "Оплата через СБП с сайта …"; a card otherwise. */
  method?: 'card' | 'sbp';
  date: string;
  orderNumber: string;
  accountNumber: string;
  reading: string | null;
  amountKop: number;
  authRefNum: string | null;
  approvalCode: string | null;
}

const resvg = lazyRequire<typeof ResvgJs>('@resvg/resvg-js');
const fontkit = lazyRequire<typeof Fontkit>('fontkit');

const require = createRequire(import.meta.url);
const FONT_FILES: Record<Weight, string> = {
  normal: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

/** The lines of the check, as text (also what the page's `alt` says). */
export function checkLines(c: CheckData): Array<[string, string]> {
  return [
    ['Дата платежа:', formatDateRu(c.date)],
    ['Номер транзакции:', c.orderNumber],
    ['Лицевой счет, показание:', c.reading ? `${c.accountNumber} ${c.reading}` : c.accountNumber],
    ['Сумма платежа (руб):', formatRubles(c.amountKop)],
    ...(c.approvalCode ? ([['Код авторизации:', c.approvalCode]] as Array<[string, string]>) : []),
    ...(c.authRefNum ? ([['RRN:', c.authRefNum]] as Array<[string, string]>) : []),
  ];
}

export function renderCheckPng(c: CheckData): Buffer {
  const svg = checkSvg(
    {
      supplierName: c.supplierName,
      site: c.site,
      way: c.method === 'sbp' ? 'Оплата через СБП' : 'Оплата банковской картой',
      lines: checkLines(c),
    },
    typeset,
  );
  return new (resvg().Resvg)(svg, { font: { loadSystemFonts: false }, logLevel: 'off' }).render().asPng();
}

// The texts reach resvg as outlines from fontkit, not as <text> with the font files: resvg-js
// 2.6.2 reads the whole font file again for every glyph it draws (thx/resvg-js issue #367), which
// made a check (some 300 glyphs of a 740 KB font) take 4 times as long as the rest of it.
let faces: Record<Weight, Fontkit.Font> | undefined;

function face(weight: Weight): Fontkit.Font {
  faces ??= {
    normal: fontkit().create(fs.readFileSync(FONT_FILES.normal)) as Fontkit.Font,
    bold: fontkit().create(fs.readFileSync(FONT_FILES.bold)) as Fontkit.Font,
  };
  return faces[weight];
}

function typeset(text: string, weight: Weight, size: number, width: number): SetText {
  const font = face(weight);
  const scale = size / font.unitsPerEm;
  let run = font.layout(text);
  for (let s = text; run.advanceWidth * scale > width && s.length > 1;) {
    s = s.slice(0, -1);
    run = font.layout(`${s}…`);
  }
  let pen = 0;
  const glyphs = run.glyphs.map((glyph, i) => {
    const at = run.positions[i]!;
    const placed = { x: pen + at.xOffset, y: at.yOffset, d: glyph.path.toSVG() };
    pen += at.xAdvance;
    return placed;
  });
  return { scale, glyphs };
}
