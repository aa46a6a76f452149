import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { BillDocument, BillSupplier } from '../src/features/billing/pdf/bill.model.ts';
import { costBreakdown } from '../src/domain/cost-breakdown.ts';
import { TARIFF_COMPONENT_SHARES } from '../src/tools/demo/reference-data.ts';

// What the PDF tests share: the seed's sample bill and its payee, and the text pdf.js reads.

export const SUPPLIER: BillSupplier = {
  payeeName: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
  branchName: 'Черногорское отделение',
  inn: '1901000017',
  kpp: '190101001',
  bankName: 'Отделение № 8602 Сбербанка России',
  bic: '049514608',
  corrAccount: '30101810500000000608',
  settlementAccount: '40702810171020110607',
  address: 'РХ, г. Черногорск, ул. Линейная, 249',
  phones: '(39031) 3-51-10',
  fax: '(3902) 34-64-81',
  email: 'info@energosbyt.example',
  website: 'https://energosbyt.example',
};

/** The demo's shares of the tariff's components: those of the manual's bill. */
export const SHARES = new Map(TARIFF_COMPONENT_SHARES.map((c) => [c.component, c.shareE6]));

/**
 * The seed's sample bill (316 + 26 kWh at 1.1270), moved to May 2026, for a fictional customer;
 * its 385,43 split by the demo's shares as the manual's bill splits its sum.
 */
export const BILL: BillDocument = {
  period: '2026-05',
  billedOn: '2026-05-31',
  dueDate: '2026-06-10',
  supplier: SUPPLIER,
  customer: {
    account: '1705057190',
    surname: 'Орлова',
    firstName: 'Марина',
    patronymic: 'Сергеевна',
    residents: 1,
    deliveryAddress: 'г. Черногорск, ул. 30 лет Победы, 94',
    objectAddress: 'г. Черногорск, пр-кт. Космонавтов, 3, 89',
    areaE2: 4420,
  },
  method: 'norm',
  meter: { serial: '368985', start: { date: '2013-09-16', values: [29832] }, end: null },
  lines: [
    { title: 'Электроэнергия', kwh: 316, priceE5: 112700, amountKop: 35613 },
    { title: 'ОДН', kwh: 26, priceE5: 112700, amountKop: 2930 },
  ],
  recalculations: [],
  debtStartKop: 0,
  paymentsKop: 0,
  chargedKop: 38543,
  debtEndKop: 38543,
  toPayKop: 38543,
  costBreakdown: costBreakdown(38543, SHARES),
  building: { totalKwh: 22952, odnKwh: 3518 },
};

/** The page's text as pdf.js extracts it (through the fonts' ToUnicode maps), spaces collapsed. */
export async function pageText(pdf: Buffer): Promise<{ pages: number; text: string; items: string[] }> {
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false })
    .promise;
  try {
    const page = await doc.getPage(1);
    const content = await page.getTextContent();
    const items = content.items.map((i) => ('str' in i ? i.str : '')).filter((s) => s.trim() !== '');
    return { pages: doc.numPages, text: items.join(' ').replace(/\s+/g, ' '), items };
  } finally {
    await doc.destroy();
  }
}

export function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
