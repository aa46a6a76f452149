/**
 * The payment slip of "Распечатать квитанцию": requisites, today's date and the last reading
 * sent, and an empty sum that the customer writes in by hand (the seed). Two parts like the bill;
 * the QR code carries no Sum, so a banking app asks for it.
 */
import type { SlipDocument } from './bill.model.ts';
import { formatDateRu } from '../../../domain/dates.ts';
import { slipQrPayload } from './bill-qr.ts';
import { formatReadingValues, fullName, PAY_NOTICE, requisiteLines } from './bill-text.ts';
import { Sheet } from './pdf-draw.ts';
import { embeddedFonts } from './pdf-fonts.ts';
import { drawCutLine, drawPartFrame, drawPartQr, PART, partTops, RIGHT } from './form-layout.ts';

/** A slip needs less room than a bill: two parts take the upper two thirds of the page. */
const SLIP_HEIGHT = 262;

export async function renderSlipPdf(slip: SlipDocument): Promise<Buffer> {
  const payload = slipQrPayload(slip);
  const sheet = new Sheet(embeddedFonts(), {
    title: `Квитанция для оплаты, л/с ${slip.customer.account}`,
    createdOn: slip.date,
  });
  const [top1, top2] = partTops(SLIP_HEIGHT);
  drawSlipPart(sheet, slip, top1, 'Извещение', null);
  drawCutLine(sheet, SLIP_HEIGHT);
  drawSlipPart(sheet, slip, top2, 'Квитанция', payload);
  return sheet.finish();
}

function drawSlipPart(
  sheet: Sheet,
  slip: SlipDocument,
  top: number,
  title: string,
  qrPayload: string | null,
): void {
  drawPartFrame(sheet, top, SLIP_HEIGHT, title);
  if (qrPayload !== null) {
    const y = drawPartQr(sheet, top, qrPayload, 'Оплата по QR-коду в приложении банка');
    sheet.paragraph('Сумму к оплате введите в приложении банка', PART.x + 8, y + 2, PART.leftWidth - 16, {
      size: 6.5,
      align: 'center',
      maxLines: 2,
    });
  }

  const x = RIGHT.x;
  const w = RIGHT.width;
  sheet.text('КВИТАНЦИЯ', x, top + 8, { size: 12, bold: true, width: w, align: 'center' });
  sheet.paragraph(PAY_NOTICE, x, top + 24, w, {
    size: 7,
    bold: true,
    align: 'center',
    maxLines: 2,
    leading: 9,
  });

  requisiteLines(slip.supplier).forEach((line, i) => {
    sheet.text(line, x, top + 48 + i * 10, { size: i === 0 ? 7.5 : 7, bold: i === 0, width: w });
  });
  sheet.hline(PART.x + PART.leftWidth, PART.x + PART.width, top + 100, 0.5);

  const c = slip.customer;
  sheet.text(`Абонент №: ${c.account}`, x, top + 107, { size: 10, bold: true, width: w });
  sheet.text(`Ф.И.О.: ${fullName(c)}`, x, top + 122, { size: 9, width: w });
  sheet.text(`Адрес: ${c.objectAddress}`, x, top + 135, { size: 9, width: w });

  // Дата | Показания счетчика | Сумма, руб. — the sum stays empty, to be written by hand.
  const ty = top + 153;
  const widths = [w * 0.25, w * 0.45, w * 0.3];
  const headH = 14;
  const rowH = 28;
  sheet.rect(x, ty, w, headH + rowH);
  sheet.hline(x, x + w, ty + headH);
  const meter = slip.meterSerial ? `Показания счетчика № ${slip.meterSerial}` : 'Показания счетчика';
  const reading = slip.lastReading ? formatReadingValues(slip.lastReading.values) : '';
  const heads = ['Дата', meter, 'Сумма, руб.'];
  const values = [formatDateRu(slip.date), reading, ''];
  let cx = x;
  widths.forEach((cw, i) => {
    if (i > 0) {
      sheet.vline(cx, ty, ty + headH + rowH);
    }
    sheet.text(heads[i] ?? '', cx + 2, ty + 3.5, { size: 7.5, bold: true, width: cw - 4, align: 'center' });
    cx += cw;
  });
  cx = x;
  widths.forEach((cw, i) => {
    sheet.text(values[i] ?? '', cx + 2, ty + headH + 9, { size: 11, width: cw - 4, align: 'center' });
    cx += cw;
  });

  const sy = top + SLIP_HEIGHT - 28;
  const half = w / 2;
  sheet.text('Кассир', x, sy, { size: 9 });
  sheet.hline(x + 42, x + half - 20, sy + 10);
  sheet.text('Абонент', x + half, sy, { size: 9 });
  sheet.hline(x + half + 48, x + w, sy + 10);
}
