import { FieldError } from '../../platform/views/layout.tsx';
import { periodTitle } from '../../domain/dates.ts';
import { formatKwhRu, formatRublesRu } from '../../domain/format.ts';
import type { RecalcPreview } from '../../features/billing/recalculate.ts';
import { ActionPage, ReasonField, type Frame } from './account-actions.view.tsx';

// The accountant's recalculation of a closed month (/office/accounts/:id/recalculate): the month
// and the reason, then a preview of the difference (nothing stored yet), then «Применить».

const METHOD_TITLES: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему (п. 59)',
  norm: 'по нормативу (п. 60)',
};

export interface RecalculatePageProps extends Frame {
  periods: string[];
  period: string;
  reason: string;
  periodError?: string | undefined;
  reasonError?: string | undefined;
  preview?: RecalcPreview | undefined;
}

const signedRubles = (kop: number) => (kop > 0 ? `+${formatRublesRu(kop)}` : formatRublesRu(kop));
const signedKwh = (kwh: number) => (kwh > 0 ? `+${formatKwhRu(kwh)}` : formatKwhRu(kwh));

export function RecalculatePage(p: RecalculatePageProps) {
  const action = `/office/accounts/${p.account.id}/recalculate`;
  return (
    <ActionPage {...p} title="Перерасчёт">
      {p.periods.length === 0 ? (
        <p class="panel">По лицевому счёту ещё нет начислений.</p>
      ) : (
        <form method="post" action={action} novalidate class="panel">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <p class="hint">
            Начисление закрытого месяца считается заново по сегодняшним данным. Закрытое начисление не
            меняется: разница попадёт в следующую квитанцию.
          </p>
          <div class={`field${p.periodError ? ' has-error' : ''}`}>
            <label for="period">Месяц</label>
            <select
              id="period"
              name="period"
              aria-invalid={p.periodError ? 'true' : undefined}
              aria-describedby={p.periodError ? 'period-error' : undefined}
            >
              {p.periods.map((x) => (
                <option value={x} selected={x === p.period}>
                  {periodTitle(x)}
                </option>
              ))}
            </select>
            <FieldError id="period-error" message={p.periodError} />
          </div>
          <ReasonField id="recalc-reason" value={p.reason} error={p.reasonError} />
          <button type="submit" class="button">
            Рассчитать разницу
          </button>
        </form>
      )}
      {p.preview && <Preview preview={p.preview} reason={p.reason} action={action} csrfToken={p.csrfToken} />}
    </ActionPage>
  );
}

function Preview(p: { preview: RecalcPreview; reason: string; action: string; csrfToken: string }) {
  const v = p.preview;
  const unchanged = v.amountKop === 0 && v.kwh === 0;
  return (
    <section class="panel" aria-labelledby="recalc-preview-title" id="recalc-preview">
      <h2 id="recalc-preview-title">Перерасчёт за {periodTitle(v.period)}: предварительно</h2>
      <ul>
        <li>
          Начислено при закрытии: {formatKwhRu(v.was.kwh)}, {formatRublesRu(v.was.kop)} (
          {METHOD_TITLES[v.was.method] ?? v.was.method})
        </li>
        {(v.earlier.kop !== 0 || v.earlier.kwh !== 0) && (
          <li>
            Прежние перерасчёты: {signedKwh(v.earlier.kwh)}, {signedRubles(v.earlier.kop)}
          </li>
        )}
        <li>
          По сегодняшним данным: {formatKwhRu(v.now.kwh)}, {formatRublesRu(v.now.kop)} (
          {METHOD_TITLES[v.now.method] ?? v.now.method})
        </li>
        <li id="recalc-difference">
          Разница: <strong>{signedKwh(v.kwh)}</strong>, <strong>{signedRubles(v.amountKop)}</strong>
        </li>
      </ul>
      {unchanged ? (
        <p id="recalc-unchanged">Начисление не изменилось: перерасчёт не нужен.</p>
      ) : (
        <form method="post" action={p.action}>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="period" value={v.period} />
          <input type="hidden" name="reason" value={p.reason} />
          <input type="hidden" name="amount" value={String(v.amountKop)} />
          <input type="hidden" name="kwh" value={String(v.kwh)} />
          <input type="hidden" name="apply" value="yes" />
          <p>Разница попадёт в следующую квитанцию абонента.</p>
          <button type="submit" class="button primary">
            Применить перерасчёт
          </button>
        </form>
      )}
    </section>
  );
}
