import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { FormErrors, NEW_PASSWORD_HINT, TextField } from './profile-fields.tsx';
import type { FieldErrors } from './profile.service.ts';

// /cabinet/profile: for a session of the manual's login, the form that makes a profile; for a
// profile's session, the profile (its address, the password change, the other parts' pages).

/** The messages after a redirect (?done=…). */
export const PROFILE_FLASH = {
  sent: 'Профиль создан. На указанный адрес отправлено письмо со ссылкой для подтверждения: откройте её, и можно будет входить по адресу и паролю. Если письма нет, проверьте папку «Спам».',
  limited:
    'На этот адрес недавно уже отправлялись письма. Новое письмо можно будет отправить позже; откройте ссылку из уже полученного письма.',
  failed:
    'Не удалось отправить письмо: почтовый сервер временно недоступен. Попробуйте отправить письмо ещё раз позже со страницы входа по e-mail.',
  password: 'Пароль изменён. Остальные сеансы профиля завершены.',
} as const;
export type ProfileFlash = keyof typeof PROFILE_FLASH;

const CRUMBS = [...CABINET_CRUMBS, { title: 'Профиль' }];

export interface CreateFormState {
  email?: string;
  errors?: FieldErrors;
}

export function CreateProfilePage(p: {
  supplierName: string;
  csrfToken: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
  accountNumber: string;
  flash?: ProfileFlash | undefined;
  form?: CreateFormState;
}) {
  const e = p.form?.errors ?? {};
  return (
    <Layout
      title="Профиль"
      supplierName={p.supplierName}
      crumbs={CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      <section class="panel narrow" aria-labelledby="profile-title">
        <h1 id="profile-title">Профиль: вход по e-mail</h1>
        {p.flash && (
          <p class="notice" role="status">
            {PROFILE_FLASH[p.flash]}
          </p>
        )}
        <p>
          Профиль позволяет входить в Личный кабинет по адресу электронной почты и паролю и видеть несколько
          лицевых счетов — например, квартиры, дачи и квартиры родителей. Лицевой счёт {p.accountNumber} будет
          добавлен в профиль сразу; другие счета можно добавить потом.
        </p>
        <form method="post" action="/cabinet/profile" class="profile-form" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormErrors form="create" errors={e} />
          <TextField
            form="create"
            name="email"
            label="Адрес электронной почты"
            kind="email"
            value={p.form?.email ?? ''}
            error={e.email}
            hint="На него придёт письмо со ссылкой для подтверждения."
          />
          <TextField
            form="create"
            name="password"
            label="Пароль"
            kind="new-password"
            error={e.password}
            hint={NEW_PASSWORD_HINT}
          />
          <TextField
            form="create"
            name="repeat"
            label="Пароль ещё раз"
            kind="new-password"
            error={e.repeat}
          />
          <button type="submit" class="button primary">
            Создать профиль
          </button>
        </form>
        <p>
          Уже есть профиль? <a href="/profile/login">Войти по e-mail</a>
        </p>
      </section>
    </Layout>
  );
}

/** The other parts of the profile, each on its own page. */
const PROFILE_LINKS: Array<[string, string]> = [
  ['/cabinet/profile/accounts', 'Счета профиля'],
  ['/cabinet/profile/passkeys', 'Ключи входа (passkeys)'],
  ['/cabinet/profile/tokens', 'Токены API'],
];

export interface PasswordFormState {
  errors?: FieldErrors;
}

export function ProfilePage(p: {
  supplierName: string;
  csrfToken: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
  email: string;
  /** A profile of passkeys only sets its first password without a current one. */
  hasPassword: boolean;
  flash?: ProfileFlash | undefined;
  form?: PasswordFormState;
}) {
  const e = p.form?.errors ?? {};
  return (
    <Layout
      title="Профиль"
      supplierName={p.supplierName}
      crumbs={CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      <section class="panel narrow" aria-labelledby="profile-title">
        <h1 id="profile-title">Профиль</h1>
        {p.flash && (
          <p class="notice" role="status">
            {PROFILE_FLASH[p.flash]}
          </p>
        )}
        <p>
          Адрес для входа: <strong>{p.email}</strong>
        </p>
        <nav aria-label="Разделы профиля">
          <ul class="profile-links">
            {PROFILE_LINKS.map(([href, title]) => (
              <li>
                <a href={href}>{title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </section>
      <section class="panel narrow" aria-labelledby="password-title">
        <h2 id="password-title">Сменить пароль</h2>
        <form method="post" action="/cabinet/profile/password" class="profile-form" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormErrors form="password" errors={e} />
          {p.hasPassword && (
            <TextField
              form="password"
              name="current"
              label="Текущий пароль"
              kind="current-password"
              error={e.current}
            />
          )}
          <TextField
            form="password"
            name="password"
            label="Новый пароль"
            kind="new-password"
            error={e.password}
            hint={NEW_PASSWORD_HINT}
          />
          <TextField
            form="password"
            name="repeat"
            label="Новый пароль ещё раз"
            kind="new-password"
            error={e.repeat}
          />
          <button type="submit" class="button primary">
            Сменить пароль
          </button>
        </form>
      </section>
    </Layout>
  );
}
