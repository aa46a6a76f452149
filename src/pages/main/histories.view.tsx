import type { ComponentChildren, VNode } from 'preact';
import { formatInteger, formatRubles } from '../../domain/format.ts';
import { ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import type { MainPageModel } from './main.service.ts';

/** The main page's history panels: payments, readings and charges of the current and previous year. */

function billHref(period: string): string {
  return `/cabinet/bills/${period}.pdf`;
}

/** A history panel: its title, the table when there are rows (`head` and `rows`), else the note. */
function HistoryPanel(p: {
  id: string;
  title: string;
  empty: string;
  head: ComponentChildren;
  rows: VNode[];
}) {
  const titleId = `${p.id}-title`;
  return (
    <section class="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{p.title}</h2>
      {p.rows.length > 0 ? (
        <div class="table-scroll" role="region" aria-labelledby={titleId} tabindex={0}>
          <table class="history" id={p.id}>
            <thead>
              <tr>{p.head}</tr>
            </thead>
            <tbody>{p.rows}</tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{p.empty}</p>
      )}
    </section>
  );
}

export function PaymentsHistory({ payments }: { payments: MainPageModel['payments'] }) {
  return (
    <HistoryPanel
      id="payments"
      title="История платежей"
      empty="Платежей за текущий и предыдущий год нет."
      head={
        <>
          <th scope="col">Дата</th>
          <th scope="col" class="num">
            Сумма руб.
          </th>
        </>
      }
      rows={payments.map((p) => (
        <tr>
          <td>{p.paidOn}</td>
          <td class="num">{formatRubles(p.amountKop)}</td>
        </tr>
      ))}
    />
  );
}

export function ReadingsHistory(p: { readings: MainPageModel['readings']; zones: Zone[] | undefined }) {
  const zones = p.zones ?? ['single'];
  const multi = zones.length > 1;
  return (
    <HistoryPanel
      id="readings"
      title="История переданных показаний"
      empty="Показаний за текущий и предыдущий год нет."
      head={
        <>
          <th scope="col">Дата</th>
          <th scope="col" class="num">
            Показание счетчика
          </th>
          <th scope="col">Способ передачи показания</th>
          <th scope="col">Статус</th>
        </>
      }
      rows={p.readings.map((r) => (
        <tr class={`status-${r.statusCode}`}>
          <td>{r.date}</td>
          <td class="num">
            {multi
              ? r.values.map((v, i) => (
                  <span class="zone-value">
                    {ZONE_TITLES[zones[i] ?? 'single']}: {formatInteger(v)}
                  </span>
                ))
              : formatInteger(r.values[0] ?? 0)}
          </td>
          <td>{r.channel}</td>
          <td>{r.status}</td>
        </tr>
      ))}
    />
  );
}

const METHOD_TITLES: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему',
  norm: 'по нормативу',
};

export function ChargesHistory({ charges }: { charges: MainPageModel['charges'] }) {
  return (
    <HistoryPanel
      id="charges"
      title="История начислений"
      empty="Начислений за предыдущий и текущий год нет."
      head={
        <>
          <th scope="col">Дата выставления счета</th>
          <th scope="col" class="num">
            Показание прибора учета
          </th>
          <th scope="col" class="num">
            Начислено ОДН, руб.
          </th>
          <th scope="col" class="num">
            Долг в рублях
          </th>
          <th scope="col">Квитанция с начислениями за период в формате PDF</th>
          <th scope="col" class="explain">
            Как рассчитано
          </th>
        </>
      }
      rows={charges.map((c) => (
        <tr>
          <td>{c.billedOn}</td>
          <td class="num">
            {c.readingValue === null ? (
              <span title={METHOD_TITLES[c.method]}>{METHOD_TITLES[c.method] ?? '—'}</span>
            ) : (
              formatInteger(c.readingValue)
            )}
          </td>
          <td class="num">{formatRubles(c.odnKop)}</td>
          <td class={c.debtKop > 0 ? 'num debt' : c.debtKop < 0 ? 'num overpaid' : 'num'}>
            {formatRubles(c.debtKop)}
          </td>
          <td>
            <a href={billHref(c.period)}>{c.title}</a>
          </td>
          <td class="explain">
            <details>
              <summary>Как рассчитано</summary>
              {c.explanation.map((line) => (
                <p>{line}</p>
              ))}
            </details>
          </td>
        </tr>
      ))}
    />
  );
}
