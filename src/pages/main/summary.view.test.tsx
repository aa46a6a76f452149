import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToString } from 'preact-render-to-string';
import { textOf } from '../../../test/helpers.ts';
import { TaskSummarySection, type TaskSummary } from './summary.view.tsx';

const base: TaskSummary = {
  today: '2026-06-10',
  balanceKop: 123_456,
  dueDate: '2026-06-10',
  lastReading: { date: '2026-06-03', values: [28470], zones: ['single'] },
  window: { state: 'soon', from: '2026-06-15', to: '2026-06-25', period: '2026-06' },
  verification: { state: 'valid', due: '2031-07-23', daysLeft: 1869 },
};

function render(over: Partial<TaskSummary> = {}): { html: string; text: string } {
  const html = renderToString(<TaskSummarySection summary={{ ...base, ...over }} />);
  return { html, text: textOf(html).replace(/\u00a0/g, ' ') };
}

test('what is owed: the amount in Russian figures and the day it is due, or that the day has passed', () => {
  assert.match(render().text, /^Главное К оплате 1 234,56 ₽ до 10 июня Последнее показание/);
  assert.match(render().html, /<p class="summary-balance debt">/);
  assert.match(
    render({ today: '2026-06-11' }).text,
    /К оплате 1 234,56 ₽ — срок оплаты истёк 10 июня 2026 г\./,
  );
  // Before the first bill there is no due date to give.
  assert.match(render({ dueDate: null, balanceKop: 16_100 }).text, /К оплате 161,00 ₽ Последнее/);
  const overpaid = render({ balanceKop: -73_865 });
  assert.match(overpaid.text, /Переплата 738,65 ₽ — будет учтена в следующем счёте/);
  assert.match(overpaid.html, /<p class="summary-balance overpaid">/);
  assert.doesNotMatch(overpaid.text, /К оплате|июня Последнее/);
  assert.match(render({ balanceKop: 0 }).text, /Задолженности нет/);
});

test('the last reading, per zone on a zoned meter, or that there is none yet', () => {
  assert.match(render().text, /Последнее показание: 28 470 от 3 июня 2026 г\./);
  assert.match(
    render({ lastReading: { date: '2026-05-15', values: [1200, 340], zones: ['day', 'night'] } }).text,
    /Последнее показание: День 1 200, Ночь 340 от 15 мая 2026 г\./,
  );
  assert.match(render({ lastReading: null }).text, /Показаний пока нет/);
});

test('the readings window: when to send, open now, or closed until next month', () => {
  assert.match(render().text, /Передайте показания с 15 по 25 июня Поверка/);
  assert.match(
    render({ window: { state: 'open', from: '2026-06-15', to: '2026-06-25', period: '2026-06' } }).text,
    /Передайте показания с 15 по 25 июня \(приём открыт\)/,
  );
  assert.match(
    render({ window: { state: 'closed', from: '2026-07-15', to: '2026-07-25', period: '2026-07' } }).text,
    /Приём показаний в этом месяце закрыт; следующий — с 15 по 25 июля/,
  );
});

test('the verification in one line, by its state', () => {
  assert.match(render().text, /Поверка счётчика действует до 23\.07\.2031/);
  const soon = render({ verification: { state: 'due_soon', due: '2026-07-23', daysLeft: 43 } });
  assert.match(soon.text, /Поверка счётчика истекает 23\.07\.2026: закажите поверку или замену/);
  assert.match(soon.html, /<li class="verification-due_soon">/);
  assert.match(
    render({ verification: { state: 'expired', due: '2025-07-23', daysLeft: -322 } }).text,
    /Срок поверки счётчика истёк 23\.07\.2025: поверьте или замените счётчик/,
  );
  assert.doesNotMatch(render({ verification: null }).text, /поверк/i);
});

test('two primary actions; without a meter in service only «Оплатить»', () => {
  const actions = (html: string) =>
    [...html.matchAll(/<a class="button primary" href="([^"]+)">([^<]+)<\/a>/g)].map(
      (m) => `${m[2]} → ${m[1]}`,
    );
  assert.deepEqual(actions(render().html), [
    'Передать показания → #reading-form',
    'Оплатить → /cabinet/payment',
  ]);
  const noMeter = render({ window: null, lastReading: null, verification: null });
  assert.deepEqual(actions(noMeter.html), ['Оплатить → /cabinet/payment']);
  assert.doesNotMatch(noMeter.text, /Передайте показания|Приём показаний/);
});
