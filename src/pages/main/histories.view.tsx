import type { ComponentChildren, VNode } from 'preact';
import { formatInteger, formatRubles } from '../../domain/format.ts';
import { ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import type { ChargeRow, HistoryKind, ReadingRow } from './histories.service.ts';
import type { PaymentItem } from '../../features/payments/payments.repository.ts';
import { PAYMENT_CHANNEL_TITLES } from '../../features/payments/payment-titles.ts';

/**
 * The history panels: payments, readings and charges of the current and previous year, newest
 * first. On the main page each shows its newest rows and, when it holds more, links to its own
 * page («Показать все»), which shows it whole.
 */

function billHref(period: string): string {
  return `/cabinet/bills/${period}.pdf`;
}

export const HISTORY_TITLES: Record<HistoryKind, string> = {
  payments: 'История платежей',
  readings: 'История переданных показаний',
  charges: 'История начислений',
};

export function historyHref(kind: HistoryKind): string {
  return `/cabinet/history/${kind}`;
}

/** What a panel is given: its rows and, on the main page, whether it holds more («Показать все»). */
interface PanelProps {
  more?: boolean;
  /** The history's own page: the panel's title is the page's heading. */
  page?: boolean;
}

/**
 * A history panel: its title, the table when there are rows (`head` and `rows`), else the note;
 * a link to the whole history when `more`. Its heading is an h1 on the history's own page.
 *
 * No scrolling frame: on a narrow screen each row becomes a card (site.css), each cell under its
 * column's name (`data-label`, the column header's words), so the table is never wider than the
 * screen.
 */
function HistoryPanel(p: {
  id: HistoryKind;
  title: string;
  empty: string;
  head: ComponentChildren;
  rows: VNode[];
  more: boolean | undefined;
  page: boolean | undefined;
}) {
  const titleId = `${p.id}-title`;
  return (
    <section class="panel" aria-labelledby={titleId}>
      {p.page ? <h1 id={titleId}>{p.title}</h1> : <h2 id={titleId}>{p.title}</h2>}
      {p.rows.length > 0 ? (
        <table class="history" id={p.id} aria-labelledby={titleId}>
          <thead>
            <tr>{p.head}</tr>
          </thead>
          <tbody>{p.rows}</tbody>
        </table>
      ) : (
        <p class="muted">{p.empty}</p>
      )}
      {p.more && (
        <p class="history-more">
          <a href={historyHref(p.id)} aria-describedby={titleId}>
            Показать все
          </a>
        </p>
      )}
    </section>
  );
}

export function PaymentsHistory({ payments, more, page }: PanelProps & { payments: PaymentItem[] }) {
  return (
    <HistoryPanel
      more={more}
      page={page}
      id="payments"
      title={HISTORY_TITLES.payments}
      empty="Платежей за текущий и предыдущий год нет."
      head={
        <>
          <th scope="col">Дата</th>
          <th scope="col" class="num">
            Сумма руб.
          </th>
          <th scope="col">Источник</th>
        </>
      }
      rows={payments.map((p) => (
        <tr>
          <td data-label="Дата">{p.paidOn}</td>
          <td class="num" data-label="Сумма руб.">
            {formatRubles(p.amountKop)}
          </td>
          <td data-label="Источник">{p.source ?? PAYMENT_CHANNEL_TITLES[p.channel] ?? p.channel}</td>
        </tr>
      ))}
    />
  );
}

export function ReadingsHistory(p: PanelProps & { readings: ReadingRow[]; zones: Zone[] | undefined }) {
  const zones = p.zones ?? ['single'];
  const multi = zones.length > 1;
  return (
    <HistoryPanel
      more={p.more}
      page={p.page}
      id="readings"
      title={HISTORY_TITLES.readings}
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
          <td data-label="Дата">{r.date}</td>
          <td class="num" data-label="Показание счетчика">
            {multi
              ? r.values.map((v, i) => (
                  <span class="zone-value">
                    {ZONE_TITLES[zones[i] ?? 'single']}: {formatInteger(v)}
                  </span>
                ))
              : formatInteger(r.values[0] ?? 0)}
          </td>
          <td data-label="Способ передачи показания">{r.channel}</td>
          <td data-label="Статус">{r.status}</td>
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

export function ChargesHistory({ charges, more, page }: PanelProps & { charges: ChargeRow[] }) {
  return (
    <HistoryPanel
      more={more}
      page={page}
      id="charges"
      title={HISTORY_TITLES.charges}
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
          <td data-label="Дата выставления счета">{c.billedOn}</td>
          <td class="num" data-label="Показание прибора учета">
            {c.readingValue === null ? (
              <span title={METHOD_TITLES[c.method]}>{METHOD_TITLES[c.method] ?? '—'}</span>
            ) : (
              formatInteger(c.readingValue)
            )}
          </td>
          <td class="num" data-label="Начислено ОДН, руб.">
            {formatRubles(c.odnKop)}
          </td>
          <td
            class={c.debtKop > 0 ? 'num debt' : c.debtKop < 0 ? 'num overpaid' : 'num'}
            data-label="Долг в рублях"
          >
            {formatRubles(c.debtKop)}
          </td>
          <td data-label="Квитанция (PDF)">
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
