import { formatDateRu } from '../../domain/dates.ts';
import { formatInteger, formatRubles } from '../../domain/format.ts';
import { SUSPICIOUS_KWH } from '../../domain/consumption.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import { CABINET_CRUMBS, FieldError, Layout } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import { checkLines, CHECK_HEIGHT, CHECK_WIDTH, type CheckData } from './check-image.ts';
import type { PaymentResult } from './payments.result.ts';
import type { PaymentForm, PaymentFormMeter, PaymentFormState } from './payments.service.ts';

export const PAYMENTS_CSS = 'css/payments.css';
const CRUMBS = [...CABINET_CRUMBS, { title: 'Оплата банковской картой' }];

/** The seed's texts about the bank's page, shared by the form and the result page. */
function SecurityTexts({ bankName }: { bankName: string }) {
  return (
    <div class="payment-security">
      <p>
        В случае если Ваш банк поддерживает технологию безопасного проведения интернет-платежей Verified By
        Visa или MasterCard Secure Code для проведения платежа также может потребоваться ввод специального
        пароля. Способы и возможность получения паролей для совершения интернет-платежей Вы можете уточнить в
        банке, выпустившем карту.
      </p>
      <p>
        Настоящий сайт поддерживает 256-битное шифрование. Конфиденциальность сообщаемой персональной
        информации обеспечивается {bankName}. Введенная информация не будет предоставлена третьим лицам за
        исключением случаев, предусмотренных законодательством РФ. Проведение платежей по банковским картам
        осуществляется в строгом соответствии с требованиями платежных систем Visa Int. и MasterCard Europe
        Sprl.
      </p>
    </div>
  );
}

export interface PaymentPageProps {
  supplierName: string;
  bankName: string;
  csrfToken: string;
  form: PaymentForm;
  state?: PaymentFormState;
  sessionMinutes: number;
}

/** "Оплата банковской картой. Страница для ввода суммы и показания прибора учета" (the seed). */
export function PaymentPage({
  supplierName,
  bankName,
  csrfToken,
  form,
  state,
  sessionMinutes,
}: PaymentPageProps) {
  const meter = form.meter;
  return (
    <Layout
      title="Оплата банковской картой"
      supplierName={supplierName}
      crumbs={CRUMBS}
      logout={{ csrfToken }}
      styles={[PAYMENTS_CSS]}
    >
      <h1>Оплата банковской картой</h1>
      <section class="panel">
        <SecurityTexts bankName={bankName} />
        <p>
          Потребитель может произвести оплату электроэнергии при помощи пластиковой банковской карты, для
          этого необходимо щелкнуть по кнопке «Оплатить картой Visa, MasterCard» на главной странице сервиса.
        </p>
      </section>
      <section class="panel" aria-labelledby="payment-form-title">
        <h2 id="payment-form-title">Сумма и показание прибора учета</h2>
        <p>
          В форме необходимо указать сумму в рублях и показания прибора учета.{' '}
          <strong>* Поле для ввода суммы заполняется обязательно!</strong>
        </p>
        <ErrorSummary
          id="payment-errors"
          title="Оплата не начата"
          formError={state?.formError}
          fields={[
            { field: 'payment-amount', message: state?.amountError ?? '' },
            ...(state?.readingErrors ?? []).map((message, i) => ({ field: `payment-v${i + 1}`, message })),
          ]}
        />
        <form method="post" action="/cabinet/payment" class="payment-form" novalidate>
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="key" value={form.key} />
          <AmountField state={state} />
          {meter && <ReadingFields meter={meter} state={state} />}
          <button type="submit" class="button primary">
            Оплатить
          </button>
        </form>
      </section>
      <BankPageNotes supplierName={supplierName} sessionMinutes={sessionMinutes} />
    </Layout>
  );
}

/** The sum, required, with its hint and its message. */
function AmountField({ state }: { state: PaymentFormState | undefined }) {
  return (
    <div class={`field${state?.amountError ? ' has-error' : ''}`}>
      <label for="payment-amount">Сумма платежа, руб. *</label>
      <input
        id="payment-amount"
        name="amount"
        type="text"
        inputMode="decimal"
        autoComplete="off"
        maxLength={20}
        required
        value={state?.amount ?? ''}
        aria-invalid={state?.amountError ? 'true' : undefined}
        aria-describedby={state?.amountError ? 'payment-amount-error' : 'payment-amount-hint'}
      />
      <p class="hint" id="payment-amount-hint">
        Например: 980 или 980,50
      </p>
      <FieldError id="payment-amount-error" message={state?.amountError} />
    </div>
  );
}

