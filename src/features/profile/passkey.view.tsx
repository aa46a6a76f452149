import { CABINET_CRUMBS, FieldError, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { CONSENT_VALUE } from '../account/login.view.tsx';
import type { PasskeyListed } from './passkey.repository.ts';
import { NAME_MAX } from './passkey.service.ts';

/** The passkey pages' script, by its build name (from passkeys.browser.ts). */
export const PASSKEY_SCRIPT = 'js/passkeys.js';

export const PASSKEYS_PATH = '/cabinet/profile/passkeys';
export const PASSKEY_LOGIN_PATH = '/profile/login/passkey';

const NEEDS_JS =
  'Ключи входа (passkeys) работают только с включённым JavaScript: включите его в браузере. Всё остальное на этой странице работает и без него.';

/** What the page shows besides the list: a notice after a change, or a refused form as typed. */
export interface PasskeysPageState {
  notice?: string;
  /** A form that named no passkey of the profile. */
  error?: string;
  rename?: { id: number; value: string; message: string };
  remove?: { id: number; message: string };
  add?: { name: string; message: string };
}

export interface PasskeysPageProps {
  supplierName: string;
  csrfToken: string;
  timeZone: string;
  passkeys: PasskeyListed[];
  state: PasskeysPageState;
  /** The header's account switcher (a profile's session always has one). */
  switcher: SwitcherProps | undefined;
}

function formatTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(
    new Date(at),
  );
}

/** /cabinet/profile/passkeys: the profile's passkeys, renamed and removed by forms, added by the script. */
export function PasskeysPage(p: PasskeysPageProps) {
  return (
    <Layout
      title="Ключи входа"
      supplierName={p.supplierName}
      crumbs={[...CABINET_CRUMBS, { title: 'Ключи входа' }]}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
      scripts={[PASSKEY_SCRIPT]}
    >
      <h1>Ключи входа</h1>
      {p.state.notice && (
        <p class="notice" role="status">
          {p.state.notice}
        </p>
      )}
      {p.state.error && (
        <p class="form-error" role="alert">
          {p.state.error}
        </p>
      )}
      <p>
        Ключ входа (passkey) позволяет входить в профиль без пароля: отпечатком пальца, лицом, PIN-кодом
        телефона или компьютера либо аппаратным ключом.
      </p>
      <section class="panel" aria-labelledby="passkeys-title">
        <h2 id="passkeys-title">Ваши ключи входа</h2>
        {p.passkeys.length === 0 ? <p id="passkeys-none">Ключей входа пока нет.</p> : <PasskeyTable {...p} />}
      </section>
      <AddPasskey csrfToken={p.csrfToken} state={p.state} />
    </Layout>
  );
}

