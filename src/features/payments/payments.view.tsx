import { formatDateRu } from '../../domain/dates.ts';
import { formatInteger, formatRubles, formatRublesRu } from '../../domain/format.ts';
import { SUSPICIOUS_KWH } from '../../domain/consumption.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import { CABINET_CRUMBS, FieldError, Layout } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import { checkLines, CHECK_HEIGHT, CHECK_WIDTH, type CheckData } from './check-image.ts';
import type { PaymentResult } from './payments.result.ts';
import type { PaymentForm, PaymentFormMeter, PaymentFormState } from './payments.service.ts';

export const PAYMENTS_CSS = 'css/payments.css';
const CRUMBS = [...CABINET_CRUMBS, { title: 'Оплата банковской картой' }];

/**
 * The terms of a card payment, after the form (the seed put them first): the cards taken, the fee
 * where the supplier pays it, 3-D Secure as banks call it today, and who keeps the card data.
 */
function CardTerms({ bankName, noCommission }: { bankName: string; noCommission: boolean }) {
  return (
    <section class="panel payment-security" aria-labelledby="payment-terms-title">
      <h2 id="payment-terms-title">Условия оплаты картой</h2>
      <p id="payment-cards">Принимаются карты Мир, Visa и Mastercard{noCommission ? ' без комиссии' : ''}.</p>
      <p>
        Если банк, выпустивший карту, поддерживает технологию 3-D Secure, он попросит подтвердить платёж
        одноразовым кодом из SMS или из приложения банка. Как подтверждаются платежи в интернете, можно
        уточнить в банке, выпустившем карту.
      </p>
      <p>
        Настоящий сайт поддерживает 256-битное шифрование. Конфиденциальность сообщаемой персональной
        информации обеспечивается {bankName}. Введенная информация не будет предоставлена третьим лицам за
        исключением случаев, предусмотренных законодательством РФ. Проведение платежей по банковским картам
        осуществляется в соответствии с требованиями платёжных систем Мир, Visa и Mastercard.
      </p>
    </section>
  );
}

export interface PaymentPageProps {
  supplierName: string;
  bankName: string;
  /** The supplier pays the bank's fee (PAYMENT_NO_COMMISSION): «без комиссии». */
  noCommission: boolean;
  csrfToken: string;
  form: PaymentForm;
  state?: PaymentFormState;
  sessionMinutes: number;
}

/**
 * "Оплата банковской картой. Страница для ввода суммы и показания прибора учета" (the seed): what
 * is owed first, the sum already filled in with it, then the terms.
 */
export function PaymentPage({
  supplierName,
  bankName,
  noCommission,
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
      <section class="panel" aria-labelledby="payment-form-title">
        <h2 id="payment-form-title">Сумма и показание прибора учета</h2>
        <AmountDue dueKop={form.dueKop} />
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
          <AmountField state={state} prefill={form.amount} />
          {meter && <ReadingFields meter={meter} state={state} />}
          <button type="submit" class="button primary">
            Оплатить картой
          </button>
        </form>
      </section>
      <CardTerms bankName={bankName} noCommission={noCommission} />
      <BankPageNotes supplierName={supplierName} sessionMinutes={sessionMinutes} />
    </Layout>
  );
}

/** What is owed now, in the main page's words; or that nothing is. */
function AmountDue({ dueKop }: { dueKop: number }) {
  if (dueKop > 0) {
    return (
      <p class="payment-due debt" id="payment-due">
        К оплате <strong>{formatRublesRu(dueKop)}</strong> — эта сумма уже подставлена в поле, её можно
        изменить.
      </p>
    );
  }
  return (
    <p class="payment-due settled" id="payment-due">
      <strong>Задолженности нет.</strong>
      {dueKop < 0 ? ` Переплата ${formatRublesRu(-dueKop)} будет учтена в следующем счёте.` : ''} Вы можете
      внести аванс: укажите сумму.
    </p>
  );
}

/** The sum, required, with its hint and its message. */
function AmountField({ state, prefill }: { state: PaymentFormState | undefined; prefill: string }) {
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
        value={state ? state.amount : prefill}
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

/** Longest time between the bank's confirmation and the credit that still counts as "at once". */
const AT_ONCE_MS = 5 * 60_000;

/** What happened, in one sentence or two: the truth of the order's status. */
export function outcomeText(r: PaymentResult): string {
  switch (r.status) {
    case 'paid':
      return r.creditedAt !== null && r.paidAt !== null && r.creditedAt - r.paidAt > AT_ONCE_MS
        ? `Оплата прошла. Платёж зачислен на Ваш лицевой счёт ${formatDateRu(r.creditedOn ?? r.date)} и есть в истории платежей.`
        : 'Оплата прошла. Платёж сразу зачислен на Ваш лицевой счёт: он уже есть в истории платежей и учтён в сумме к оплате.';
    case 'registered':
    case 'new':
      return 'Банк ещё не подтвердил платёж, и на лицевой счёт он пока не зачислен. Если деньги списаны, платёж будет зачислен, как только банк его подтвердит. Обновите страницу через минуту: результат появится здесь и в истории платежей.';
    case 'declined':
      return 'Платёж не выполнен: банк отклонил операцию. Деньги с карты не списаны, на лицевой счёт ничего не зачислено.';
    case 'expired':
      return 'Платёж не выполнен: время на оплату истекло. Деньги с карты не списаны, на лицевой счёт ничего не зачислено.';
    case 'failed':
      return 'Платёж не выполнен: банк не принял заказ. Деньги с карты не списаны, на лицевой счёт ничего не зачислено.';
    case 'mismatch':
      return 'Данные банка о платеже не совпали с заказом. Платёж передан специалистам на проверку; если деньги списаны, они будут зачислены или возвращены.';
    case 'reversed':
      return 'Платёж отменён банком, деньги возвращены на карту; на лицевой счёт он не зачислен.';
  }
}

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
      <h2>Оплата электроэнергии банковской картой</h2>
      <h3 id="result-title">Результаты платежа</h3>
      <p>
        Сумма платежа(руб): <strong id="payment-amount">{formatRubles(r.amountKop)}</strong>
      </p>
      <p class={`payment-outcome status-${r.status}`} id="payment-outcome" role="status">
        {outcomeText(r)}
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