/** The optional reading: the last accepted one, a field per zone, and a suspicious one's warning. */
function ReadingFields({ meter, state }: { meter: PaymentFormMeter; state: PaymentFormState | undefined }) {
  const multi = meter.zones.length > 1;
  return (
    <fieldset class="payment-reading">
      <legend>Показание прибора учета № {meter.serial} (необязательно)</legend>
      <input type="hidden" name="meter" value={String(meter.id)} />
      <p class="hint">
        Предыдущее принятое показание{meter.previousDate ? ` от ${meter.previousDate}` : ''}:{' '}
        {meter.zones
          .map((z, i) =>
            multi
              ? `${ZONE_TITLES[z]} ${formatInteger(meter.previous[i] ?? 0)}`
              : formatInteger(meter.previous[i] ?? 0),
          )
          .join(', ')}
      </p>
      {meter.zones.map((z, i) => {
        const name = `v${i + 1}`;
        const error = state?.readingErrors?.[i];
        return (
          <div class={`field${error ? ' has-error' : ''}`}>
            <label for={`payment-${name}`}>
              {multi ? `Текущее показание, зона «${ZONE_TITLES[z]}»` : 'Текущее показание'}
            </label>
            <input
              id={`payment-${name}`}
              name={name}
              type="text"
              inputMode="numeric"
              autoComplete="off"
              maxLength={meter.digits + 4}
              value={state?.values[i] ?? ''}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? `payment-${name}-error` : undefined}
            />
            <FieldError id={`payment-${name}-error`} message={error || undefined} />
          </div>
        );
      })}
      {state?.readingCheck && <ReadingCheckWarning meter={meter} check={state.readingCheck} />}
    </fieldset>
  );
}

/** A suspicious reading: the consumption per zone and the checkbox that confirms it. */
function ReadingCheckWarning({
  meter,
  check,
}: {
  meter: PaymentFormMeter;
  check: NonNullable<PaymentFormState['readingCheck']>;
}) {
  const multi = meter.zones.length > 1;
  return (
    <div class="warning reading-check" id="payment-reading-check" role="alert">
      <p>
        <strong>Проверьте правильность ввода нового показания!</strong>
      </p>
      {check.registers.map((r, i) => (
        <p>
          {multi ? `${ZONE_TITLES[meter.zones[i] ?? 'single']}: ` : ''}
          {r.rollover
            ? `Показание ${formatInteger(r.current)} меньше, чем Ваше прошлое принятое показание ${formatInteger(r.previous)}. `
            : ''}
          Расход составляет {formatInteger(r.kwh)} кВтч
          {r.suspicious && !r.rollover ? ` (более ${formatInteger(SUSPICIOUS_KWH)} кВт*ч)` : ''}.
        </p>
      ))}
      <div class="field checkbox">
        <input type="checkbox" id="payment-confirm-reading" name="confirm_reading" value="yes" />
        <label for="payment-confirm-reading">
          Показание введено верно, передать его специалистам на проверку
        </label>
      </div>
    </div>
  );
}

/** The seed's notes about the bank's page: its time and attempts, and no card data kept here. */
function BankPageNotes({ supplierName, sessionMinutes }: { supplierName: string; sessionMinutes: number }) {
  return (
    <section class="panel">
      <p>
        На платежной странице Банка после ввода данных карты и нажатия кнопки «Оплатить» с Вашей карты будет
        списана указанная сумма и переведена на счет {supplierName}.
      </p>
      <p class="warning-text">
        <strong>
          Внимание! Для заполнения полей платежной формы и нажатия кнопки «Оплатить» Банком дается{' '}
          {sessionMinutes} минут и 3 попытки!
        </strong>
      </p>
      <p>
        После проведения Банком необходимых процедур авторизации Вашей карты Вы попадаете на страницу с
        результатами оплаты.
      </p>
      <p>
        Обращаем Ваше внимание, что никакие персональные данные, введенные Вами на платежных страницах, не
        сохраняются на сервере {supplierName}!
      </p>
      <p>
        <a href="/cabinet">Вернуться на главную страницу Личного кабинета</a>
      </p>
    </section>
  );
}

const OUTCOME_TEXT: Record<PaymentResult['status'], string> = {
  paid: 'Запрос успешно обработан',
  registered:
    'Банк ещё не подтвердил платёж. Обновите страницу через минуту: результат появится здесь и в истории платежей.',
  new: 'Банк ещё не подтвердил платёж. Обновите страницу через минуту.',
  declined: 'Платёж не выполнен: банк отклонил операцию. Деньги с карты не списаны.',
  expired: 'Платёж не выполнен: время на оплату истекло. Деньги с карты не списаны.',
  failed: 'Платёж не выполнен: банк не принял заказ. Деньги с карты не списаны.',
  mismatch:
    'Данные банка о платеже не совпали с заказом. Платёж передан специалистам на проверку; если деньги списаны, они будут зачислены или возвращены.',
  reversed: 'Платёж отменён банком, деньги возвращены на карту.',
};

