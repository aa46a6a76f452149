/**
 * The month's bill as a one-page PDF: the seed's two-part form (Извещение, Квитанция) with the
 * same data twice, and the GOST payment QR code on the Квитанция. Every figure comes computed in
 * the BillDocument; this file only formats and places it.
 */
import type { BillDocument, BillLine } from './bill.model.ts';
import { formatInteger, formatRubles, formatTariff } from '../../../domain/format.ts';
import { formatDateRu } from '../../../domain/dates.ts';
import { billQrPayload } from './bill-qr.ts';
import {
  costBreakdownPieces,
  formatArea,
  fullName,
  isOdnLine,
  methodLine,
  otherRecalculationsText,
  periodForBill,
  recalculationsEffect,
  recalculationText,
  requisiteLines,
} from './bill-text.ts';
import { Sheet } from './pdf-draw.ts';
import { embeddedFonts, type FontPair } from './pdf-fonts.ts';
import { drawCutLine, drawPartFrame, drawPartQr, PART, partTops, RIGHT } from './form-layout.ts';

export interface RenderOptions {
  fonts: FontPair;
  /** Draw the QR code (off only for the speed baseline in bench/). */
  qr: boolean;
}

export async function renderBillPdf(bill: BillDocument): Promise<Buffer> {
  return renderBillPdfWith(bill, { fonts: embeddedFonts(), qr: true });
}

/** renderBillPdf with the fonts and the QR code chosen: bench/pdf.ts renders its baseline with it. */
export async function renderBillPdfWith(bill: BillDocument, options: RenderOptions): Promise<Buffer> {
  // The payload is built (and validated) before drawing, so bad requisites fail fast.
  const payload = options.qr ? billQrPayload(bill) : null;
  const sheet = new Sheet(options.fonts, {
    title: `Квитанция за ${periodForBill(bill.period)}, л/с ${bill.customer.account}`,
    createdOn: bill.billedOn,
  });
  const [top1, top2] = partTops(PART.billHeight);
  drawPart(sheet, bill, top1, 'Извещение', null);
  drawCutLine(sheet, PART.billHeight);
  drawPart(sheet, bill, top2, 'Квитанция', payload);
  return sheet.finish();
}

/** At most this many recalculations get a row each; the rest are summed into one row. */
const MAX_RECALC_ROWS = 3;

function drawPart(
  sheet: Sheet,
  bill: BillDocument,
  top: number,
  title: string,
  qrPayload: string | null,
): void {
  const height = PART.billHeight;
  drawPartFrame(sheet, top, height, title);
  drawLeftSummary(sheet, bill, top, qrPayload);
  sheet.text('Кассир', PART.x + 8, top + height - 16, { size: 8 });

  const x = RIGHT.x;
  const w = RIGHT.width;
  requisiteLines(bill.supplier).forEach((line, i) => {
    sheet.text(line, x, top + 6 + i * 10.5, { size: i === 0 ? 8 : 7.5, bold: i === 0, width: w });
  });
  sheet.hline(PART.x + PART.leftWidth, PART.x + PART.width, top + 60, 0.5);

  const c = bill.customer;
  const codeW = 160;
  sheet.text(`Код абонента: ${c.account}`, x + w - codeW, top + 66, {
    size: 10,
    bold: true,
    width: codeW,
    align: 'right',
  });
  sheet.text(`ФИО: ${fullName(c)}`, x, top + 66, { size: 9.5, bold: true, width: w - codeW - 6 });
  sheet.text(`Адрес доставки: ${c.deliveryAddress}`, x, top + 80, { size: 9, width: w });
  const factsW = 165;
  sheet.text(
    `Проживающих: ${formatInteger(c.residents)}   Площадь: ${formatArea(c.areaE2)} м²`,
    x + w - factsW,
    top + 93,
    {
      size: 9,
      width: factsW,
      align: 'right',
    },
  );
  sheet.text(`Адрес объекта: ${c.objectAddress}`, x, top + 93, { size: 9, width: w - factsW - 6 });
  sheet.text(methodLine(bill), x, top + 109, { size: 9.5, bold: true, width: w });

  // What sits under the table, from the payer's boxes up, decides how tall its rows may be.
  const payerTop = top + height - 40;
  const effect = recalculationsEffect(bill.recalculations);
  const breakdown = breakdownLines(sheet, costBreakdownPieces(bill), w);
  const below =
    (effect === null ? 0 : SMALL_LINE) +
    TOTALS_HEIGHT +
    8 +
    breakdown.length * SMALL_LINE +
    16 +
    (bill.building ? 14 : 0) +
    14;
  let y = drawChargesTable(sheet, bill, x, top + 125, w, payerTop - below);
  if (effect !== null) {
    sheet.text(effect, x, y + 2.5, { size: 7.5, bold: true, width: w });
    y += SMALL_LINE;
  }
  y = drawTotals(sheet, bill, x, y + 8, w);
  breakdown.forEach((line, i) => {
    sheet.text(line, x, y + 2.5 + i * SMALL_LINE, { size: 7, width: w });
  });
  y += breakdown.length * SMALL_LINE;
  sheet.text(`Срок оплаты: до ${formatDateRu(bill.dueDate)}`, x, y + 5, { size: 9, bold: true, width: w });
  y += 20;
  if (bill.building) {
    sheet.text(
      `Объем электроэнергии, поставленной в дом, определенный по общедомовому счетчику: ${formatInteger(bill.building.totalKwh)} кВтч, в т.ч. ОДН: ${formatInteger(bill.building.odnKwh)} кВтч`,
      x,
      y,
      { size: 7.5, width: w },
    );
  }
  drawPayerBoxes(sheet, x, payerTop, w);
}

