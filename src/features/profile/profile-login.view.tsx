import { CABINET_CRUMBS, FieldError, Layout } from '../../platform/views/layout.tsx';
import { CONSENT_VALUE } from '../account/login.view.tsx';
import { PASSKEY_SCRIPT, PasskeyLoginButton } from './passkey.view.tsx';
import { FormErrors, NEW_PASSWORD_HINT, TextField } from './profile-fields.tsx';
import type { FieldErrors } from './profile.service.ts';

// The pages of a profile without a session: the login by e-mail and password or by a passkey
// (the one page where a customer finds both), «Забыли пароль?»,
// the new password by a reset link, the confirmation link, and sending that link again.

const LOGIN_CRUMBS = [...CABINET_CRUMBS, { title: 'Вход по e-mail' }];

export interface ProfileLoginProps {
  supplierName: string;
  csrfToken: string;
  email?: string;
  /** The consent box as it was sent. */
  consent?: boolean;
  errors?: FieldErrors & { consent?: string };
  formError?: string;
  /** An address that is not confirmed yet (the right password was typed): the way to resend. */
  unconfirmed?: boolean;
  notice?: string;
}

export function ProfileLoginPage(p: ProfileLoginProps) {
  const e = p.errors ?? {};
  return (
    <Layout
      title="Вход по e-mail"
      supplierName={p.supplierName}
      crumbs={LOGIN_CRUMBS}
      scripts={[PASSKEY_SCRIPT]}
    >
      <section class="panel narrow" aria-labelledby="profile-login-title">
        <h1 id="profile-login-title">Вход в Личный кабинет по e-mail</h1>
        {p.notice && (
          <p class="notice" role="status">
            {p.notice}
          </p>
        )}
        <form method="post" action="/profile/login" class="login-form" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormErrors form="login" formError={p.formError} errors={e} />
          {p.unconfirmed && (
            <p>
              <a href="/profile/resend">Отправить письмо для подтверждения ещё раз</a>
            </p>
          )}
          <TextField
            form="login"
            name="email"
            label="Адрес электронной почты"
            kind="email"
            value={p.email ?? ''}
            error={e.email}
          />
          <TextField form="login" name="password" label="Пароль" kind="current-password" error={e.password} />
          <div class={`field checkbox${e.consent ? ' has-error' : ''}`}>
            <input
              id="login-consent"
              name="consent"
              type="checkbox"
              value={CONSENT_VALUE}
              checked={p.consent === true}
              aria-invalid={e.consent ? 'true' : undefined}
              aria-describedby={e.consent ? 'login-consent-error' : undefined}
            />
            <label for="login-consent">
              Я согласен(на) на обработку моих персональных данных в соответствии с{' '}
              <a href="/privacy" target="_blank" rel="noopener">
                политикой обработки персональных данных
              </a>
            </label>
            <FieldError id="login-consent-error" message={e.consent} />
          </div>
          <button type="submit" class="button primary">
            Войти
          </button>
        </form>
        <p>
          <a href="/profile/forgot">Забыли пароль?</a>
        </p>
        <p>
          Нет профиля? Войдите <a href="/cabinet">по номеру лицевого счёта и фамилии</a> и создайте его на
          странице «Профиль».
        </p>
      </section>
      <section class="panel narrow" aria-labelledby="passkey-login-title">
        <h2 id="passkey-login-title">Вход с ключом входа (passkey)</h2>
        <p>Если Вы добавили ключ входа в своём профиле, войдите с ним без пароля.</p>
        <PasskeyLoginButton csrfToken={p.csrfToken} />
      </section>
    </Layout>
  );
}

/** One e-mail field and a button: «Забыли пароль?» and «Отправить письмо ещё раз». */
export function EmailOnlyPage(p: {
  supplierName: string;
  csrfToken: string;
  kind: 'forgot' | 'resend';
  email?: string;
  error?: string | undefined;
  /** After the form was sent: the same words whether or not the address has a profile. */
  done?: boolean;
}) {
  const title = p.kind === 'forgot' ? 'Восстановление пароля' : 'Подтверждение адреса';
  return (
    <Layout title={title} supplierName={p.supplierName} crumbs={[...LOGIN_CRUMBS.slice(0, -1), { title }]}>
      <section class="panel narrow" aria-labelledby="email-only-title">
        <h1 id="email-only-title">{title}</h1>
        {p.done ? (
          <p class="notice" role="status">
            {p.kind === 'forgot'
              ? 'Если с этим адресом есть подтверждённый профиль, на него отправлено письмо со ссылкой для нового пароля. Ссылка действует 30 минут. Если письма нет, проверьте папку «Спам».'
              : 'Если с этим адресом есть профиль, ожидающий подтверждения, на него отправлено письмо со ссылкой. Если письма нет, проверьте папку «Спам».'}
          </p>
        ) : (
          <p>
            {p.kind === 'forgot'
              ? 'Введите адрес профиля: мы отправим на него ссылку, по которой можно задать новый пароль.'
              : 'Введите адрес профиля: мы отправим на него ссылку для подтверждения ещё раз.'}
          </p>
        )}
        <form method="post" action={`/profile/${p.kind}`} class="profile-form" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormErrors form={p.kind} errors={{ email: p.error }} />
          <TextField
            form={p.kind}
            name="email"
            label="Адрес электронной почты"
            kind="email"
            value={p.email ?? ''}
            error={p.error}
          />
          <button type="submit" class="button primary">
            Отправить письмо
          </button>
        </form>
        <p>
          <a href="/profile/login">Вернуться ко входу по e-mail</a>
        </p>
      </section>
    </Layout>
  );
}

export function ResetPage(p: {
  supplierName: string;
  csrfToken: string;
  action: string;
  errors?: FieldErrors;
}) {
  const e = p.errors ?? {};
  return (
    <Layout title="Новый пароль" supplierName={p.supplierName} crumbs={LOGIN_CRUMBS}>
      <section class="panel narrow" aria-labelledby="reset-title">
        <h1 id="reset-title">Новый пароль</h1>
        <form method="post" action={p.action} class="profile-form" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormErrors form="reset" errors={e} />
          <TextField
            form="reset"
            name="password"
            label="Новый пароль"
            kind="new-password"
            error={e.password}
            hint={NEW_PASSWORD_HINT}
          />
          <TextField
            form="reset"
            name="repeat"
            label="Новый пароль ещё раз"
            kind="new-password"
            error={e.repeat}
          />
          <button type="submit" class="button primary">
            Сохранить пароль
          </button>
        </form>
        <p class="hint">
          Когда новый пароль сохранён, все открытые сеансы профиля завершаются, ключи входа (passkeys)
          удаляются, а токены доступа для программ отзываются: добавьте их снова, если они нужны.
        </p>
      </section>
    </Layout>
  );
}

export function ConfirmProfilePage(p: {
  supplierName: string;
  csrfToken: string;
  action: string;
  masked: string;
}) {
  return (
    <Layout title="Подтверждение адреса" supplierName={p.supplierName} crumbs={LOGIN_CRUMBS}>
      <section class="panel narrow" aria-labelledby="confirm-title">
        <h1 id="confirm-title">Подтверждение адреса</h1>
        <p>
          Подтвердите, что по адресу <strong>{p.masked}</strong> можно входить в Личный кабинет.
        </p>
        <form method="post" action={p.action}>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <button type="submit" class="button primary">
            Подтвердить адрес
          </button>
        </form>
        <p class="hint">Если Вы не создавали профиль Личного кабинета, просто закройте страницу.</p>
      </section>
    </Layout>
  );
}
