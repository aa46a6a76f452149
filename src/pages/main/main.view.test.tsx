import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderPage } from '../../platform/views/render.ts';
import { MainPage, type MainPageProps } from './main.view.tsx';
import type { MainPageModel } from './main.service.ts';
import { assetPath } from '../../platform/assets.ts';

function model(over: Partial<MainPageModel> = {}): MainPageModel {
  return {
    account: {
      number: '1705057190',
      fullName: 'Иванов Пётр Сергеевич',
      objectAddress: 'г. Черногорск, ул. Бограда 71',
      residents: 1,
    },
    meter: { serial: '168077', digits: 5, ratio: 1, zones: ['single'] },
    tariffs: [{ zone: 'single', title: 'Круглосуточно', priceE5: 161000 }],
    summary: {
      today: '2026-06-10',
      balanceKop: -73865,
      dueDate: '2026-06-10',
      lastReading: { date: '2026-06-03', values: [28470], zones: ['single'] },
      window: { state: 'soon', from: '2026-06-15', to: '2026-06-25', period: '2026-06' },
      verification: { state: 'expired', due: '2025-07-23', daysLeft: -322 },
    },
    payments: [
      { paidOn: '2026-05-26', amountKop: 60000, channel: 'card' },
      { paidOn: '2025-02-05', amountKop: 200000, channel: 'bank' },
    ],
    readings: [
      { date: '2026-06-03', values: [28470], channel: 'Интернет', status: 'принято', statusCode: 'accepted' },
    ],
    readingForm: {
      meterId: 7,
      serial: '168077',
      digits: 5,
      ratio: 1,
      zones: ['single'],
      previousDate: '2026-06-03',
      previous: [28470],
    },
    charges: [
      {
        period: '2026-05',
        title: '2026 Май',
        billedOn: '2026-05-31',
        readingValue: 28250,
        odnKop: 0,
        debtKop: -109285,
        method: 'readings',
        explanation: ['810\u00a0кВт·ч × 1,6100\u00a0₽ = 1\u00a0304,10\u00a0₽'],
      },
      {
        period: '2026-04',
        title: '2026 Апрель',
        billedOn: '2026-04-30',
        readingValue: null,
        odnKop: 1234,
        debtKop: 16100,
        method: 'norm',
        explanation: [],
      },
    ],
    consumption: [
      { period: '2026-04', kwh: 100, estimated: true },
      { period: '2026-05', kwh: 810, estimated: false },
    ],
    more: { payments: false, readings: false, charges: false },
    address: { email: null, subscribed: false, status: 'none' },
    ...over,
  };
}

const props = (m: MainPageModel, over: Partial<MainPageProps> = {}): MainPageProps => ({
  model: m,
  supplierName: 'ООО «Энергосбыт»',
  csrfToken: 'tok',
  formKey: 'key',
  mail: { email: '', subscribed: false, storedEmail: null, status: 'none' },
  ...over,
});

const render = (p: MainPageProps) => renderPage(<MainPage {...p} />);

/** Positions of `parts` in `html`; fails unless each is there, after the one before. */
function assertInOrder(html: string, parts: string[]): void {
  let from = 0;
  for (const part of parts) {
    const at = html.indexOf(part, from);
    assert.ok(at >= 0, `"${part}" after position ${from}`);
    from = at + part.length;
  }
}

