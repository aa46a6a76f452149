import fs from 'node:fs';
import { createRequire } from 'node:module';
import { formatDateRu } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/money.ts';
import { drawText, loadFont, measure, Raster, type Rgb } from './png.ts';

/**
 * The seed's "электронный чек": an image with the payment's date, transaction number, account,
 * reading and sum, which the customer saves with "Сохранить картинку как…". Drawn server-side as
 * a PNG in DejaVu Sans (the font package the bills use, read here, not shared).
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

export const CHECK_WIDTH = 640;
export const CHECK_HEIGHT = 400;

let fonts: { regular: ReturnType<typeof loadFont>; bold: ReturnType<typeof loadFont> } | undefined;

function checkFonts() {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    const read = (f: string) => fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${f}`));
    fonts = { regular: loadFont(read('DejaVuSans.ttf')), bold: loadFont(read('DejaVuSans-Bold.ttf')) };
  }
  return fonts;
}

const INK: Rgb = [33, 37, 41];
const MUTED: Rgb = [95, 99, 104];
const BRAND: Rgb = [0, 86, 145];
const OK: Rgb = [27, 122, 52];
const WHITE: Rgb = [255, 255, 255];

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
  const { regular, bold } = checkFonts();
  const r = new Raster(CHECK_WIDTH, CHECK_HEIGHT);
  // Frame and header band.
  r.fillRect(0, 0, CHECK_WIDTH, 2, BRAND);
  r.fillRect(0, CHECK_HEIGHT - 2, CHECK_WIDTH, 2, BRAND);
  r.fillRect(0, 0, 2, CHECK_HEIGHT, BRAND);
  r.fillRect(CHECK_WIDTH - 2, 0, 2, CHECK_HEIGHT, BRAND);
  r.fillRect(0, 0, CHECK_WIDTH, 56, BRAND);
  drawText(r, bold, fit(bold, c.supplierName, 22, CHECK_WIDTH - 48), 24, 36, 22, WHITE);

  drawText(r, bold, 'Электронный чек', 24, 92, 18, INK);
  drawText(
    r,
    regular,
    fit(regular, `Оплата банковской картой с сайта ${c.site}`, 14, CHECK_WIDTH - 48),
    24,
    118,
    14,
    MUTED,
  );

  let y = 160;
  for (const [label, value] of checkLines(c)) {
    drawText(r, regular, label, 24, y, 16, MUTED);
    drawText(r, bold, fit(bold, value, 16, CHECK_WIDTH - 290), 262, y, 16, INK);
    y += 30;
  }
  drawText(r, bold, 'Запрос успешно обработан', 24, Math.max(y + 10, 346), 18, OK);
  drawText(
    r,
    regular,
    'Деньги зачисляются на лицевой счёт на второй рабочий день после платежа.',
    24,
    CHECK_HEIGHT - 18,
    12,
    MUTED,
  );
  return r.toPng();
}

/** Shortens text with "…" until it fits `width` pixels. */
function fit(font: ReturnType<typeof loadFont>, text: string, size: number, width: number): string {
  if (measure(font, text, size) <= width) {
    return text;
  }
  let s = text;
  while (s.length > 1 && measure(font, `${s}…`, size) > width) {
    s = s.slice(0, -1);
  }
  return `${s}…`;
}
