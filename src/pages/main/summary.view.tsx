import { formatDateRu, type IsoDate } from '../../domain/dates.ts';
import { formatInteger, formatRublesRu } from '../../domain/format.ts';
import { dayMonthRu, windowRu, type ReadingsWindow } from '../../domain/schedule.ts';
import { ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import type { VerificationStatus } from '../../domain/verification.ts';

/** What the top of the main page answers: what the customer owes and what to do now. */
export interface TaskSummary {
  today: IsoDate;
  /** The balance at the last reading, as the reference section shows it: > 0 owed, < 0 overpaid. */
  balanceKop: number;
  /** When the last bill is to be paid; null before the first bill. */
  dueDate: IsoDate | null;
  /** The latest accepted reading of the meter in service. */
  lastReading: { date: IsoDate; values: number[]; zones: Zone[] } | null;
  /** The readings window; null without a meter in service (nothing to read). */
  window: ReadingsWindow | null;
  verification: VerificationStatus | null;
}

/** The summary at the top of the main page, with its two primary actions. */
export function TaskSummarySection({ summary: s }: { summary: TaskSummary }) {
  return (
    <section class="panel summary" aria-labelledby="summary-title">
      <h2 id="summary-title" class="visually-hidden">
        Главное
      </h2>
      <Balance summary={s} />
      <ul class="summary-facts">
        <li>
          <LastReading reading={s.lastReading} />
        </li>
        {s.window && (
          <li>
            <WindowLine window={s.window} />
          </li>
        )}
        {s.verification && (
          <li class={`verification-${s.verification.state}`}>
            <VerificationLine status={s.verification} />
          </li>
        )}
      </ul>
      <p class="summary-actions no-print">
        {s.window && (
          <a class="button primary" href="#reading-form">
            Передать показания
          </a>
        )}
        <a class="button primary" href="/cabinet/payment">
          Оплатить
        </a>
      </p>
    </section>
  );
}

function Balance({ summary: s }: { summary: TaskSummary }) {
  if (s.balanceKop < 0) {
    return (
      <p class="summary-balance overpaid">
        Переплата <strong>{formatRublesRu(-s.balanceKop)}</strong> — будет учтена в следующем счёте
      </p>
    );
  }
  if (s.balanceKop === 0) {
    return <p class="summary-balance settled">Задолженности нет</p>;
  }
  return (
    <p class="summary-balance debt">
      К оплате <strong>{formatRublesRu(s.balanceKop)}</strong>
      {s.dueDate &&
        (s.today <= s.dueDate
          ? ` до ${dayMonthRu(s.dueDate)}`
          : ` — срок оплаты истёк ${dayMonthRu(s.dueDate, true)}`)}
    </p>
  );
}

function LastReading({ reading: r }: { reading: TaskSummary['lastReading'] }) {
  if (!r) {
    return <>Показаний пока нет</>;
  }
  const values =
    r.zones.length > 1
      ? r.values.map((v, i) => `${ZONE_TITLES[r.zones[i] ?? 'single']} ${formatInteger(v)}`).join(', ')
      : formatInteger(r.values[0] ?? 0);
  return (
    <>
      Последнее показание: <strong>{values}</strong> от {dayMonthRu(r.date, true)}
    </>
  );
}

function WindowLine({ window: w }: { window: ReadingsWindow }) {
  if (w.state === 'closed') {
    return <>Приём показаний в этом месяце закрыт; следующий — {windowRu(w)}</>;
  }
  return (
    <>
      Передайте показания <strong>{windowRu(w)}</strong>
      {w.state === 'open' && ' (приём открыт)'}
    </>
  );
}

function VerificationLine({ status: v }: { status: VerificationStatus }) {
  const due = formatDateRu(v.due);
  switch (v.state) {
    case 'valid':
      return <>Поверка счётчика действует до {due}</>;
    case 'due_soon':
      return <>Поверка счётчика истекает {due}: закажите поверку или замену</>;
    case 'expired':
      return <>Срок поверки счётчика истёк {due}: поверьте или замените счётчик</>;
  }
}
