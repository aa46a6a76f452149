import { CABINET_CRUMBS, FieldError, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import type { AttachFieldErrors, AttachInput } from './accounts.service.ts';

// The profile's accounts: the list (switch, detach), the form that attaches another with a proof,
// the detach confirmation, and the page a session of the manual's login gets instead.

export const ACCOUNTS_CRUMBS = [
  ...CABINET_CRUMBS,
  { title: 'Профиль', href: '/cabinet/profile' },
  { title: 'Счета профиля' },
];

export interface AccountRow {
  number: string;
  address: string;
  /** The holder's surname, masked: «И*****». */
  holder: string;
  current: boolean;
}

export interface AttachFormState {
  values: AttachInput;
  errors?: AttachFieldErrors;
  formError?: string;
}

export interface AccountsPageProps {
  supplierName: string;
  csrfToken: string;
  switcher?: SwitcherProps | undefined;
  accounts: AccountRow[];
  notice?: { text: string; error?: boolean } | undefined;
  form?: AttachFormState | undefined;
}

/** «Иванова» → «И******»: enough to tell accounts apart, not the login's second half. */
export function maskSurname(surname: string): string {
  const s = surname.trim();
  return s === '' ? '' : `${s[0]}${'*'.repeat(Math.max(3, s.length - 1))}`;
}

export function AccountsPage(p: AccountsPageProps) {
  return (
    <Layout
      title="Счета профиля"
      supplierName={p.supplierName}
      crumbs={ACCOUNTS_CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      <h1>Счета профиля</h1>
      {p.notice && (
        <p class={p.notice.error ? 'form-error' : 'notice'} role={p.notice.error ? 'alert' : 'status'}>
          {p.notice.text}
        </p>
      )}
      <AccountsTable accounts={p.accounts} csrfToken={p.csrfToken} />
      <AttachForm csrfToken={p.csrfToken} state={p.form} />
    </Layout>
  );
}

function AccountsTable({ accounts, csrfToken }: { accounts: AccountRow[]; csrfToken: string }) {
  const last = accounts.length === 1;
  return (
    <section class="panel" aria-labelledby="accounts-title">
      <h2 id="accounts-title">Лицевые счета в профиле</h2>
      <table class="history" id="profile-accounts">
        <thead>
          <tr>
            <th scope="col">Лицевой счёт</th>
            <th scope="col">Адрес</th>
            <th scope="col">Владелец</th>
            <th scope="col">Действия</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr>
              <th scope="row">{a.number}</th>
              <td>{a.address}</td>
              <td>{a.holder}</td>
              <td>
                {a.current ? (
                  <strong>Показан сейчас</strong>
                ) : (
                  <form method="post" action="/cabinet/switch" class="inline-form">
                    <input type="hidden" name="_csrf" value={csrfToken} />
                    <button type="submit" name="account" value={a.number} class="button">
                      Перейти к счёту
                    </button>
                  </form>
                )}{' '}
                {!last && (
                  <form method="post" action="/cabinet/profile/accounts/detach" class="inline-form">
                    <input type="hidden" name="_csrf" value={csrfToken} />
                    <button type="submit" name="account" value={a.number} class="button">
                      Убрать из профиля
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {last && (
        <p class="hint">
          Единственный счёт профиля убрать нельзя: без счетов профилю нечего показывать. Сначала добавьте
          другой счёт.
        </p>
      )}
    </section>
  );
}

function AttachForm({ csrfToken, state }: { csrfToken: string; state: AttachFormState | undefined }) {
  const v = state?.values ?? { number: '', surname: '', amount: '' };
  const e = state?.errors ?? {};
  const field = (
    name: keyof AttachInput,
    label: string,
    hint: string,
    extra: Record<string, string | number | boolean>,
  ) => (
    <div class={e[name] ? 'field has-error' : 'field'}>
      <label for={`attach-${name}`}>{label}</label>
      <input
        id={`attach-${name}`}
        name={name}
        type="text"
        value={v[name]}
        aria-invalid={e[name] ? 'true' : undefined}
        aria-describedby={e[name] ? `attach-${name}-error` : `attach-${name}-note`}
        {...extra}
      />
      <FieldError id={`attach-${name}-error`} message={e[name]} />
      <p class="hint" id={`attach-${name}-note`}>
        {hint}
      </p>
    </div>
  );
  return (
    <section class="panel" id="attach-form" aria-labelledby="attach-title">
      <h2 id="attach-title">Добавить лицевой счёт</h2>
      <p>
        Чтобы добавить счёт, подтвердите, что он Ваш: укажите фамилию владельца и сумму к оплате из последней
        квитанции или сумму последнего платежа по этому счёту (можно с точностью до рубля).
      </p>
      <ErrorSummary
        id="attach-errors"
        title="Счёт не добавлен"
        formError={state?.formError}
        fields={(['number', 'surname', 'amount'] as const).map((f) => ({
          field: `attach-${f}`,
          message: e[f] ?? '',
        }))}
      />
      <form method="post" action="/cabinet/profile/accounts" novalidate>
        <input type="hidden" name="_csrf" value={csrfToken} />
        {field('number', 'Номер лицевого счёта', '10 цифр, как в квитанции.', {
          inputmode: 'numeric',
          autocomplete: 'off',
          maxlength: 40,
        })}
        {field('surname', 'Фамилия владельца счёта', 'Как в квитанции.', {
          autocomplete: 'off',
          maxlength: 100,
        })}
        {field(
          'amount',
          'Сумма из последней квитанции или последнего платежа, руб.',
          'Например 1234,56. Сумма к оплате из последней квитанции или сумма последнего платежа.',
          { inputmode: 'decimal', autocomplete: 'off', maxlength: 20 },
        )}
        <button type="submit" class="button primary">
          Добавить счёт
        </button>
      </form>
    </section>
  );
}

/** The detach's confirmation step: what happens, and the button that does it. */
export function DetachConfirmPage(p: {
  supplierName: string;
  csrfToken: string;
  switcher?: SwitcherProps | undefined;
  number: string;
}) {
  return (
    <Layout
      title="Убрать счёт из профиля"
      supplierName={p.supplierName}
      crumbs={ACCOUNTS_CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      <h1>Убрать счёт {p.number} из профиля?</h1>
      <section class="panel">
        <p>
          Счёт перестанет показываться в профиле. Сам счёт, его начисления и платежи не изменятся; войти в
          него по номеру и фамилии можно, как и раньше. Вернуть счёт в профиль можно снова, с подтверждением
          суммой.
        </p>
        <form method="post" action="/cabinet/profile/accounts/detach">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="account" value={p.number} />
          <button type="submit" name="confirm" value="yes" class="button primary">
            Да, убрать счёт {p.number}
          </button>{' '}
          <a href="/cabinet/profile/accounts">Отмена</a>
        </form>
      </section>
    </Layout>
  );
}

/** What a session of the manual's login (number and surname) gets on a profile's page. */
export function ProfileOnlyPage(p: { supplierName: string; csrfToken: string }) {
  return (
    <Layout
      title="Счета профиля"
      supplierName={p.supplierName}
      crumbs={ACCOUNTS_CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
    >
      <h1>Счета профиля</h1>
      <section class="panel">
        <p>
          Вы вошли по номеру лицевого счёта и фамилии: так виден один счёт. Чтобы видеть несколько счетов под
          одним входом, создайте профиль (электронная почта и пароль) или войдите в него.
        </p>
        <p>
          <a class="button primary" href="/cabinet/profile">
            Перейти к профилю
          </a>
        </p>
      </section>
    </Layout>
  );
}
