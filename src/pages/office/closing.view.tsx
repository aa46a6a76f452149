import { OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { periodTitle } from '../../domain/dates.ts';
import { formatDecimalRu, formatInteger, formatKwhRu, formatRublesRu } from '../../domain/format.ts';
import type { ClosingJob, ClosingSummary, PeriodRow } from '../../features/billing/closing-job.ts';
import { instantFormat } from './card.view.tsx';
import { ReasonField } from './account-actions.view.tsx';

// The accountant's month closing (/office/closing): the periods' state, the form that starts the
// closing of the period that may be closed now (asked again: «Закрыть месяц …?»), the progress of
// the one running, and the summary of a finished one with «Подтвердить итоги», which releases the
// bill mailing. The start's question and the confirmation each ask for a reason («Основание»),
// kept in the audit log. The progress is brought up to date by an «Обновить» link, or, when the accountant
// asks for it, by the browser itself (the plugin's `Refresh` header; no script). Not by default:
// a page that reloads by itself unasked moves a screen reader's place (WCAG 2.2.1, axe's
// meta-refresh rule).

/** How often the page reloads itself when the accountant asked for it. */
export const REFRESH_SECONDS = 5;

export interface ClosingPageProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  timeZone: string;
  periods: PeriodRow[];
  /** The closing waiting or running, with its rate (accounts a second) and seconds left. */
  active: { job: ClosingJob; rate: number | null; secondsLeft: number | null } | undefined;
  /** The newest finished closing started here, and its summary when it succeeded. */
  last: { job: ClosingJob; summary: ClosingSummary | undefined } | undefined;
  /** The period the start form offers (none: the next month has not ended yet). */
  closable: string | undefined;
  /** The start was pressed: ask again before queueing. */
  asking?: string | undefined;
  /** The start's reason as typed, and its message. */
  reason?: string | undefined;
  reasonError?: string | undefined;
  /** The confirmation's reason as typed, and its message. */
  confirmReason?: string | undefined;
  confirmReasonError?: string | undefined;
  refused?: string | undefined;
  done?: string | undefined;
  /** The accountant asked the page to reload itself while the closing runs. */
  auto?: boolean | undefined;
}

export function ClosingPage(p: ClosingPageProps) {
  const at = instantFormat(p.timeZone);
  const confirmable =
    p.last?.job.state === 'done' && p.last.summary !== undefined && p.last.job.confirmedAt === null;
  // Without the confirmation's form (confirmed meanwhile, or another closing), its message shows on top.
  const refused = p.refused ?? (confirmable ? undefined : p.confirmReasonError);
  return (
    <OfficePage
      title="Закрытие месяца"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Закрытие месяца' }]}
    >
      <h1>Закрытие месяца</h1>
      {p.done && (
        <p class="notice-panel" role="status" id="closing-done">
          {p.done}
        </p>
      )}
      {refused && (
        <p class="form-error" role="alert" id="closing-refused">
          {refused}
        </p>
      )}
      {p.active ? (
        <Progress {...p.active} at={at} auto={p.auto === true} />
      ) : p.asking ? (
        <AskForm period={p.asking} csrfToken={p.csrfToken} reason={p.reason ?? ''} error={p.reasonError} />
      ) : (
        <StartForm period={p.closable} csrfToken={p.csrfToken} />
      )}
      {p.last && (
        <LastClosing
          {...p.last}
          at={at}
          csrfToken={p.csrfToken}
          reason={p.confirmReason ?? ''}
          error={p.confirmReasonError}
        />
      )}
      <Periods periods={p.periods} at={at} />
    </OfficePage>
  );
}

function StartForm(p: { period: string | undefined; csrfToken: string }) {
  return (
    <section class="panel" aria-labelledby="closing-start-title">
      <h2 id="closing-start-title">Запустить закрытие</h2>
      {p.period ? (
        <form method="post" action="/office/closing">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="period" value={p.period} />
          <p>
            Следующий месяц к закрытию: <strong id="closable">{periodTitle(p.period)}</strong>. Закрытие
            начислит каждому лицевому счёту плату за месяц по действующим правилам; закрытый месяц не меняется
            (только перерасчётом).
          </p>
          <button type="submit" class="button primary">
            Закрыть месяц
          </button>
        </form>
      ) : (
        <p id="closable">Закрывать пока нечего: текущий месяц ещё не закончился.</p>
      )}
    </section>
  );
}