function PasskeyTable(p: PasskeysPageProps) {
  return (
    <table class="history passkeys">
      <thead>
        <tr>
          <th scope="col">Название</th>
          <th scope="col">Добавлен</th>
          <th scope="col">Последний вход</th>
          <th scope="col">Действия</th>
        </tr>
      </thead>
      <tbody>
        {p.passkeys.map((k) => {
          const rename = p.state.rename?.id === k.id ? p.state.rename : undefined;
          const remove = p.state.remove?.id === k.id ? p.state.remove : undefined;
          const field = `passkey-name-${k.id}`;
          return (
            <tr>
              <th scope="row">{k.name}</th>
              <td>{formatTime(k.createdAt, p.timeZone)}</td>
              <td>{k.lastUsedAt === null ? 'не использовался' : formatTime(k.lastUsedAt, p.timeZone)}</td>
              <td>
                <form
                  method="post"
                  action={`${PASSKEYS_PATH}/${k.id}/rename`}
                  class="passkey-rename"
                  novalidate
                >
                  <input type="hidden" name="_csrf" value={p.csrfToken} />
                  <div class={rename ? 'field has-error' : 'field'}>
                    <label for={field}>Новое название</label>
                    <input
                      id={field}
                      name="name"
                      type="text"
                      maxlength={NAME_MAX + 20}
                      value={rename ? rename.value : k.name}
                      aria-invalid={rename ? 'true' : undefined}
                      aria-describedby={rename ? `${field}-error` : undefined}
                    />
                    <FieldError id={`${field}-error`} message={rename?.message} />
                  </div>
                  <button type="submit" class="button">
                    Переименовать
                  </button>
                </form>
                <form method="post" action={`${PASSKEYS_PATH}/${k.id}/remove`} class="passkey-remove">
                  <input type="hidden" name="_csrf" value={p.csrfToken} />
                  <button
                    type="submit"
                    class="button"
                    aria-describedby={remove ? `passkey-remove-${k.id}-error` : undefined}
                  >
                    Удалить «{k.name}»
                  </button>
                  <FieldError id={`passkey-remove-${k.id}-error`} message={remove?.message} />
                </form>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * The add form. Its button shows only when the script runs (passkeys.browser.ts unhides it and
 * does the ceremony by fetch); without JavaScript the page says that passkeys need it, and a form
 * posted anyway (Enter in the field) gets the same words next to the field.
 */
function AddPasskey({ csrfToken, state }: { csrfToken: string; state: PasskeysPageState }) {
  const error = state.add?.message;
  return (
    <section class="panel" id="passkey-add" aria-labelledby="passkey-add-title">
      <h2 id="passkey-add-title">Добавить ключ входа</h2>
      <form
        method="post"
        action={`${PASSKEYS_PATH}/add`}
        class="passkey-add-form"
        data-options={`${PASSKEYS_PATH}/options`}
        data-register={`${PASSKEYS_PATH}/register`}
        novalidate
      >
        <input type="hidden" name="_csrf" value={csrfToken} />
        <div class={error ? 'field has-error' : 'field'}>
          <label for="passkey-name">Название ключа</label>
          <input
            id="passkey-name"
            name="name"
            type="text"
            maxlength={NAME_MAX + 20}
            value={state.add?.name ?? ''}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'passkey-name-error passkey-name-hint' : 'passkey-name-hint'}
          />
          <FieldError id="passkey-name-error" message={error} />
          <p class="hint" id="passkey-name-hint">
            Например, «Телефон» или «Ноутбук»: чтобы отличать ключи в списке.
          </p>
        </div>
        <p class="form-error passkey-error" id="passkey-add-error" role="alert" hidden></p>
        <p class="notice passkey-needs-js">{NEEDS_JS}</p>
        <button type="submit" class="button primary passkey-add-button" hidden>
          Добавить ключ входа
        </button>
      </form>
    </section>
  );
}

/**
 * The passkey login's button, for any login page that includes PASSKEY_SCRIPT, with its own consent
 * box (the privacy policy asks for the consent at every login), shown by the script as the button is; it refuses to start until
 * the box is ticked, then fetches the options, asks the authenticator, posts its answer with
 * `consent: true` and follows the redirect it gets. The server refuses a login without it.
 */
export function PasskeyLoginButton({ csrfToken }: { csrfToken: string }) {
  return (
    <div
      class="passkey-login"
      data-options={`${PASSKEY_LOGIN_PATH}/options`}
      data-verify={PASSKEY_LOGIN_PATH}
      data-csrf={csrfToken}
    >
      <p class="form-error passkey-error" id="passkey-login-error" role="alert" hidden></p>
      <p class="notice passkey-needs-js">
        Для входа с ключом входа (passkey) нужен JavaScript: включите его в браузере.
      </p>
      <div class="field checkbox passkey-consent-field" hidden>
        <input
          id="passkey-consent"
          class="passkey-consent"
          name="consent"
          type="checkbox"
          value={CONSENT_VALUE}
        />
        <label for="passkey-consent">
          Я согласен(на) на обработку моих персональных данных в соответствии с{' '}
          <a href="/privacy" target="_blank" rel="noopener">
            политикой обработки персональных данных
          </a>
        </label>
        <p class="field-error passkey-consent-error" id="passkey-consent-error" role="alert" hidden></p>
      </div>
      <button type="button" class="button primary passkey-login-button" hidden>
        Войти с ключом входа
      </button>
    </div>
  );
}

/** /profile/login/passkey: the passkey login on its own page (the profile login page has it too). */
export function PasskeyLoginPage({ supplierName, csrfToken }: { supplierName: string; csrfToken: string }) {
  return (
    <Layout
      title="Вход с ключом входа"
      supplierName={supplierName}
      crumbs={[...CABINET_CRUMBS, { title: 'Вход с ключом входа' }]}
      scripts={[PASSKEY_SCRIPT]}
    >
      <h1>Вход в профиль с ключом входа</h1>
      <section class="panel narrow">
        <p>Если вы добавили ключ входа (passkey) в своём профиле, войдите с ним без пароля.</p>
        <PasskeyLoginButton csrfToken={csrfToken} />
        <p>
          <a href="/profile/login">Войти по e-mail и паролю</a>
        </p>
        <p>
          <a href="/cabinet">Войти по номеру лицевого счёта и фамилии</a>
        </p>
      </section>
    </Layout>
  );
}