/** The height of one line of small print under the table. */
const SMALL_LINE = 9.5;

/**
 * The cost breakdown's pieces packed into at most two lines of the given width at 7 pt (a piece
 * is never split; whatever does not fit goes on the last line, which then shrinks).
 */
function breakdownLines(sheet: Sheet, pieces: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    const tryLine = line === '' ? piece : `${line} ${piece}`;
    if (line !== '' && lines.length === 0 && sheet.measure(tryLine, 7) > width) {
      lines.push(line);
      line = piece;
    } else {
      line = tryLine;
    }
  }
  return line === '' ? lines : [...lines, line];
}

/** The left column under the part's name: the QR (Квитанция only), then what to pay and by when. */
function drawLeftSummary(sheet: Sheet, bill: BillDocument, top: number, qrPayload: string | null): void {
  const y =
    qrPayload === null ? top + 40 : drawPartQr(sheet, top, qrPayload, 'Оплата по QR-коду в приложении банка');
  const x = PART.x + 6;
  const w = PART.leftWidth - 12;
  sheet.text('Итого к оплате:', x, y + 6, { size: 8, width: w, align: 'center' });
  sheet.text(`${formatRubles(bill.toPayKop)} руб.`, x, y + 17, {
    size: 12,
    bold: true,
    width: w,
    align: 'center',
  });
  sheet.text(`до ${formatDateRu(bill.dueDate)}`, x, y + 33, { size: 8, width: w, align: 'center' });
}

const COLS = [84, 46, 44, 36, 44, 36, 28, 38] as const; // the last column takes the rest

interface Row {
  cells: string[];
  bold?: boolean;
  /** A row whose first cell spans every column but the last (recalculations). */
  spanned?: boolean;
}

function drawChargesTable(
  sheet: Sheet,
  bill: BillDocument,
  x: number,
  y: number,
  w: number,
  maxBottom: number,
): number {
  const widths = [...COLS, w - COLS.reduce((a, b) => a + b, 0)];
  const xs = widths.reduce<number[]>((acc, cw, i) => [...acc, (acc[i] ?? x) + cw], [x]);
  const at = (i: number): number => xs[i] ?? x;
  const h1 = 12;
  const h2 = 11;

  // Two header rows: groups, then the columns under them.
  const head = { size: 7, bold: true, align: 'center' as const };
  sheet.rect(x, y, w, h1 + h2);
  const span = (from: number, to: number) => ({ ...head, width: to - from - 4 });
  sheet.text('Услуга', at(0) + 2, y + 7.5, span(at(0), at(1)));
  sheet.text('№ счетчика', at(1) + 2, y + 7.5, span(at(1), at(2)));
  sheet.text('Показания на начало', at(2) + 2, y + 3, span(at(2), at(4)));
  sheet.text('Показания на конец', at(4) + 2, y + 3, span(at(4), at(6)));
  sheet.text('Начислено в расчетном периоде', at(6) + 2, y + 3, span(at(6), x + w));
  sheet.hline(at(2), x + w, y + h1);
  const sub = ['дата', 'значение', 'дата', 'значение', 'кВтч', 'тариф, руб.', 'сумма, руб.'];
  sub.forEach((s, i) =>
    sheet.text(s, at(i + 2) + 2, y + h1 + 2.5, { size: 7, width: (widths[i + 2] ?? 0) - 4, align: 'center' }),
  );
  for (let i = 1; i < widths.length; i++) {
    const fromY = i === 3 || i === 5 || i === 7 || i === 8 ? y + h1 : y;
    sheet.vline(at(i), fromY, y + h1 + h2);
  }

  const rows = chargeRows(bill);
  let ry = y + h1 + h2;
  // Rows shrink (with their text) only when a bill has unusually many lines.
  const rowH = Math.max(8, Math.min(13, (maxBottom - ry) / rows.length));
  const size = Math.min(7.5, rowH - 4);
  const pad = (rowH - size) / 2 - 0.5;
  for (const row of rows) {
    sheet.rect(x, ry, w, rowH);
    if (row.spanned) {
      sheet.text(row.cells[0] ?? '', at(0) + 3, ry + pad, { size, bold: row.bold, width: at(8) - at(0) - 6 });
      sheet.vline(at(8), ry, ry + rowH);
      sheet.text(row.cells[1] ?? '', at(8), ry + pad, {
        size,
        bold: row.bold,
        width: (widths[8] ?? 0) - 3,
        align: 'right',
      });
    } else {
      row.cells.forEach((cell, i) => {
        if (i > 0) {
          sheet.vline(at(i), ry, ry + rowH);
        }
        const numeric = i >= 6;
        sheet.text(cell, at(i) + (numeric ? 0 : 3), ry + pad, {
          size,
          bold: row.bold,
          width: (widths[i] ?? 0) - (numeric ? 3 : 4),
          align: numeric ? 'right' : i === 0 ? 'left' : 'center',
        });
      });
    }
    ry += rowH;
  }
  return ry;
}

