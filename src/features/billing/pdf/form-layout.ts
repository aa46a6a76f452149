/**
 * The shared frame of the bill and the slip: two parts of the same height (Извещение above,
 * Квитанция below, the seed's two-part form) split by a dashed cut line. Each part has a narrow
 * left column (the part's name, the QR code, the sum, "Кассир") and a wide right column.
 */
import { A4, type Sheet } from './pdf-draw.ts';

const MARGIN_X = 22;
const MARGIN_Y = 20;
const CUT_GAP = 18;

export const PART = {
  x: MARGIN_X,
  width: A4.width - 2 * MARGIN_X,
  /** Each part of the bill takes half the page. */
  billHeight: (A4.height - 2 * MARGIN_Y - CUT_GAP) / 2,
  leftWidth: 128,
  /** Side of the QR symbol; the left column leaves more than 4 modules of white around it. */
  qrSize: 112,
  qrTop: 30,
} as const;

/** Where the right column starts and how wide it is. */
export const RIGHT = {
  x: PART.x + PART.leftWidth + 8,
  width: PART.width - PART.leftWidth - 16,
} as const;

/** The top of each part for parts of the given height. */
export function partTops(height: number): [number, number] {
  return [MARGIN_Y, MARGIN_Y + height + CUT_GAP];
}

/** The frame, the column rule, and the part's name on top of the left column. */
export function drawPartFrame(sheet: Sheet, top: number, height: number, title: string): void {
  sheet.rect(PART.x, top, PART.width, height, 0.8);
  sheet.vline(PART.x + PART.leftWidth, top, top + height, 0.8);
  sheet.text(title, PART.x + 6, top + 9, {
    size: 12,
    bold: true,
    width: PART.leftWidth - 12,
    align: 'center',
  });
}

/** The dashed line between the parts. */
export function drawCutLine(sheet: Sheet, height: number): void {
  const y = MARGIN_Y + height + CUT_GAP / 2;
  const label = 'линия отреза';
  const mid = A4.width / 2;
  const w = sheet.measure(label, 6);
  sheet.dashedLine(MARGIN_X, mid - w / 2 - 6, y);
  sheet.dashedLine(mid + w / 2 + 6, A4.width - MARGIN_X, y);
  sheet.text(label, mid - w / 2, y - 3, { size: 6 });
}

/** The QR code centred in the left column, with a caption under it; returns the y below the caption. */
export function drawPartQr(sheet: Sheet, top: number, payload: string, caption: string): number {
  const x = PART.x + (PART.leftWidth - PART.qrSize) / 2;
  const y = top + PART.qrTop;
  sheet.qr(payload, x, y, PART.qrSize);
  sheet.text(caption, PART.x + 4, y + PART.qrSize + 4, {
    size: 6.5,
    width: PART.leftWidth - 8,
    align: 'center',
  });
  return y + PART.qrSize + 14;
}
