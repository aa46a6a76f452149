import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import type { BillDocument, SlipDocument } from './bill.model.ts';
import { renderBillPdf } from './bill-pdf.ts';
import { renderSlipPdf } from './slip-pdf.ts';
import { billQrPayload, slipQrPayload } from './bill-qr.ts';
import { PART, partTops } from './form-layout.ts';
import { fontFile, openFont } from './pdf-fonts.ts';
import { pdfRenderer } from './pdf-pool.ts';
import { BILL, count, pageText, SUPPLIER } from '../../../../test/pdf-support.ts';

// jsqr is CommonJS whose exports are the function, with the same function under `default`;
// its types describe only the latter.
const jsQR = jsQRModule.default;
const require = createRequire(import.meta.url);

const SLIP: SlipDocument = {
  date: '2026-06-06',
  supplier: SUPPLIER,
  customer: {
    account: '1705057190',
    surname: 'Орлова',
    firstName: 'Марина',
    patronymic: 'Сергеевна',
    objectAddress: 'Республика Хакасия, г. Черногорск, ул. Бограда, 71',
  },
  meterSerial: '168077',
  lastReading: null,
};

/**
 * Rasterizes one region of page 1 (in PDF points, top-left origin) with poppler's pdftoppm and
 * decodes the QR code in it: its text and its version; null when pdftoppm is not installed
 * (outside CI).
 */
function decodeQr(
  pdf: Buffer,
  region: { x: number; y: number; w: number; h: number },
  t: { skip(msg: string): void },
): { text: string; version: number } | null {
  if (spawnSync('pdftoppm', ['-v']).error) {
    if (process.env.CI === 'true') {
      assert.fail('pdftoppm (Debian package poppler-utils) is required in CI');
    }
    t.skip('pdftoppm not installed (apt-get install poppler-utils): QR decoding skipped');
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bill-qr-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    fs.writeFileSync(file, pdf);
    const dpi = 300;
    const px = (pt: number) => String(Math.round((pt * dpi) / 72));
    const res = spawnSync('pdftoppm', [
      '-r',
      String(dpi),
      '-png',
      '-singlefile',
      '-x',
      px(region.x),
      '-y',
      px(region.y),
      '-W',
      px(region.w),
      '-H',
      px(region.h),
      file,
      path.join(dir, 'page'),
    ]);
    assert.equal(res.status, 0, String(res.stderr));
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'page.png')));
    const code = jsQR(
      new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
      png.width,
      png.height,
    );
    assert.ok(code, 'no QR code found in the rendered page');
    // The payload is UTF-8 bytes (GOST encoding digit 2): decode the bytes, not jsQR's guess.
    return { text: Buffer.from(code.binaryData).toString('utf8'), version: code.version };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The left column of the lower part (Квитанция), where the QR code is. */
function receiptLeftColumn(partHeight: number) {
  const [, top] = partTops(partHeight);
  return { x: PART.x, y: top, w: PART.leftWidth, h: partHeight };
}

test('bill: the seed sample, both parts, Cyrillic extractable as text', async () => {
  const pdf = await renderBillPdf(BILL);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const raw = pdf.toString('latin1');
  assert.match(raw, /\/FontFile2/, 'the font is embedded');
  assert.match(raw, /\/ToUnicode/, 'with a ToUnicode map');
  assert.doesNotMatch(raw, /\/BaseFont \/Helvetica/, 'no standard font is used');

  const { pages, text } = await pageText(pdf);
  assert.equal(pages, 1);
  for (const s of [
    'Извещение',
    'Квитанция',
    'Получатель: Открытое акционерное общество "Хакасэнергосбыт", ОАО, Черногорское отделение',
    'ИНН 1901000017 КПП 190101001 р/сч 40702810171020110607',
    'Банк: Отделение № 8602 Сбербанка России БИК 049514608 корр. счёт 30101810500000000608',
    'Адрес: РХ, г. Черногорск, ул. Линейная, 249 Тел.: (39031) 3-51-10 Факс: (3902) 34-64-81',
    'E-mail: info@energosbyt.example Web-адрес: https://energosbyt.example',
    'ФИО: Орлова Марина Сергеевна',
    'Код абонента: 1705057190',
    'Адрес доставки: г. Черногорск, ул. 30 лет Победы, 94',
    'Адрес объекта: г. Черногорск, пр-кт. Космонавтов, 3, 89',
    'Проживающих: 1 Площадь: 44,20 м²',
    'Расчет за электроэнергию: по нормативу за май 2026 года',
    'Электроэнергия 368985 16.09.2013 29 832 316 1,12700 356,13',
    'ОДН 26 1,12700 29,30',
    'Итого 342 1,12700 385,43',
    'Срок оплаты: до 10.06.2026',
    'определенный по общедомовому счетчику: 22 952 кВтч, в т.ч. ОДН: 3 518 кВтч',
    // 385,43 × 33,2106 % / 51,7280 % / 14,7766 % / 0,2848 % = 128,0036 / 199,3753 / 56,9535 / 1,0977:
    // floors 128,00 + 199,37 + 56,95 + 1,09 = 385,41, the two kopecks left to the largest remainders.
    'В том числе (с учетом НДС): Стоимость покупной эл.энергии: 128,00; Стоимость по передаче эл.энергии: 199,38; Тариф на сбыт эл.энергии: 56,95; Плата за иные услуги: 1,10',
    'Заполняется плательщиком: Показания счетчика Оплачено, руб. Дата Подпись',
    'Кассир',
  ]) {
    assert.equal(count(text, s), s === 'Извещение' || s === 'Квитанция' ? 1 : 2, `"${s}" once in each part`);
  }
  for (const s of ['Долг(+)/Перепл.(−) на', 'Оплаты, поступившие в', 'Итого к оплате, руб.']) {
    assert.ok(text.includes(s), s);
  }
  assert.equal(
    count(text, '385,43'),
    2 * 5,
    'total of lines, charged, end debt, to pay, left column; in both parts',
  );
  assert.doesNotMatch(text, /Казаков/, 'never the name printed in the seed');
});