function chargeRows(bill: BillDocument): Row[] {
  const rows: Row[] = [];
  let zone = 0;
  for (const line of bill.lines) {
    rows.push({ cells: lineCells(bill, line, isOdnLine(line.title) ? null : zone) });
    if (!isOdnLine(line.title)) {
      zone++;
    }
  }
  const recalcs = bill.recalculations;
  const shown = recalcs.length > MAX_RECALC_ROWS ? recalcs.slice(0, MAX_RECALC_ROWS - 1) : recalcs;
  for (const r of shown) {
    rows.push({ spanned: true, cells: [recalculationText(r), formatRubles(r.amountKop)] });
  }
  if (shown.length < recalcs.length) {
    const rest = recalcs.slice(shown.length);
    const sum = rest.reduce((a, r) => a + r.amountKop, 0);
    rows.push({ spanned: true, cells: [otherRecalculationsText(rest.length, sum), formatRubles(sum)] });
  }
  const kwh = bill.lines.reduce((a, l) => a + l.kwh, 0);
  const prices = new Set(bill.lines.map((l) => l.priceE5));
  const [onlyPrice] = prices;
  rows.push({
    bold: true,
    cells: [
      'Итого',
      '',
      '',
      '',
      '',
      '',
      formatInteger(kwh),
      prices.size === 1 && onlyPrice !== undefined ? formatTariff(onlyPrice) : '',
      formatRubles(bill.chargedKop),
    ],
  });
  return rows;
}

function lineCells(bill: BillDocument, line: BillLine, zone: number | null): string[] {
  const m = bill.meter;
  const reading = (r: { date: string; values: number[] } | null | undefined): [string, string] => {
    const v = zone === null || !r ? undefined : r.values[zone];
    return r && v !== undefined ? [formatDateRu(r.date), formatInteger(v)] : ['', ''];
  };
  const [startDate, startValue] = reading(m?.start);
  const [endDate, endValue] = reading(m?.end);
  const serial = zone === 0 && m ? m.serial : '';
  return [
    line.title,
    serial,
    startDate,
    startValue,
    endDate,
    endValue,
    formatInteger(line.kwh),
    formatTariff(line.priceE5),
    formatRubles(line.amountKop),
  ];
}

const TOTALS_HEAD = 19;
const TOTALS_HEIGHT = 35;

function drawTotals(sheet: Sheet, bill: BillDocument, x: number, y: number, w: number): number {
  const cells: Array<[string, number, boolean]> = [
    ['Долг(+)/Перепл.(−) на начало периода, руб.', bill.debtStartKop, false],
    ['Оплаты, поступившие в расчетном периоде, руб.', bill.paymentsKop, false],
    ['Начислено за расчетный период, руб.', bill.chargedKop, false],
    ['Долг(+)/Перепл.(−) на конец периода, руб.', bill.debtEndKop, false],
    ['Итого к оплате, руб.', bill.toPayKop, true],
  ];
  const cw = w / cells.length;
  const headH = TOTALS_HEAD;
  const valueH = TOTALS_HEIGHT - TOTALS_HEAD;
  sheet.rect(x, y, w, headH + valueH);
  sheet.hline(x, x + w, y + headH);
  cells.forEach(([label, kop, strong], i) => {
    const cx = x + i * cw;
    if (i > 0) {
      sheet.vline(cx, y, y + headH + valueH);
    }
    if (strong) {
      sheet.fill(cx + 0.5, y + headH + 0.5, cw - 1, valueH - 1, '#e6e6e6');
    }
    sheet.paragraph(label, cx + 2, y + 2.5, cw - 4, {
      size: 6.5,
      bold: strong,
      align: 'center',
      maxLines: 2,
      leading: 7.5,
    });
    sheet.text(formatRubles(kop), cx + 2, y + headH + 3, {
      size: strong ? 10 : 9,
      bold: true,
      width: cw - 4,
      align: 'center',
    });
  });
  return y + headH + valueH;
}

/** "Заполняется плательщиком": four empty boxes the payer fills in by hand. */
function drawPayerBoxes(sheet: Sheet, x: number, y: number, w: number): void {
  sheet.text('Заполняется плательщиком:', x, y - 11, { size: 7.5, bold: true });
  const labels = ['Показания счетчика', 'Оплачено, руб.', 'Дата', 'Подпись'];
  const cw = w / labels.length;
  const h = 30;
  sheet.rect(x, y, w, h);
  labels.forEach((label, i) => {
    if (i > 0) {
      sheet.vline(x + i * cw, y, y + h);
    }
    sheet.text(label, x + i * cw + 3, y + 2.5, { size: 7, width: cw - 6 });
  });
}