test('the sections in the seed order, figures in the Russian form', () => {
  const html = render(props(model()));
  assertInOrder(html, [
    '<title>Личный кабинет — ООО «Энергосбыт»</title>',
    `<script src="${assetPath('js/reading-form.js')}" defer></script>`,
    '<h1>Личный кабинет для физических лиц</h1>',
    '<section class="panel summary" aria-labelledby="summary-title">',
    '<h2 id="ref-title">Справочная информация о потребителе</h2>',
    '<th scope="row">Тариф, РУБ</th><td>1,61000</td>',
    '<tr class="balance overpaid"><th scope="row">Сумма к оплате на дату передачи показания*</th><td><span class="amount">−738,65 руб.</span><span class="balance-note"> (переплата)</span></td></tr>',
    '<h2 id="verification-title">ВНИМАНИЕ!</h2>',
    'электрической энергии наступила <strong>2025-07-23</strong>.',
    '<table class="history" id="payments" aria-labelledby="payments-title">',
    '<tr><td data-label="Дата">2026-05-26</td><td class="num" data-label="Сумма руб.">600,00</td><td data-label="Источник">Банковская карта</td></tr><tr><td data-label="Дата">2025-02-05</td><td class="num" data-label="Сумма руб.">2\u00a0000,00</td><td data-label="Источник">Банк</td></tr>',
    '<table class="history" id="readings" aria-labelledby="readings-title">',
    '<tr class="status-accepted"><td data-label="Дата">2026-06-03</td><td class="num" data-label="Показание счетчика">28\u00a0470</td><td data-label="Способ передачи показания">Интернет</td><td data-label="Статус">принято</td></tr>',
    '<tr><td data-label="Дата выставления счета">2026-05-31</td><td class="num" data-label="Показание прибора учета">28\u00a0250</td><td class="num" data-label="Начислено ОДН, руб.">0,00</td><td class="num overpaid" data-label="Долг в рублях">−1\u00a0092,85</td><td data-label="Квитанция (PDF)"><a href="/cabinet/bills/2026-05.pdf">2026 Май</a></td>',
    '<details><summary>Как рассчитано</summary><p>810\u00a0кВт·ч × 1,6100\u00a0₽ = 1\u00a0304,10\u00a0₽</p></details>',
    '<td class="num" data-label="Показание прибора учета"><span title="по нормативу">по нормативу</span></td><td class="num" data-label="Начислено ОДН, руб.">12,34</td><td class="num debt" data-label="Долг в рублях">161,00</td>',
    '<svg class="consumption-chart"',
    '<section class="panel" id="reading-form" aria-labelledby="reading-form-title">',
    '<input type="hidden" name="key" value="key"/>',
    '<tr data-previous="28470"><td data-label="Дата предыдущего показания">2026-06-03</td><td class="num" data-label="Предыдущее показание">28\u00a0470</td>',
    '<section class="panel no-print" id="mail-form" aria-labelledby="mail-form-title">',
    '<a class="button" href="/cabinet/slip">Распечатать квитанцию</a> <a class="button" href="/cabinet/payment">',
    '<div class="bottom-logout no-print"><form method="post" action="/logout" class="logout-form">',
    '</main>',
  ]);
});

test('a zoned meter: a price and a value per zone; a transformer ratio is shown', () => {
  const html = render(
    props(
      model({
        meter: { serial: '1', digits: 6, ratio: 40, zones: ['day', 'night'] },
        tariffs: [
          { zone: 'day', title: 'День', priceE5: 212000 },
          { zone: 'night', title: 'Ночь', priceE5: null },
        ],
        readings: [
          {
            date: '2026-06-03',
            values: [1200, 340],
            channel: 'Сайт',
            status: 'принято',
            statusCode: 'accepted',
          },
        ],
      }),
    ),
  );
  assert.ok(html.includes('<td>6</td>'));
  assert.ok(html.includes('<th scope="row">Коэффициент трансформации</th><td>40</td>'));
  assert.ok(
    html.includes(
      '<td><span class="zone-price">День: 2,12000</span><span class="zone-price">Ночь: —</span></td>',
    ),
  );
  assert.ok(
    html.includes(
      '<td class="num" data-label="Показание счетчика"><span class="zone-value">День: 1\u00a0200</span><span class="zone-value">Ночь: 340</span></td>',
    ),
  );
});