test('bill: a Ç in one bill does not take the C out of the next (fontkit issue #154)', async () => {
  // The font subset of the first takes C as a component of Ç; the second prints C itself, and
  // its ToUnicode map must still say it is a C.
  const named = (surname: string): BillDocument => ({ ...BILL, customer: { ...BILL.customer, surname } });
  await renderBillPdf(named('Çakır'));
  const { text } = await pageText(await renderBillPdf(named('Cakir')));
  assert.equal(count(text, 'ФИО: Cakir Марина Сергеевна'), 2);
});

test('bill: the QR code on the Квитанция decodes to the GOST payload with Sum = 38543', async (t) => {
  const pdf = await renderBillPdf(BILL);
  const expected =
    'ST00012|Name=Открытое акционерное общество "Хакасэнергосбыт", ОАО|PersonalAcc=40702810171020110607' +
    '|BankName=Отделение № 8602 Сбербанка России|BIC=049514608|CorrespAcc=30101810500000000608' +
    '|PayeeINN=1901000017|KPP=190101001|Sum=38543|Purpose=Оплата за электроэнергию за 05.2026, л/с 1705057190' +
    '|PersAcc=1705057190|LastName=Орлова|FirstName=Марина|MiddleName=Сергеевна' +
    '|PayerAddress=г. Черногорск, пр-кт. Космонавтов, 3, 89|PaymPeriod=052026|CounterId=368985|TechCode=02';
  assert.equal(billQrPayload(BILL), expected);
  const decoded = decodeQr(pdf, receiptLeftColumn(PART.billHeight), t);
  if (decoded !== null) {
    assert.equal(decoded.text, expected);
    // Its 609 bytes take version 17 at level L, 19 at M, 23 at Q: the level is M.
    assert.equal(decoded.version, 19);
  }
});

test('bill: multi-zone readings, recalculations, overpayment (no Sum in the QR)', async (t) => {
  const bill: BillDocument = {
    ...BILL,
    method: 'readings',
    meter: {
      serial: '0123456',
      start: { date: '2026-04-25', values: [12000, 5000] },
      end: { date: '2026-05-25', values: [12210, 5090] },
    },
    lines: [
      { title: 'Электроэнергия, день', kwh: 210, priceE5: 131500, amountKop: 27615 },
      { title: 'Электроэнергия, ночь', kwh: 90, priceE5: 78900, amountKop: 7101 },
    ],
    recalculations: [
      { period: '2026-03', reason: 'передача показаний после закрытия месяца', amountKop: -1250 },
      { period: '2026-02', reason: 'изменение числа проживающих', amountKop: 2000 },
      { period: '2026-01', reason: 'поверка прибора учета', amountKop: 300 },
      { period: '2025-12', reason: 'корректировка тарифа', amountKop: 450 },
    ],
    debtStartKop: -100000,
    paymentsKop: 0,
    chargedKop: 36216,
    debtEndKop: -63784,
    toPayKop: 0,
    costBreakdown: null,
    building: null,
  };
  const pdf = await renderBillPdf(bill);
  const { pages, text } = await pageText(pdf);
  assert.equal(pages, 1);
  for (const s of [
    'Расчет за электроэнергию: по показаниям за май 2026 года',
    'Электроэнергия, день 0123456 25.04.2026 12 000 25.05.2026 12 210 210 1,31500 276,15',
    'Электроэнергия, ночь 25.04.2026 5 000 25.05.2026 5 090 90 0,78900 71,01',
    'Перерасчёт за март 2026 года (передача показаний после закрытия месяца): начисление уменьшено на 12,50 руб. −12,50',
    'Перерасчёт за февраль 2026 года (изменение числа проживающих): начисление увеличено на 20,00 руб. 20,00',
    'Прочие перерасчёты (2): начисление увеличено на 7,50 руб. 7,50',
    'Итого 300 362,16',
    // −12,50 + 20,00 + 3,00 + 4,50
    'Перерасчёты увеличили сумму к оплате на 15,00 руб.',
  ]) {
    assert.equal(count(text, s), 2, s);
  }
  assert.ok(!text.includes('…'), 'the recalculation rows fit their cells');
  assert.ok(!text.includes('В том числе'), 'no breakdown when the supplier configured no components');
  assert.ok(text.includes('−1 000,00') && text.includes('−637,84'));
  assert.ok(!text.includes('общедомовому'), 'no building data without building data');
  const payload = billQrPayload(bill);
  assert.ok(!payload.includes('Sum='), 'nothing to pay: the app asks for the sum');
  assert.ok(payload.includes('|CounterId=0123456|CounterVal=12210/5090|'));
  const decoded = decodeQr(pdf, receiptLeftColumn(PART.billHeight), t);
  if (decoded !== null) {
    assert.equal(decoded.text, payload);
  }
});

