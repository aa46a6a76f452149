import { ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import { SUSPICIOUS_KWH } from '../../domain/consumption.ts';
import type { RegisterCheck, SuspicionReason } from '../../domain/readings.ts';
import { formatInteger } from '../../domain/format.ts';
import { CABINET_CRUMBS, FieldError, Layout } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import type { ReadingForm, SubmittedNotice } from './readings.service.ts';

/** The form's script, by its build name (from reading-form.browser.ts). */
export const READING_FORM_SCRIPT = 'js/reading-form.js';

export interface ReadingFormState {
  values?: string[];
  fieldErrors?: string[];
  formError?: string;
}

/** The seed's "Форма для передачи показания прибора учета"; one row per zone. */
export function ReadingFormSection({
  form,
  csrfToken,
  state,
}: {
  form: ReadingForm;
  csrfToken: string;
  state?: ReadingFormState | undefined;
}) {
  const multi = form.zones.length > 1;
  return (
    <section class="panel" id="reading-form" aria-labelledby="reading-form-title">
      <h2 id="reading-form-title">Форма для передачи показания прибора учета</h2>
      <ErrorSummary
        id="reading-errors"
        title="Показание не передано"
        formError={state?.formError}
        fields={form.zones.map((_, i) => ({
          field: `reading-v${i + 1}`,
          message: state?.fieldErrors?.[i] ?? '',
        }))}
      />
      <form
        method="post"
        action="/cabinet/readings"
        class="reading-form"
        data-digits={form.digits}
        data-ratio={form.ratio}
        data-limit={SUSPICIOUS_KWH}
        novalidate
      >
        <input type="hidden" name="_csrf" value={csrfToken} />
        <input type="hidden" name="meter" value={form.meterId} />
        <input type="hidden" name="key" value={form.key} />
        {/* Without JavaScript the form shows no live consumption, so the server shows it on a
            confirmation step; the form's script empties this field (reading-form.browser.ts). */}
        <input type="hidden" name="preview" value="1" class="js-live" />
        <table class="reading-table">
          <thead>
            <tr>
              {multi && <th scope="col">Зона</th>}
              <th scope="col">Дата предыдущего показания</th>
              <th scope="col" class="num">
                Предыдущее показание
              </th>
              <th scope="col">Текущее показание</th>
              <th scope="col" class="num">
                Расход, кВт*ч
              </th>
            </tr>
          </thead>
          <tbody>
            {form.zones.map((zone, i) => (
              <ReadingRow form={form} zone={multi ? zone : null} i={i} state={state} />
            ))}
          </tbody>
        </table>
        <p class="note">
          Обратите внимание на введенное Вами показание: если значение поля <strong>Расход</strong> выделено
          красным шрифтом, то возможно, показание введено неправильно!
        </p>
        <p class="note">
          (Текущее показание меньше прошлого принятого показания, либо Расход более{' '}
          {formatInteger(SUSPICIOUS_KWH)} кВт*ч)
        </p>
        <p class="note">
          Окончательный расчет по всем переданным показаниям будет произведен в последний день текущего
          месяца!
        </p>
        <button type="submit" class="button primary">
          Передать показание
        </button>
      </form>
    </section>
  );
}

/** One zone's row; `zone` is null on a single-zone meter (no zone column). */
function ReadingRow({
  form,
  zone,
  i,
  state,
}: {
  form: ReadingForm;
  zone: Zone | null;
  i: number;
  state: ReadingFormState | undefined;
}) {
  const id = `reading-v${i + 1}`;
  const error = state?.fieldErrors?.[i] || undefined;
  const previous = form.previous[i] ?? 0;
  return (
    <tr class={error ? 'has-error' : undefined} data-previous={previous}>
      {zone && <th scope="row">{ZONE_TITLES[zone]}</th>}
      <td data-label="Дата предыдущего показания">{form.previousDate ?? '—'}</td>
      <td class="num" data-label="Предыдущее показание">
        {formatInteger(previous)}
      </td>
      <td data-label="Текущее показание">
        <input
          id={id}
          name={`v${i + 1}`}
          type="text"
          inputmode="numeric"
          autocomplete="off"
          maxlength={form.digits + 4}
          value={state?.values?.[i] ?? ''}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          class="reading-input"
          aria-label={zone ? `Текущее показание, зона «${ZONE_TITLES[zone]}»` : 'Текущее показание'}
        />
        <FieldError id={`${id}-error`} message={error} />
      </td>
      <td class="num" data-label="Расход, кВт*ч">
        <output class="consumption" for={id} aria-live="polite">
          0
        </output>
      </td>
    </tr>
  );
}

/** What became of the reading just submitted, above the main page's reference information. */
export function SubmittedMessage({ notice: n }: { notice: SubmittedNotice }) {
  const value =
    n.zones.length > 1
      ? n.values.map((v, i) => `${ZONE_TITLES[n.zones[i] ?? 'single']} ${formatInteger(v)}`).join(', ')
      : formatInteger(n.values[0] ?? 0);
  const outcome =
    n.status === 'review'
      ? 'передано специалистам на проверку.'
      : n.status === 'rejected'
        ? 'отклонено специалистами.'
        : 'принято.';
  const period =
    n.periodWords && n.status !== 'rejected'
      ? n.status === 'review'
        ? ` Если специалисты его примут, оно будет учтено при расчёте за ${n.periodWords}`
        : ` Оно будет учтено при расчёте за ${n.periodWords}`
      : null;
  return (
    <section class={`panel notice-panel status-${n.status}`} role="status" id="reading-result">
      {n.duplicate && <p>Это показание уже было передано, повторно оно не сохранено.</p>}
      <p>
        Показание <strong>{value}</strong> от {n.date} {outcome}
        {period}
      </p>
    </section>
  );
}

const REASON_TEXT: Record<SuspicionReason, string> = {
  rollover: '(переход счетчика через ноль)',
  over_limit: `(расход более ${formatInteger(SUSPICIOUS_KWH)} кВт*ч)`,
};

/**
 * «Вернуться»: the main page's form with the values as typed and the same form key (so that the
 * corrected reading is still one submission), read back by GET /cabinet (`key`, `v1`…`v3`).
 */
export function backToForm(formKey: string, registers: Array<{ current: number }>): string {
  const query = new URLSearchParams({ key: formKey });
  registers.forEach((r, i) => query.set(`v${i + 1}`, String(r.current)));
  return `/cabinet?${query.toString()}#reading-form`;
}

/**
 * The confirmation step: the seed's "Показание введено некорректно!" page for a suspicious
 * reading, or, for a form posted without JavaScript, the reading with its consumption to check.
 */
export function ConfirmReadingPage(p: {
  supplierName: string;
  csrfToken: string;
  meterId: number;
  formKey: string;
  zones: Zone[];
  registers: RegisterCheck[];
  reason: SuspicionReason | null;
}) {
  const multi = p.zones.length > 1;
  const label = (i: number) => (multi ? `${ZONE_TITLES[p.zones[i] ?? 'single']}: ` : '');
  const values = p.registers.map((r) => formatInteger(r.current)).join(' / ');
  const title = p.reason ? 'Показание введено некорректно!' : 'Проверьте показание';
  return (
    <Layout title={title.replace(/!$/, '')} supplierName={p.supplierName} crumbs={CABINET_CRUMBS}>
      <section class={`panel${p.reason ? ' warning' : ''}`} aria-labelledby="confirm-title">
        <h1 id="confirm-title">{title}</h1>
        {p.registers.map((r, i) => (
          <div class="confirm-register">
            {r.rollover && (
              <p>
                {label(i)}Показание {formatInteger(r.current)} меньше, чем Ваше прошлое принятое показание{' '}
                {formatInteger(r.previous)}
              </p>
            )}
            {!p.reason && (
              <p>
                {label(i)}Показание {formatInteger(r.current)}, прошлое принятое показание{' '}
                {formatInteger(r.previous)}
              </p>
            )}
            <p>
              {label(i)}Расход составляет {formatInteger(r.kwh)} кВтч
            </p>
          </div>
        ))}
        {p.reason ? (
          <>
            <p>
              <strong>Проверьте правильность ввода нового показания!</strong>
            </p>
            <p>
              Внести в базу введенное Вами показание {REASON_TEXT[p.reason]} {values} или вернуться для
              исправления?
            </p>
          </>
        ) : (
          <p>Передать показание {values} или вернуться для исправления?</p>
        )}
        <form method="post" action="/cabinet/readings" class="confirm-form">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="meter" value={String(p.meterId)} />
          <input type="hidden" name="key" value={p.formKey} />
          {p.registers.map((r, i) => (
            <input type="hidden" name={`v${i + 1}`} value={String(r.current)} />
          ))}
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="button primary">
            {p.reason ? 'Принять показание' : 'Передать показание'}
          </button>
        </form>
        <p>
          <a href={backToForm(p.formKey, p.registers)}>
            Вернуться на главную страницу Личного кабинета для ввода правильного показания
          </a>
        </p>
      </section>
    </Layout>
  );
}
