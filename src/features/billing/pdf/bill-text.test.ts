import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BillDocument } from './bill.model.ts';
import { costBreakdownPieces, recalculationsEffect, recalculationText } from './bill-text.ts';

test('the recalculations sentence agrees with its subject and states the total effect', () => {
  const r = (amountKop: number, period: string | null = '2026-03') => ({ period, reason: 'r', amountKop });
  assert.equal(recalculationsEffect([]), null);
  assert.equal(recalculationsEffect([r(-500)]), 'Перерасчёт уменьшил сумму к оплате на 5,00 руб.');
  assert.equal(recalculationsEffect([r(123456)]), 'Перерасчёт увеличил сумму к оплате на 1\u00a0234,56 руб.');
  assert.equal(recalculationsEffect([r(-300, null)]), 'Корректировка уменьшила сумму к оплате на 3,00 руб.');
  assert.equal(recalculationsEffect([r(-500), r(500)]), 'Перерасчёты не изменили сумму к оплате.');
  assert.equal(recalculationsEffect([r(-500), r(200)]), 'Перерасчёты уменьшили сумму к оплате на 3,00 руб.');
  assert.equal(recalculationText(r(0)), 'Перерасчёт за март 2026 года (r): начисление не изменилось');
  assert.equal(
    recalculationText({ period: '2026-03', reason: ' ', amountKop: 2000 }),
    'Перерасчёт за март 2026 года: начисление увеличено на 20,00 руб.',
  );
});

test('the cost breakdown: the heading, then each configured component with its sum; none without', () => {
  const parts: BillDocument['costBreakdown'] = [
    { component: 'purchase', amountKop: 31490 },
    { component: 'transmission', amountKop: 49048 },
    { component: 'sales', amountKop: 14011 },
    { component: 'other', amountKop: 270 },
  ];
  assert.equal(
    costBreakdownPieces({ costBreakdown: parts }).join(' '),
    'В том числе (с учетом НДС): Стоимость покупной эл.энергии: 314,90; Стоимость по передаче эл.энергии: 490,48; Тариф на сбыт эл.энергии: 140,11; Плата за иные услуги: 2,70',
  );
  assert.deepEqual(costBreakdownPieces({ costBreakdown: [{ component: 'sales', amountKop: 123456 }] }), [
    'В том числе (с учетом НДС):',
    'Тариф на сбыт эл.энергии: 1\u00a0234,56',
  ]);
  assert.deepEqual(costBreakdownPieces({ costBreakdown: null }), []);
  assert.deepEqual(costBreakdownPieces({ costBreakdown: [] }), []);
});
