import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as Fontkit from 'fontkit';
import type * as ResvgJs from '@resvg/resvg-js';
import { formatDateRu } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/money.ts';
import { lazyRequire } from '../../platform/lazy.ts';
import { CHECK_FONT, checkSvg, type Weight } from './check-svg.tsx';

export { CHECK_HEIGHT, CHECK_WIDTH } from './check-svg.tsx';

/**
 * The seed's "электронный чек": an image with the payment's date, transaction number, account,
 * reading and sum, which the customer saves with "Сохранить картинку как…". Described as SVG
 * (check-svg.tsx) and rendered to a PNG by resvg in DejaVu Sans, the font package the bills use.
 * resvg is given those two files and no system fonts, so the image is the same on every machine.
 */
export interface CheckData {
  supplierName: string;
  /** "lk.example.ru": "Оплата банковской картой с сайта …" */
  site: string;
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
  const svg = checkSvg({ supplierName: c.supplierName, site: c.site, lines: checkLines(c) }, fit);
  const image = new (resvg().Resvg)(svg, {
    font: {
      loadSystemFonts: false,
      fontFiles: [FONT_FILES.normal, FONT_FILES.bold],
      defaultFontFamily: CHECK_FONT,
    },
    logLevel: 'off',
  });
  return image.render().asPng();
}

// resvg measures no text for its caller, so the widths come from fontkit's layout of the same
// files: both shape with the fonts' kerning, so a text that fits here fits in the image.
let faces: Record<Weight, Fontkit.Font> | undefined;

function face(weight: Weight): Fontkit.Font {
  faces ??= {
    normal: fontkit().create(fs.readFileSync(FONT_FILES.normal)) as Fontkit.Font,
    bold: fontkit().create(fs.readFileSync(FONT_FILES.bold)) as Fontkit.Font,
  };
  return faces[weight];
}

function width(text: string, weight: Weight, size: number): number {
  const font = face(weight);
  return (font.layout(text).advanceWidth * size) / font.unitsPerEm;
}

function fit(text: string, weight: Weight, size: number, max: number): string {
  if (width(text, weight, size) <= max) {
    return text;
  }
  let s = text;
  while (s.length > 1 && width(`${s}…`, weight, size) > max) {
    s = s.slice(0, -1);
  }
  return `${s}…`;
}