export interface ResultPageProps {
  supplierName: string;
  csrfToken: string;
  result: PaymentResult;
  check: CheckData | null;
  checkUrl: string;
}

/** The seed's "Результаты платежа" with the electronic check. */
export function ResultPage({ supplierName, csrfToken, result: r, check, checkUrl }: ResultPageProps) {
  const paid = r.status === 'paid';
  return (
    <Layout
      title="Результаты платежа"
      supplierName={supplierName}
      crumbs={CRUMBS}
      logout={{ csrfToken }}
      styles={[PAYMENTS_CSS]}
    >
      <h1>Оплата банковской картой</h1>
      <ResultSummary result={r} />
      {paid && check && (
        <CheckSection
          supplierName={supplierName}
          check={check}
          checkUrl={checkUrl}
          orderNumber={r.orderNumber}
        />
      )}
      <p>
        <a href="/cabinet">Вернуться на главную страницу Личного кабинета</a>
        {!paid && (
          <>
            {' · '}
            <a href="/cabinet/payment">Оплатить ещё раз</a>
          </>
        )}
      </p>
    </Layout>
  );
}

/** The payment's sum, outcome, date, order number, account and reading. */
function ResultSummary({ result: r }: { result: PaymentResult }) {
  const paid = r.status === 'paid';
  return (
    <section class="panel" aria-labelledby="result-title">
      <h2>Оплата электроэнергии при помощи карты Visa, MasterCard</h2>
      <h3 id="result-title">Результаты платежа</h3>
      <p>
        Сумма платежа(руб): <strong id="payment-amount">{formatRubles(r.amountKop)}</strong>
      </p>
      {paid && (
        <p class="warning-text">
          <strong>
            ВНИМАНИЕ! Денежные средства зачисляются на Ваш лицевой счет после получения информации от
            платежных систем Visa/MasterCard на второй рабочий день после проведения платежа
          </strong>
        </p>
      )}
      <p class={`payment-outcome status-${r.status}`} id="payment-outcome" role="status">
        {OUTCOME_TEXT[r.status]}
      </p>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">{paid ? 'Дата платежа' : 'Дата заказа'}</th>
            <td>{formatDateRu(r.date)}</td>
          </tr>
          <tr>
            <th scope="row">Номер транзакции</th>
            <td id="payment-order">{r.orderNumber}</td>
          </tr>
          <tr>
            <th scope="row">Лицевой счет, показание</th>
            <td>
              {r.accountNumber}
              {r.reading ? ` ${r.reading}` : ''}
            </td>
          </tr>
        </tbody>
      </table>
      {r.reading && paid && r.readingStatus === 'stored' && (
        <p class="hint">Показание передано вместе с платежом.</p>
      )}
      {r.reading && paid && r.readingStatus === 'refused' && (
        <p class="form-error">Показание не принято: передайте его на главной странице Личного кабинета.</p>
      )}
    </section>
  );
}

/** The electronic check of a paid order: its image, described in its alt text, and its download. */
function CheckSection({
  supplierName,
  check,
  checkUrl,
  orderNumber,
}: {
  supplierName: string;
  check: CheckData;
  checkUrl: string;
  orderNumber: string;
}) {
  return (
    <section class="panel" aria-labelledby="check-title">
      <h2 id="check-title">Электронный чек</h2>
      <p>
        <img
          class="check-image"
          src={checkUrl}
          width={CHECK_WIDTH}
          height={CHECK_HEIGHT}
          alt={`Электронный чек. ${supplierName}. ${checkLines(check)
            .map(([k, v]) => `${k} ${v}`)
            .join('. ')}. Запрос успешно обработан.`}
        />
      </p>
      <p>
        <a class="button" href={`${checkUrl}?download=1`} download={`check-${orderNumber}.png`}>
          Сохранить изображение на локальный компьютер
        </a>
      </p>
      <p class="hint">
        Для сохранения электронного чека нажмите правой кнопкой мышки на изображении и выберите «Сохранить
        картинку как…».
      </p>
      <p class="hint">
        На этой странице Вы видите «электронный чек» — изображение, на котором зафиксирована дата платежа,
        номер лицевого счета, показание, сумма платежа, прочая техническая информация. «Электронный чек»
        отображается только после проведения успешного платежа.
      </p>
    </section>
  );
}
