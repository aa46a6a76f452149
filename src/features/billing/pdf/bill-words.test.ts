import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BillDocument } from './bill.model.ts';
import { renderBillPdf } from './bill-pdf.ts';
import { costBreakdown } from '../../../domain/cost-breakdown.ts';
import { BILL, count, pageText, SHARES } from '../../../../test/pdf-support.ts';

// What the bill says in words: recalculations and corrections, the ОДН line where it applies,
// and the cost breakdown under the totals. The figures and the form: bill-pdf.test.ts.

test('bill: negative corrections say that they lower the sum to pay, in words and in the figure', async () => {
  const bill: BillDocument = {
    ...BILL,
    recalculations: [
      { period: '2026-04', reason: 'показание принято после закрытия', amountKop: -500 },
      { period: null, reason: '', amountKop: -300 },
    ],
    chargedKop: 38543 - 800,
    debtEndKop: 38543 - 800,
    toPayKop: 38543 - 800,
    costBreakdown: costBreakdown(38543 - 800, SHARES),
  };
  const { pages, text } = await pageText(await renderBillPdf(bill));
  assert.equal(pages, 1);
  for (const s of [
    'Перерасчёт за апрель 2026 года (показание принято после закрытия): начисление уменьшено на 5,00 руб. −5,00',
    'Корректировка начислений прошлых периодов: уменьшает сумму к оплате на 3,00 руб. −3,00',
    'Итого 342 1,12700 377,43',
    'Перерасчёты уменьшили сумму к оплате на 8,00 руб.',
    'определенный по общедомовому счетчику: 22 952 кВтч, в т.ч. ОДН: 3 518 кВтч',
  ]) {
    assert.equal(count(text, s), 2, s);
  }
  assert.ok(!text.includes('…'), 'nothing is cut');
  const breakdown =
    /В том числе \(с учетом НДС\): Стоимость покупной эл\.энергии: (\S+); Стоимость по передаче эл\.энергии: (\S+); Тариф на сбыт эл\.энергии: (\S+); Плата за иные услуги: (\S+?)(?= |$)/.exec(
      text,
    );
  assert.ok(breakdown, 'the breakdown is printed');
  const kop = breakdown.slice(1).map((f) => Number(f.replace(',', '')));
  assert.equal(
    kop.reduce((a, b) => a + b, 0),
    37743,
    'the printed parts sum to the charged sum',
  );
});

test('bill: without ОДН that month, no ОДН line and no building sentence', async () => {
  const bill: BillDocument = {
    ...BILL,
    lines: [{ title: 'Электроэнергия', kwh: 316, priceE5: 112700, amountKop: 35613 }],
    chargedKop: 35613,
    debtEndKop: 35613,
    toPayKop: 35613,
    costBreakdown: costBreakdown(35613, SHARES),
    building: null,
  };
  const { pages, text } = await pageText(await renderBillPdf(bill));
  assert.equal(pages, 1);
  assert.equal(count(text, 'Итого 316 1,12700 356,13'), 2);
  assert.ok(!text.includes('ОДН'), 'no ОДН line, no ОДН in a building sentence');
  assert.ok(!text.includes('общедомовому'));
  assert.ok(!text.includes('Перерасч'), 'no recalculation rows nor sentence without recalculations');
});