test('bill: long names and addresses stay on one page and inside their cells', async () => {
  const long = 'Очень-Длинная-Фамилия-Через-Дефис '.repeat(4);
  const bill: BillDocument = {
    ...BILL,
    customer: {
      ...BILL.customer,
      surname: long,
      objectAddress: `Республика Хакасия, ${'ул. Очень Длинная, '.repeat(8)}д. 1`,
    },
  };
  const { pages, text } = await pageText(await renderBillPdf(bill));
  assert.equal(pages, 1);
  assert.ok(text.includes('…'), 'cut with an ellipsis once even the smallest size does not fit');
});

test('bill: an imported address of 4,000 characters: the bill is made, and its QR code scans', async (t) => {
  const bill: BillDocument = {
    ...BILL,
    customer: { ...BILL.customer, objectAddress: `г. Черногорск, ${'ул. Длинная, '.repeat(310)}д. 1` },
  };
  const pdf = await renderBillPdf(bill);
  assert.equal((await pageText(pdf)).pages, 1);
  const payload = billQrPayload(bill);
  assert.ok(Buffer.byteLength(payload) <= 800, `${Buffer.byteLength(payload)} bytes`);
  assert.match(payload, /\|PayerAddress=г\. Черногорск, ул\. Длинная, [^|]*…\|/);
  const decoded = decodeQr(pdf, receiptLeftColumn(PART.billHeight), t);
  if (decoded !== null) {
    assert.equal(decoded.text, payload);
  }
});

test('slip: requisites, today, empty reading and sum; QR without Sum', async (t) => {
  const pdf = await renderSlipPdf(SLIP);
  const { pages, text, items } = await pageText(pdf);
  assert.equal(pages, 1);
  for (const s of [
    'КВИТАНЦИЯ',
    'ОПЛАТУ ЗА ПОТРЕБЛЕННУЮ ЭЛЕКТРОЭНЕРГИЮ, СОГЛАСНО ЖК РФ, НЕОБХОДИМО ПРОИЗВОДИТЬ ЕЖЕМЕСЯЧНО НЕ ПОЗДНЕЕ 10-ГО ЧИСЛА МЕСЯЦА, СЛЕДУЮЩЕГО ЗА РАСЧЕТНЫМ',
    'Получатель: Открытое акционерное общество "Хакасэнергосбыт", ОАО, Черногорское отделение',
    'ИНН 1901000017 КПП 190101001 р/сч 40702810171020110607',
    'Абонент №: 1705057190',
    'Ф.И.О.: Орлова Марина Сергеевна',
    'Адрес: Республика Хакасия, г. Черногорск, ул. Бограда, 71',
    'Дата Показания счетчика № 168077 Сумма, руб. 06.06.2026 Кассир',
  ]) {
    assert.equal(count(text, s), 2, s);
  }
  assert.equal(count(text, 'Абонент'), 4, '"Абонент №" and the signature place, in each part');
  assert.ok(
    !items.some((s) => /^\s*[-−]?[\d\s]+,\d\d\s*$/.test(s)),
    'no sum is printed: it is written by hand',
  );

  const payload = slipQrPayload(SLIP);
  assert.ok(!payload.includes('Sum='));
  assert.ok(!payload.includes('CounterVal='), 'no reading sent since the last bill');
  assert.ok(payload.includes('|PersAcc=1705057190|'));
  const decoded = decodeQr(pdf, receiptLeftColumn(262), t);
  if (decoded !== null) {
    assert.equal(decoded.text, payload);
  }
});

