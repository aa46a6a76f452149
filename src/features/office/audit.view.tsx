import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import { Field, OFFICE_CRUMB, OfficePage, type OfficeUser } from './office.view.tsx';
import type { AuditEntry } from './audit.repository.ts';
import type { AuditQuery, AuditQueryErrors } from './audit.service.ts';

export interface AuditPageProps {
  supplierName: string;
  csrfToken: string;
  me: OfficeUser;
  query: AuditQuery;
  errors: AuditQueryErrors;
  /** The page's entries, newest first, with their times as the supplier's wall clock. */
  entries: Array<AuditEntry & { time: string }>;
  /** Where the next (older) page is, when there is one. */
  nextHref: string | null;
  /** The CSV of everything the filter matches (absent while the filter is refused). */
  csvHref: string | null;
}

const FIELD_LABELS: Record<keyof AuditQuery, string> = {
  staff: 'Сотрудник (логин)',
  account: 'Лицевой счёт',
  event: 'Действие (начало кода)',
  from: 'С даты',
  to: 'По дату',
};

const OUTCOMES: Record<string, string> = { ok: 'успешно', refused: 'отказано', failed: 'ошибка' };

export function AuditPage(p: AuditPageProps) {
  const field = (name: keyof AuditQuery, hint?: string, inputMode?: 'numeric') => (
    <Field
      id={`audit-${name}`}
      name={name}
      label={FIELD_LABELS[name]}
      value={p.query[name]}
      error={p.errors[name]}
      hint={hint}
      inputMode={inputMode}
      maxLength={60}
    />
  );
  return (
    <OfficePage
      title="Журнал аудита"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.me}
      crumbs={[OFFICE_CRUMB, { title: 'Журнал аудита' }]}
    >
      <h1>Журнал аудита</h1>
      <form method="get" action="/office/audit" class="panel" aria-labelledby="audit-filter-title" novalidate>
        <h2 id="audit-filter-title">Отбор</h2>
        <ErrorSummary
          id="audit-errors"
          title="Отбор не выполнен"
          fields={(Object.keys(FIELD_LABELS) as Array<keyof AuditQuery>).map((k) => ({
            field: `audit-${k}`,
            message: p.errors[k] ?? '',
          }))}
        />
        {field('staff')}
        {field('account', undefined, 'numeric')}
        {field('event', 'Например: login, staff., reading, payment')}
        {field('from', 'ГГГГ-ММ-ДД')}
        {field('to', 'ГГГГ-ММ-ДД, включительно')}
        <button type="submit" class="button">
          Показать
        </button>
      </form>
      <section class="panel" aria-labelledby="audit-title">
        <h2 id="audit-title">Записи</h2>
        {p.csvHref && (
          <p>
            <a href={p.csvHref} download>
              Скачать всё найденное (CSV)
            </a>
          </p>
        )}
        {p.entries.length > 0 ? (
          <AuditTable entries={p.entries} />
        ) : (
          <p class="muted">{Object.keys(p.errors).length > 0 ? 'Исправьте отбор.' : 'Записей нет.'}</p>
        )}
        {p.nextHref && (
          <p class="history-more">
            <a href={p.nextHref}>Более ранние записи</a>
          </p>
        )}
      </section>
    </OfficePage>
  );
}

function AuditTable({ entries }: { entries: AuditPageProps['entries'] }) {
  return (
    <table class="history" id="audit" aria-labelledby="audit-title">
      <thead>
        <tr>
          <th scope="col">Время</th>
          <th scope="col">Действие</th>
          <th scope="col">Результат</th>
          <th scope="col">Лицевой счёт</th>
          <th scope="col">Сотрудник</th>
          <th scope="col">Адрес</th>
          <th scope="col">Подробности</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr>
            <td data-label="Время">{e.time}</td>
            <td data-label="Действие">
              <code>{e.event}</code>
            </td>
            <td data-label="Результат">{OUTCOMES[e.outcome] ?? e.outcome}</td>
            <td data-label="Лицевой счёт">{e.accountNumber ?? '—'}</td>
            <td data-label="Сотрудник">{e.staffLogin ?? '—'}</td>
            <td data-label="Адрес">{e.ip ?? '—'}</td>
            <td data-label="Подробности" class="audit-details">
              {e.details ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
