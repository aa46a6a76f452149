import { formatInteger, formatRublesRu } from '../../domain/format.ts';
import { SUSPICIOUS_KWH } from '../../domain/consumption.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import { CABINET_CRUMBS, FieldError, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import type { PaymentForm, PaymentFormMeter } from './payments.form.ts';
import type { PaymentFormState } from './payments.service.ts';

export const PAYMENTS_CSS = 'css/payments.css';
const FORM_CRUMBS = [...CABINET_CRUMBS, { title: 'Оплата электроэнергии' }];

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

/** Paying by СБП: a QR code for the bank app, how long it lives, and the fee where there is none. */
function SbpTerms({ minutes, noCommission }: { minutes: number; noCommission: boolean }) {
  return (
    <section class="panel" aria-labelledby="payment-sbp-title">
      <h2 id="payment-sbp-title">Оплата через СБП</h2>
      <p id="payment-sbp">
        Через Систему быстрых платежей — из приложения Вашего банка по QR-коду
        {noCommission ? ', без комиссии' : ''}. На телефоне вместо QR-кода будет кнопка, которая откроет выбор
        банка. QR-код действует {minutes} мин. Платёж зачисляется на лицевой счёт сразу, как только банк его
        подтвердит.
      </p>
    </section>
  );
}

export interface PaymentPageProps {
  supplierName: string;
  bankName: string;
  /** The supplier pays the bank's fee (PAYMENT_NO_COMMISSION): «без комиссии». */
  noCommission: boolean;
  /** СБП offered (PAYMENT_SBP), its QR living this many minutes; null when it is not. */
  sbpMinutes: number | null;
  csrfToken: string;
  form: PaymentForm;
  state?: PaymentFormState;
  sessionMinutes: number;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
}

/**
 * "Оплата банковской картой. Страница для ввода суммы и показания прибора учета" (the seed): what
 * is owed first, the sum already filled in with it, then the terms.
 */
export function PaymentPage({
  supplierName,
  bankName,
  noCommission,
  sbpMinutes,
  csrfToken,
  form,
  state,
  sessionMinutes,
  switcher,
}: PaymentPageProps) {
  const meter = form.meter;
  return (
    <Layout
      title="Оплата электроэнергии"
      supplierName={supplierName}
      crumbs={FORM_CRUMBS}
      logout={{ csrfToken }}
      switcher={switcher}
      styles={[PAYMENTS_CSS]}
    >
      <h1>Оплата электроэнергии</h1>
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
          <p class="payment-buttons">
            <button type="submit" name="method" value="card" class="button primary">
              Оплатить картой
            </button>
            {sbpMinutes !== null && (
              <button type="submit" name="method" value="sbp" class="button primary">
                Оплатить через СБП
              </button>
            )}
          </p>
        </form>
      </section>
      <CardTerms bankName={bankName} noCommission={noCommission} />
      {sbpMinutes !== null && <SbpTerms minutes={sbpMinutes} noCommission={noCommission} />}
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
