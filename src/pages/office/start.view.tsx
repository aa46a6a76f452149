import { OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { periodTitle } from '../../domain/dates.ts';
import { formatInteger, formatRublesRu } from '../../domain/format.ts';
import type { PeriodState } from '../../features/billing/billing.repository.ts';

export interface StartFigures {
  review: number;
  period: PeriodState | undefined;
  /** Registry payments waiting for an account. */
  unallocated: number;
  mailing:
    | {
        period: string;
        total: number;
        queued: number;
        sent: number;
        failed: number;
        cancelled: number;
        bounced: number;
      }
    | undefined;
}

export function StartPage(p: {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  figures: StartFigures;
}) {
  const { review, period, mailing, unallocated } = p.figures;
  return (
    <OfficePage title="Служебный раздел" supplierName={p.supplierName} csrfToken={p.csrfToken} user={p.user}>
      <h1>Сводка</h1>
      <section class="panel" aria-labelledby="start-review">
        <h2 id="start-review">Показания на проверке</h2>
        <p>
          Ожидают решения: <strong id="review-count">{formatInteger(review)}</strong>
          {review > 0 &&
            ' (правила задержали их: слишком большой расход, переход через ноль, меньше предыдущего и т. п.).'}
        </p>
        {(p.user.roles.includes('operator') || p.user.roles.includes('accountant')) && (
          <p>
            <a href="/office/review">Открыть очередь проверки</a>
          </p>
        )}
      </section>
      <section class="panel" aria-labelledby="start-period">
        <h2 id="start-period">Расчётный период</h2>
        {period ? (
          <p id="period-state">
            {periodTitle(period.period)}:{' '}
            {period.status === 'closed'
              ? `закрыт, лицевых счетов ${formatInteger(period.accounts)}, начислено ${formatRublesRu(period.totalKop)}.`
              : 'идёт закрытие (или оно прервано и будет продолжено при следующем запуске).'}
          </p>
        ) : (
          <p id="period-state">Ни один месяц ещё не закрыт.</p>
        )}
        {p.user.roles.includes('accountant') && (
          <p>
            <a href="/office/closing">Открыть закрытие месяца</a>
          </p>
        )}
      </section>
      <section class="panel" aria-labelledby="start-mailing">
        <h2 id="start-mailing">Рассылка квитанций</h2>
        {mailing ? (
          <p id="mailing-state">
            {periodTitle(mailing.period)}: всего {formatInteger(mailing.total)}, в очереди{' '}
            {formatInteger(mailing.queued)}, отправлено {formatInteger(mailing.sent)}, с ошибкой{' '}
            {formatInteger(mailing.failed)}, отменено {formatInteger(mailing.cancelled)}, отказ получателя{' '}
            {formatInteger(mailing.bounced)}.
          </p>
        ) : (
          <p id="mailing-state">Рассылка ещё не запускалась.</p>
        )}
      </section>
      <section class="panel" aria-labelledby="start-unallocated">
        <h2 id="start-unallocated">Неразнесённые платежи</h2>
        <p>
          Платежей из реестров ждут лицевого счёта:{' '}
          <strong id="unallocated-count">{formatInteger(unallocated)}</strong>
        </p>
        {p.user.roles.includes('accountant') && (
          <p>
            <a href="/office/payments">Открыть платежи</a>
          </p>
        )}
      </section>
      {p.user.roles.includes('accountant') && (
        <section class="panel" aria-labelledby="start-exports">
          <h2 id="start-exports">Выгрузки</h2>
          <p>Начисления, сальдо и платежи для 1С, должники, реестр задолженности для банка.</p>
          <p>
            <a href="/office/exports">Открыть выгрузки</a>
          </p>
        </section>
      )}
    </OfficePage>
  );
}
