import { FieldError } from '../../platform/views/layout.tsx';
import { formatInteger } from '../../domain/format.ts';
import { SUSPICIOUS_KWH } from '../../domain/consumption.ts';
import { zonesFor, ZONE_TITLES } from '../../domain/tariff.ts';
import { FormError, OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { CHANNEL_TITLES, STATUS_TITLES } from '../../features/readings/reading-titles.ts';
import type { DecideErrors, QueueItem, QueuePage } from './review.service.ts';

// The review queue's pages: the list with checkboxes and one bulk decision (works without
// JavaScript: one form, the checked readings and the button pressed), and one reading's page.

const HELD_FOR: Record<string, string> = {
  rollover: 'меньше предыдущего (переход через ноль или ошибка)',
  over_limit: `расход более ${formatInteger(SUSPICIOUS_KWH)} кВт·ч`,
};

export const REVIEW_CRUMB = { title: 'Показания на проверке', href: '/office/review' };

export interface DecisionValues {
  ids: number[];
  decision: string;
  reason: string;
}

function values(v: number[], zoneCount: number): string {
  const zones = zonesFor(zoneCount);
  return zones.length > 1
    ? v.map((x, i) => `${ZONE_TITLES[zones[i] ?? 'single']}: ${formatInteger(x)}`).join(', ')
    : formatInteger(v[0] ?? 0);
}

function Held({ item }: { item: QueueItem }) {
  return (
    <>
      <p>
        Лицевой счёт <a href={`/office/accounts/${item.accountId}`}>{item.account}</a>, {item.holder},{' '}
        {item.address}.
      </p>
      <p>
        Счётчик № {item.meterSerial} ({item.digits} разрядов): показание{' '}
        <strong>{values(item.values, item.zones)}</strong> от {item.readingDate}, способ передачи «
        {CHANNEL_TITLES[item.channel] ?? item.channel}». Задержано:{' '}
        {HELD_FOR[item.reason ?? ''] ?? item.reason}.
      </p>
      <table class="history">
        <caption>Последние показания по счёту</caption>
        <thead>
          <tr>
            <th scope="col">Дата</th>
            <th scope="col" class="num">
              Показание
            </th>
            <th scope="col">Способ</th>
            <th scope="col">Статус</th>
          </tr>
        </thead>
        <tbody>
          {item.history.map((h) => (
            <tr class={`status-${h.status}`}>
              <td>{h.readingDate}</td>
              <td class="num">{values(h.values, item.zones)}</td>
              <td>{CHANNEL_TITLES[h.channel] ?? h.channel}</td>
              <td>
                {STATUS_TITLES[h.status] ?? h.status}
                {h.id === item.id ? ' (это показание)' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ReasonField(p: { id: string; value: string; error: string | undefined }) {
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={p.id}>Причина решения (её увидит абонент)</label>
      <input
        id={p.id}
        name="reason"
        type="text"
        maxLength={500}
        value={p.value}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={p.error ? `${p.id}-error` : undefined}
      />
      <FieldError id={`${p.id}-error`} message={p.error} />
    </div>
  );
}

function DecisionButtons(p: { error: string | undefined }) {
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <button type="submit" name="decision" value="accepted" class="button primary">
        Принять
      </button>{' '}
      <button type="submit" name="decision" value="rejected" class="button">
        Отклонить
      </button>
      <FieldError id="decision-error" message={p.error} />
    </div>
  );
}

function QueueItems(p: { items: QueueItem[]; canDecide: boolean; picked: number[] }) {
  return (
    <ul class="offices">
      {p.items.map((item) => (
        <li class="panel" id={`reading-${item.id}`}>
          {p.canDecide && (
            <div class="field checkbox">
              <input
                id={`pick-${item.id}`}
                name="ids"
                type="checkbox"
                value={String(item.id)}
                checked={p.picked.includes(item.id)}
              />
              <label for={`pick-${item.id}`}>Выбрать показание № {item.id}</label>
            </div>
          )}
          <Held item={item} />
          <p>
            <a href={`/office/review/${item.id}`}>
              {p.canDecide ? 'Решить по этому показанию отдельно' : `Открыть показание № ${item.id}`}
            </a>
          </p>
        </li>
      ))}
    </ul>
  );
}

export function ReviewQueuePage(p: {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  queue: QueuePage;
  /** The operator may decide (the accountant only reads the queue). */
  canDecide: boolean;
  notice?: string | undefined;
  errors?: DecideErrors;
  values?: DecisionValues;
}) {
  const e = p.errors ?? {};
  const v = p.values ?? { ids: [], decision: '', reason: '' };
  const q = p.queue;
  return (
    <OfficePage
      title="Показания на проверке"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: REVIEW_CRUMB.title }]}
    >
      <h1>Показания на проверке</h1>
      {p.notice && (
        <p class="notice-panel panel" role="status" id="review-notice">
          {p.notice}
        </p>
      )}
      <p id="review-total">
        Ожидают решения: {formatInteger(q.total)}
        {q.pages > 1 ? ` (страница ${q.page} из ${q.pages})` : ''}.
      </p>
      {q.items.length > 0 && (
        <form method="post" action="/office/review" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormError
            message={Object.keys(e).length > 0 ? 'Решение не принято: исправьте отмеченное.' : undefined}
          />
          <fieldset
            class={`field${e.ids ? ' has-error' : ''}`}
            aria-describedby={e.ids ? 'ids-error' : undefined}
          >
            <legend>Показания</legend>
            <FieldError id="ids-error" message={e.ids} />
            <QueueItems items={q.items} canDecide={p.canDecide} picked={v.ids} />
          </fieldset>
          {p.canDecide && (
            <>
              <ReasonField id="bulk-reason" value={v.reason} error={e.reason} />
              <DecisionButtons error={e.decision} />
            </>
          )}
        </form>
      )}
      {q.pages > 1 && (
        <nav aria-label="Страницы очереди">
          {q.page > 1 && <a href={`/office/review?page=${q.page - 1}`}>Предыдущая страница</a>}{' '}
          {q.page < q.pages && <a href={`/office/review?page=${q.page + 1}`}>Следующая страница</a>}
        </nav>
      )}
    </OfficePage>
  );
}

export function ReviewOnePage(p: {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  item: QueueItem;
  /** The operator may decide; the accountant reads the reading and its history only. */
  canDecide: boolean;
  errors?: DecideErrors;
  reason?: string;
}) {
  const e = p.errors ?? {};
  return (
    <OfficePage
      title={`Показание № ${p.item.id}`}
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, REVIEW_CRUMB, { title: `Показание № ${p.item.id}` }]}
    >
      <h1>Показание № {p.item.id}</h1>
      <section class="panel">
        <Held item={p.item} />
      </section>
      {p.canDecide ? (
        <form method="post" action={`/office/review/${p.item.id}`} novalidate class="panel">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormError
            message={Object.keys(e).length > 0 ? 'Решение не принято: исправьте отмеченное.' : undefined}
          />
          <ReasonField id="one-reason" value={p.reason ?? ''} error={e.reason} />
          <DecisionButtons error={e.decision ?? e.ids} />
        </form>
      ) : (
        <p class="panel" id="review-read-only">
          Принять или отклонить показание может оператор; вам эта страница доступна для просмотра.
        </p>
      )}
    </OfficePage>
  );
}
