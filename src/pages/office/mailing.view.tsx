import { FieldError } from '../../platform/views/layout.tsx';
import { OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { periodTitle } from '../../domain/dates.ts';
import { formatInteger } from '../../domain/format.ts';
import type { OutboxStatus } from '../../features/mail/mailing.repository.ts';

export interface MailingPageProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  mailings: Array<{ period: string; counts: Record<OutboxStatus, number> }>;
  /** The latest period's bills that could not be sent: account and the server's answer. */
  failures: Array<{ account: string; error: string }>;
  done?: string | undefined;
  /** A refused retry: which period, and why (next to that period's reason field). */
  refused?: { period: string; error: string; reason: string } | undefined;
}

export function MailingPage(p: MailingPageProps) {
  const retryable = p.mailings.filter((m) => m.counts.failed > 0);
  return (
    <OfficePage
      title="Рассылка счетов"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Рассылка счетов' }]}
    >
      <h1>Рассылка счетов</h1>
      {p.done && (
        <p class="notice-panel" role="status" id="mailing-done">
          {p.done}
        </p>
      )}
      {p.refused && !retryable.some((m) => m.period === p.refused?.period) && (
        // The period's form is gone (its bills were sent meanwhile): the message still shows.
        <p class="form-error" role="alert" id="mailing-refused">
          {p.refused.error}
        </p>
      )}
      {p.mailings.length === 0 ? (
        <p class="muted">Счета по электронной почте ещё не рассылались.</p>
      ) : (
        <section class="panel" aria-labelledby="mailing-title">
          <h2 id="mailing-title">По периодам</h2>
          <MailingTable mailings={p.mailings} />
          <p class="hint" id="mailing-bounced-note">
            «Отказ получателя»: почтовый сервер абонента отказался принять письмо (адрес не существует, ящик
            закрыт). Такие письма не отправляются повторно: рассылка на адрес приостановлена, пока абонент не
            подтвердит адрес ещё раз в Личном кабинете.
          </p>
        </section>
      )}
      {p.failures.length > 0 && (
        <section class="panel" aria-labelledby="failures-title">
          <h2 id="failures-title">Последние ошибки отправки</h2>
          <ul id="failures">
            {p.failures.map((f) => (
              <li>
                {f.account}: {f.error}
              </li>
            ))}
          </ul>
        </section>
      )}
      {retryable.map((m) => (
        <RetryForm
          period={m.period}
          failed={m.counts.failed}
          csrfToken={p.csrfToken}
          refused={p.refused?.period === m.period ? p.refused : undefined}
        />
      ))}
    </OfficePage>
  );
}

/** Queue a period's failed bills again, with the mandatory reason. */
function RetryForm(p: {
  period: string;
  failed: number;
  csrfToken: string;
  refused: { error: string; reason: string } | undefined;
}) {
  const id = `retry-${p.period}`;
  return (
    <form method="post" action="/office/mailing/retry" class="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {periodTitle(p.period)}: не отправлено {formatInteger(p.failed)}
      </h2>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <input type="hidden" name="period" value={p.period} />
      <div class={`field${p.refused ? ' has-error' : ''}`}>
        <label for={id}>Причина повторной отправки</label>
        <input
          id={id}
          name="reason"
          type="text"
          maxLength={500}
          value={p.refused?.reason ?? ''}
          aria-invalid={p.refused ? 'true' : undefined}
          aria-describedby={p.refused ? `${id}-error` : undefined}
        />
        <FieldError id={`${id}-error`} message={p.refused?.error} />
      </div>
      <button type="submit" class="button">
        Отправить повторно
      </button>
    </form>
  );
}

function MailingTable({ mailings }: { mailings: MailingPageProps['mailings'] }) {
  return (
    <table class="history" id="mailings" aria-labelledby="mailing-title">
      <thead>
        <tr>
          <th scope="col">Период</th>
          <th scope="col" class="num">
            Всего
          </th>
          <th scope="col" class="num">
            В очереди
          </th>
          <th scope="col" class="num">
            Отправлено
          </th>
          <th scope="col" class="num">
            Не отправлено
          </th>
          <th scope="col" class="num">
            Отменено
          </th>
          <th scope="col" class="num">
            Отказ получателя
          </th>
        </tr>
      </thead>
      <tbody>
        {mailings.map(({ period, counts: c }) => (
          <tr>
            <td data-label="Период">{periodTitle(period)}</td>
            <td data-label="Всего" class="num">
              {formatInteger(c.queued + c.sending + c.sent + c.failed + c.cancelled + c.bounced)}
            </td>
            <td data-label="В очереди" class="num">
              {formatInteger(c.queued + c.sending)}
            </td>
            <td data-label="Отправлено" class="num">
              {formatInteger(c.sent)}
            </td>
            <td data-label="Не отправлено" class="num">
              {formatInteger(c.failed)}
            </td>
            <td data-label="Отменено" class="num">
              {formatInteger(c.cancelled)}
            </td>
            <td data-label="Отказ получателя" class="num">
              {formatInteger(c.bounced)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
