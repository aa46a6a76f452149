import { FieldError, Layout } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import { EMAIL_MAX_LENGTH } from './email-address.ts';
import type { AddressStatus } from './mail.service.ts';

/** What the main page's e-mail section shows. */
export interface MailSectionModel {
  /** The field's value: as posted when the form was refused, else the stored address. */
  email: string;
  subscribed: boolean;
  /** The stored address and its state. */
  storedEmail: string | null;
  status: AddressStatus;
  /**
   * The address from the supplier's accounts import, masked (the customer logged in by account
   * number and surname only), offered for confirmation while none is confirmed.
   */
  offer?: string;
  /** The stored address is the accounts import's: shown masked, the field left empty (which keeps it). */
  masked?: boolean;
  fieldError?: string;
  notice?: { text: string; error: boolean };
}

/** The form as posted, when it was refused: everything typed comes back. */
export interface MailFormState {
  email: string;
  subscribed: boolean;
  fieldError: string;
}

/** The seed's "Форма электронного адреса", after the reading form on the main page. */
export function MailSection({ model: m, csrfToken }: { model: MailSectionModel; csrfToken: string }) {
  return (
    <section class="panel no-print" id="mail-form" aria-labelledby="mail-form-title">
      <h2 id="mail-form-title">Рассылка квитанций с начислениями по электронной почте</h2>
      {m.notice && (
        <p class={m.notice.error ? 'form-error' : 'notice'} role={m.notice.error ? 'alert' : 'status'}>
          {m.notice.text}
        </p>
      )}
      <AddressState model={m} csrfToken={csrfToken} />
      {m.offer !== undefined && <ImportedOffer masked={m.offer} csrfToken={csrfToken} />}
      <ErrorSummary
        id="mail-errors"
        title="Адрес не сохранён"
        fields={[{ field: 'mail-email', message: m.fieldError ?? '' }]}
      />
      <form method="post" action="/cabinet/email" class="mail-form" novalidate>
        <input type="hidden" name="_csrf" value={csrfToken} />
        <div class={m.fieldError ? 'field has-error' : 'field'}>
          <label for="mail-email">
            Чтобы получать квитанции с начислениями по электронной почте, добавьте Ваш электронный адрес:
          </label>
          <input
            id="mail-email"
            name="email"
            type="email"
            inputmode="email"
            autocomplete="email"
            spellcheck={false}
            maxlength={EMAIL_MAX_LENGTH}
            value={m.email}
            aria-invalid={m.fieldError ? 'true' : undefined}
            aria-describedby={m.fieldError ? 'mail-email-error' : 'mail-email-note'}
          />
          <FieldError id="mail-email-error" message={m.fieldError} />
          <p class="hint" id="mail-email-note">
            Отправка квитанций производится после проведения расчетов в конце каждого месяца.
            {m.masked &&
              ' Адрес из ваших данных у поставщика не показывается полностью: оставьте поле пустым, чтобы сохранить его, или введите другой адрес.'}
          </p>
        </div>
        <div class="field checkbox">
          <input type="checkbox" id="mail-subscribed" name="subscribed" value="yes" checked={m.subscribed} />
          <label for="mail-subscribed">Я хочу получать квитанцию на свой электронный адрес</label>
        </div>
        <button type="submit" name="action" value="save" class="button primary">
          Сохранить информацию
        </button>{' '}
        <button type="submit" name="action" value="delete" class="button">
          Удалить e-mail
        </button>
      </form>
    </section>
  );
}

function AddressState({ model: m, csrfToken }: { model: MailSectionModel; csrfToken: string }) {
  if (m.storedEmail === null) {
    return null;
  }
  if (m.status === 'pending') {
    return (
      <>
        <p class="notice mail-pending" role="status">
          Адрес <strong>{m.storedEmail}</strong> ожидает подтверждения: откройте ссылку из письма,
          отправленного на этот адрес. Ссылка действует 24 часа. До подтверждения квитанции на этот адрес не
          отправляются.
        </p>
        <form method="post" action="/cabinet/email" class="field">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="action" value="resend" />
          <button type="submit" class="button">
            Отправить письмо ещё раз
          </button>
        </form>
      </>
    );
  }
  if (m.status === 'bounced') {
    return (
      <>
        <div class="form-error mail-bounced" role="alert" id="mail-bounced">
          <p>
            Квитанции не удалось доставить на адрес <strong>{m.storedEmail}</strong>: почтовый сервер
            получателя отказался принять письмо. Отправка квитанций на этот адрес приостановлена.
          </p>
          <p>
            Проверьте адрес. Если в нём ошибка, исправьте его в поле ниже и сохраните. Если адрес верный
            (например, ящик был переполнен или временно отключён), подтвердите его ещё раз: мы отправим на
            него письмо со ссылкой для подтверждения, и после перехода по ней квитанции снова будут приходить.
          </p>
        </div>
        <form method="post" action="/cabinet/email" class="field">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="action" value="resend" />
          <button type="submit" class="button">
            Подтвердить адрес ещё раз
          </button>
        </form>
      </>
    );
  }
  return (
    <p class="muted mail-confirmed">
      Адрес <strong>{m.storedEmail}</strong> подтверждён.{' '}
      {m.subscribed
        ? 'Квитанции отправляются на него после закрытия каждого месяца.'
        : 'Отправка квитанций на него выключена: отметьте пункт ниже и сохраните, чтобы включить.'}
    </p>
  );
}