/** What the reason field of the closing's forms is called: the accountant's «Основание». */
const REASON_LABEL = 'Основание (сохраняется в журнале действий)';

function AskForm(p: { period: string; csrfToken: string; reason: string; error: string | undefined }) {
  return (
    <form method="post" action="/office/closing" class="panel" aria-labelledby="closing-ask-title">
      <h2 id="closing-ask-title">Закрыть месяц {periodTitle(p.period)}?</h2>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <input type="hidden" name="period" value={p.period} />
      <input type="hidden" name="confirm" value="yes" />
      <p>Закрытие идёт в фоне, прогресс виден на этой странице. Отменить начатое закрытие нельзя.</p>
      <ReasonField id="closing-reason" value={p.reason} error={p.error} label={REASON_LABEL} />
      <button type="submit" class="button primary">
        Да, закрыть
      </button>{' '}
      <a href="/office/closing">Отмена</a>
    </form>
  );
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} мин ${s} с` : `${s} с`;
}

function Progress(
  p: NonNullable<ClosingPageProps['active']> & { at: (ms: number) => string; auto: boolean },
) {
  const { job } = p;
  const percent = job.total > 0 ? Math.floor((job.done * 100) / job.total) : 0;
  return (
    <section class="panel" aria-labelledby="closing-progress-title" id="closing-progress">
      <h2 id="closing-progress-title">Идёт закрытие: {periodTitle(job.period)}</h2>
      {job.state === 'queued' || job.total === 0 ? (
        <p id="closing-figures">Закрытие в очереди: оно начнётся в течение нескольких секунд.</p>
      ) : (
        <>
          <progress max={job.total} value={job.done} aria-labelledby="closing-progress-title">
            {percent}%
          </progress>
          <p id="closing-figures">
            Лицевых счетов: {formatInteger(job.done)} из {formatInteger(job.total)} ({percent}%); счетов в
            секунду: {p.rate === null ? '—' : formatDecimalRu(Math.round(p.rate * 10), 1)}; осталось{' '}
            {p.secondsLeft === null ? '—' : `около ${duration(p.secondsLeft)}`}.
          </p>
        </>
      )}
      <p class="hint">
        Запущено {p.at(job.requestedAt)}
        {job.runs > 1 ? `; продолжено после остановки (запусков: ${job.runs})` : ''}.{' '}
        <a href={p.auto ? '/office/closing?auto=1' : '/office/closing'}>Обновить</a>
        {' · '}
        {p.auto ? (
          <>
            Страница обновляется сама каждые {REFRESH_SECONDS} секунд.{' '}
            <a href="/office/closing">Не обновлять автоматически</a>
          </>
        ) : (
          <a href="/office/closing?auto=1">Обновлять автоматически каждые {REFRESH_SECONDS} секунд</a>
        )}
      </p>
    </section>
  );
}

const METHODS: Array<['readings' | 'average' | 'norm', string]> = [
  ['readings', 'по показаниям'],
  ['average', 'по среднему (п. 59)'],
  ['norm', 'по нормативу (п. 60)'],
];

function LastClosing(
  p: NonNullable<ClosingPageProps['last']> & {
    at: (ms: number) => string;
    csrfToken: string;
    reason: string;
    error: string | undefined;
  },
) {
  const { job, summary } = p;
  if (job.state === 'failed' || !summary) {
    return (
      <section class="panel" aria-labelledby="closing-last-title">
        <h2 id="closing-last-title">Закрытие {periodTitle(job.period)} не завершено</h2>
        <p id="closing-error">{job.error}</p>
      </section>
    );
  }
  return (
    <section class="panel" aria-labelledby="closing-summary-title" id="closing-summary">
      <h2 id="closing-summary-title">Итоги закрытия: {periodTitle(job.period)}</h2>
      <SummaryTable summary={summary} />
      {job.confirmedAt !== null ? (
        <p id="closing-confirmed">
          Итоги подтверждены {p.at(job.confirmedAt)}; рассылка квитанций запущена (
          <a href="/office/mailing">Рассылка счетов</a>).
        </p>
      ) : (
        <form method="post" action={`/office/closing/${job.id}/confirm`}>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <p>Проверьте итоги: после подтверждения квитанции за месяц уйдут абонентам по электронной почте.</p>
          <ReasonField id="confirm-reason" value={p.reason} error={p.error} label={REASON_LABEL} />
          <button type="submit" class="button primary">
            Подтвердить итоги
          </button>
        </form>
      )}
    </section>
  );
}

function SummaryTable({ summary }: { summary: ClosingSummary }) {
  return (
    <table class="history" aria-labelledby="closing-summary-title">
      <thead>
        <tr>
          <th scope="col">Начислено</th>
          <th scope="col" class="num">
            Счетов
          </th>
          <th scope="col" class="num">
            кВт·ч
          </th>
          <th scope="col" class="num">
            Сумма
          </th>
        </tr>
      </thead>
      <tbody>
        {METHODS.map(([key, title]) => (
          <tr>
            <td data-label="Начислено">{title}</td>
            <td data-label="Счетов" class="num">
              {formatInteger(summary.byMethod[key].accounts)}
            </td>
            <td data-label="кВт·ч" class="num">
              {formatKwhRu(summary.byMethod[key].kwh)}
            </td>
            <td data-label="Сумма" class="num">
              {formatRublesRu(summary.byMethod[key].amountKop)}
            </td>
          </tr>
        ))}
        <tr>
          <td data-label="Начислено">на общедомовые нужды (ОДН)</td>
          <td data-label="Счетов" class="num"></td>
          <td data-label="кВт·ч" class="num">
            {formatKwhRu(summary.odn.kwh)}
          </td>
          <td data-label="Сумма" class="num">
            {formatRublesRu(summary.odn.kop)}
          </td>
        </tr>
        <tr>
          <td data-label="Начислено">перерасчёты прошлых месяцев</td>
          <td data-label="Счетов" class="num"></td>
          <td data-label="кВт·ч" class="num"></td>
          <td data-label="Сумма" class="num">
            {formatRublesRu(summary.recalcKop)}
          </td>
        </tr>
        <tr id="closing-total">
          <th scope="row">Всего</th>
          <td data-label="Счетов" class="num">
            {formatInteger(summary.accounts)}
          </td>
          <td data-label="кВт·ч" class="num">
            {formatKwhRu(summary.kwh + summary.odn.kwh)}
          </td>
          <td data-label="Сумма" class="num">
            {formatRublesRu(summary.totalKop)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Periods({ periods, at }: { periods: PeriodRow[]; at: (ms: number) => string }) {
  return (
    <section class="panel" aria-labelledby="closing-periods-title">
      <h2 id="closing-periods-title">Расчётные периоды</h2>
      {periods.length === 0 ? (
        <p>Ни один месяц ещё не закрыт.</p>
      ) : (
        <table class="history" id="closing-periods" aria-labelledby="closing-periods-title">
          <thead>
            <tr>
              <th scope="col">Период</th>
              <th scope="col">Состояние</th>
              <th scope="col" class="num">
                Счетов
              </th>
              <th scope="col" class="num">
                Начислено
              </th>
            </tr>
          </thead>
          <tbody>
            {periods.map((r) => (
              <tr>
                <td data-label="Период">{periodTitle(r.period)}</td>
                <td data-label="Состояние">
                  {r.status === 'closed' && r.closedAt !== null
                    ? `закрыт ${at(r.closedAt)}`
                    : 'идёт закрытие (или оно прервано)'}
                </td>
                <td data-label="Счетов" class="num">
                  {r.status === 'closed' ? formatInteger(r.accounts) : ''}
                </td>
                <td data-label="Начислено" class="num">
                  {r.status === 'closed' ? formatRublesRu(r.totalKop) : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