test('slip: the last reading sent is printed and goes into CounterVal', async () => {
  const slip: SlipDocument = { ...SLIP, lastReading: { date: '2026-06-05', values: [30148] } };
  const { text } = await pageText(await renderSlipPdf(slip));
  assert.equal(count(text, '06.06.2026 30 148'), 2);
  assert.ok(slipQrPayload(slip).includes('|CounterId=168077|CounterVal=30148|'));
});

/**
 * Names and addresses as an import may hold them: Ё/ё, the Khakass, Ukrainian and Belarusian
 * letters, foreign names, and the punctuation and signs people type.
 */
const IMPORTED = {
  surname: 'Тӧдышева-Ӱлгер',
  firstName: 'Алёна',
  patronymic: 'Фёдоровна',
  deliveryAddress: 'аал Ӌҷ Ғғ Ңң Іі, «Дом» № 5 — корп. 2 – кв. 3 … ₽ ² ° ± × ‘’ “” „ − Ёё',
  objectAddress: 'Їжакевич Єва Ґ Ўладзімір, Müller-Łukasiewicz Ñúñez Øre Şahin Ğ Ə',
};

test('bill: names and addresses in other alphabets and signs are printed and extractable', async () => {
  const bill: BillDocument = { ...BILL, customer: { ...BILL.customer, ...IMPORTED } };
  const { pages, text } = await pageText(await renderBillPdf(bill));
  assert.equal(pages, 1);
  for (const s of [
    `ФИО: ${IMPORTED.surname} ${IMPORTED.firstName} ${IMPORTED.patronymic}`,
    `Адрес доставки: ${IMPORTED.deliveryAddress}`,
    `Адрес объекта: ${IMPORTED.objectAddress}`,
  ]) {
    assert.equal(count(text, s), 2, s);
  }
});

test('bill: a character outside the fonts prints as an empty box and the bill is made', async () => {
  const bill: BillDocument = { ...BILL, customer: { ...BILL.customer, surname: 'Орлова 中文 😀 ∰' } };
  const pdf = await renderBillPdf(bill);
  const { pages, text } = await pageText(pdf);
  assert.equal(pages, 1);
  assert.equal(count(text, 'ФИО: Орлова'), 2);
  assert.equal(count(text, 'Марина Сергеевна'), 2, 'the text after them is in place');
  for (const ch of ['中', '文', '😀', '∰']) {
    assert.equal(openFont(fontFile('regular')).font.hasGlyphForCodePoint(ch.codePointAt(0) ?? 0), false, ch);
  }
});

test('fonts: the subsets draw every character of a bill as DejaVu Sans Condensed does', () => {
  const form = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789';
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const chars = [...new Set([...form, ...ascii, ...Object.values(IMPORTED).join('')])];
  for (const [role, original] of [
    ['regular', 'DejaVuSansCondensed.ttf'],
    ['bold', 'DejaVuSansCondensed-Bold.ttf'],
  ] as const) {
    const subsetBytes = fs.readFileSync(fontFile(role));
    const originalBytes = fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${original}`));
    // Fresh parses for every glyph: fontkit's cached outlines of shared components (a diaeresis
    // used by Ё and ё) can shift when several composites are drawn from one parsed font.
    const glyphOf = (bytes: Buffer, ch: string) =>
      (fontkit.create(bytes) as fontkit.Font).glyphForCodePoint(ch.codePointAt(0) ?? 0);
    for (const ch of chars) {
      const want = glyphOf(originalBytes, ch);
      const got = glyphOf(subsetBytes, ch);
      assert.notEqual(got.id, 0, `${role} has ${ch}`);
      assert.equal(got.advanceWidth, want.advanceWidth, `${role} ${ch}`);
      assert.equal(got.path.toSVG(), want.path.toSVG(), `${role} ${ch}`);
    }
  }
});

test('fonts: a missing subset names the command that makes it', () => {
  assert.throws(() => openFont(path.join(os.tmpdir(), 'no-such-dir', 'bill-regular.ttf')), {
    message: /is missing: .*`node scripts\/build-fonts\.mjs`/,
  });
});

test("the web server's PDF threads make the same bill and slip as the request's own thread", async () => {
  const pool = pdfRenderer(2);
  const inline = pdfRenderer(0);
  try {
    const [bill, slip] = await Promise.all([pool.bill(BILL), pool.slip(SLIP)]);
    assert.deepEqual(bill, await inline.bill(BILL));
    assert.deepEqual(slip, await inline.slip(SLIP));
    assert.equal(bill.subarray(0, 5).toString(), '%PDF-');
  } finally {
    await pool.close();
  }
});