/**
 * The accounts import's address, offered: accepting starts the same double opt-in as a typed
 * address (a confirmation link to it; no bill until it is followed). The form below takes another.
 */
function ImportedOffer({ masked, csrfToken }: { masked: string; csrfToken: string }) {
  return (
    <div class="notice mail-offer" id="mail-offer">
      <p>
        В ваших данных у поставщика указан адрес <strong>{masked}</strong>. Получать счета на него?
      </p>
      <form method="post" action="/cabinet/email">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <input type="hidden" name="action" value="imported" />
        <button type="submit" class="button">
          Да, получать на этот адрес
        </button>
      </form>
      <p class="hint">
        Мы отправим на этот адрес письмо со ссылкой для подтверждения. Квитанции начнут приходить только после
        перехода по ссылке. Если адрес не ваш или устарел, укажите другой в поле ниже.
      </p>
    </div>
  );
}

const LINK_CRUMBS = [
  { title: 'Главная', href: '/' },
  { title: 'Личный кабинет', href: '/cabinet' },
];

export function ConfirmPage(p: { supplierName: string; csrfToken: string; action: string; masked: string }) {
  return (
    <Layout title="Подтверждение адреса" supplierName={p.supplierName} crumbs={LINK_CRUMBS}>
      <section class="panel narrow" aria-labelledby="confirm-title">
        <h1 id="confirm-title">Подтверждение адреса электронной почты</h1>
        <p>
          Подтвердите, что квитанции с начислениями можно отправлять на адрес <strong>{p.masked}</strong>.
        </p>
        <form method="post" action={p.action}>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <button type="submit" class="button primary">
            Подтвердить адрес
          </button>
        </form>
        <p class="hint">Если Вы не указывали этот адрес в Личном кабинете, просто закройте страницу.</p>
      </section>
    </Layout>
  );
}

export function ConfirmedPage(p: { supplierName: string; masked: string }) {
  return (
    <Layout title="Адрес подтверждён" supplierName={p.supplierName} crumbs={LINK_CRUMBS}>
      <section class="panel narrow" role="status">
        <h1>Адрес подтверждён</h1>
        <p>
          Адрес <strong>{p.masked}</strong> подтверждён. Если в Личном кабинете отмечен пункт «Я хочу получать
          квитанцию на свой электронный адрес», квитанции будут приходить на него после закрытия каждого
          месяца.
        </p>
        <p>
          <a href="/cabinet">Перейти в Личный кабинет</a>
        </p>
      </section>
    </Layout>
  );
}

export function UnsubscribePage(p: {
  supplierName: string;
  csrfToken: string;
  action: string;
  masked: string;
  subscribed: boolean;
}) {
  return (
    <Layout
      title="Отказ от квитанций по электронной почте"
      supplierName={p.supplierName}
      crumbs={LINK_CRUMBS}
    >
      <section class="panel narrow" aria-labelledby="unsubscribe-title">
        <h1 id="unsubscribe-title">Отказ от квитанций по электронной почте</h1>
        {p.subscribed ? (
          <>
            <p>
              Больше не отправлять квитанции с начислениями на адрес <strong>{p.masked}</strong>?
            </p>
            <form method="post" action={p.action}>
              <input type="hidden" name="_csrf" value={p.csrfToken} />
              <button type="submit" class="button primary">
                Отписаться
              </button>
            </form>
          </>
        ) : (
          <p>
            Квитанции на адрес <strong>{p.masked}</strong> уже не отправляются.
          </p>
        )}
        <p class="hint">
          Включить рассылку снова можно в Личном кабинете: пункт «Я хочу получать квитанцию на свой
          электронный адрес».
        </p>
      </section>
    </Layout>
  );
}

export function UnsubscribedPage(p: { supplierName: string }) {
  return (
    <Layout title="Вы отписались" supplierName={p.supplierName} crumbs={LINK_CRUMBS}>
      <section class="panel narrow" role="status">
        <h1>Вы отписались</h1>
        <p>
          Квитанции с начислениями на этот адрес больше не отправляются. Адрес остаётся в Личном кабинете,
          пока Вы его не удалите.
        </p>
        <p>
          <a href="/cabinet">Перейти в Личный кабинет</a>
        </p>
      </section>
    </Layout>
  );
}