test('empty histories say so; no chart without data; a debt and a settled balance', () => {
  const html = render(
    props(
      model({
        payments: [],
        readings: [],
        charges: [],
        consumption: [{ period: '2026-05', kwh: null, estimated: false }],
        summary: { ...model().summary, balanceKop: 16100, verification: null },
      }),
    ),
  );
  assert.ok(html.includes('<p class="muted">Платежей за текущий и предыдущий год нет.</p>'));
  assert.ok(html.includes('<p class="muted">Показаний за текущий и предыдущий год нет.</p>'));
  assert.ok(html.includes('<p class="muted">Начислений за предыдущий и текущий год нет.</p>'));
  assert.ok(html.includes('<tr class="balance debt">'));
  assert.ok(
    html.includes('<span class="amount">161,00 руб.</span><span class="balance-note"> (долг)</span>'),
  );
  assert.doesNotMatch(html, /consumption-chart|ВНИМАНИЕ|<table class="history"/);
  const settled = render(props(model({ summary: { ...model().summary, balanceKop: 0 } })));
  assert.ok(settled.includes('<tr class="balance settled">'));
  assert.ok(settled.includes('<span class="amount">0,00 руб.</span></td>'));
});

test('«Показать все» under exactly the histories that hold more rows than the page shows', () => {
  const kinds = ['payments', 'readings', 'charges'] as const;
  for (const kind of kinds) {
    const html = render(
      props(model({ more: { payments: false, readings: false, charges: false, [kind]: true } })),
    );
    for (const other of kinds) {
      const link = `<p class="history-more"><a href="/cabinet/history/${other}" aria-describedby="${other}-title">Показать все</a></p>`;
      assert.equal(html.includes(link), other === kind, `${kind}: the link of ${other}`);
    }
  }
  assert.doesNotMatch(render(props(model())), /Показать все/);
});

test('without a meter in service: no form and no script, a refused form says why in its place', () => {
  const html = render(
    props(model({ meter: null, readingForm: null }), { readingState: { formError: 'Счётчик снят с учёта' } }),
  );
  assert.ok(html.includes('<td>прибор учёта не установлен</td>'));
  assert.ok(
    html.includes(
      '<section class="panel" id="reading-form"><p class="form-error" role="alert">Счётчик снят с учёта</p></section>',
    ),
  );
  assert.doesNotMatch(html, /<script|reading-table|Значность/);
});

test('no inline script, style or event handler, whatever the page holds (strict CSP)', () => {
  const pages = [
    render(props(model())),
    render(
      props(model(), {
        readingState: { values: ['1'], fieldErrors: ['Слишком много цифр'], formError: 'Проверьте' },
        submitted: {
          values: [28600],
          zones: ['single'],
          date: '2026-06-10',
          status: 'review',
          periodWords: 'июнь 2026 г.',
          duplicate: true,
        },
        mail: {
          email: 'a@b',
          subscribed: true,
          storedEmail: 'a@b.ru',
          status: 'pending',
          fieldError: 'Нет домена',
          notice: { text: 'Ошибка', error: true },
        },
      }),
    ),
  ];
  for (const html of pages) {
    assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=|<style/);
    for (const tag of html.match(/<script[^>]*>/g) ?? []) {
      assert.match(tag, /^<script src="\/[^"]+" defer>$/);
    }
    assert.equal((html.match(/<\/script>/g) ?? []).length, (html.match(/<script src=/g) ?? []).length);
  }
});

test("a customer's own texts never become markup", () => {
  const page = (s: string) =>
    render(
      props(
        model({
          account: { number: s, fullName: s, objectAddress: s, residents: 2 },
          charges: [{ ...model().charges[0]!, title: s, explanation: [s] }],
          readings: [{ date: s, values: [1], channel: s, status: s, statusCode: 'accepted' }],
        }),
        { mail: { email: s, subscribed: true, storedEmail: s, status: 'confirmed' } },
      ),
    );
  const count = (html: string, c: string) => html.split(c).length - 1;
  const plain = page('x');
  fc.assert(
    // (Not empty: an empty value is written as a bare attribute, without quotes.)
    fc.property(fc.string({ minLength: 1 }), (s) => {
      const html = page(s);
      // Every "<" and '"' in the page is one the view wrote: the texts' own are escaped.
      assert.equal(count(html, '<'), count(plain, '<'));
      assert.equal(count(html, '"'), count(plain, '"'));
    }),
  );
});
