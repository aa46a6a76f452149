import { Field, FormError, OfficePage } from './office.view.tsx';

export function StaffLoginPage(p: {
  supplierName: string;
  csrfToken: string;
  login?: string;
  errors?: { login?: string | undefined; password?: string | undefined };
  formError?: string | undefined;
  notice?: string | undefined;
}) {
  const e = p.errors ?? {};
  return (
    <OfficePage title="Вход для сотрудников" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Вход для сотрудников</h1>
        {p.notice && <p class="notice">{p.notice}</p>}
        <form method="post" action="/office/login" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormError message={p.formError} />
          <Field
            id="staff-login"
            name="login"
            label="Логин"
            value={p.login ?? ''}
            error={e.login}
            autoComplete="username"
            maxLength={40}
          />
          <Field
            id="staff-password"
            name="password"
            label="Пароль"
            type="password"
            error={e.password}
            autoComplete="current-password"
            maxLength={200}
          />
          <button type="submit" class="button primary">
            Далее
          </button>
        </form>
      </section>
    </OfficePage>
  );
}

export function StaffCodePage(p: {
  supplierName: string;
  csrfToken: string;
  error?: string | undefined;
  formError?: string | undefined;
}) {
  return (
    <OfficePage title="Код подтверждения" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Код подтверждения</h1>
        <p>Введите шестизначный код из приложения-аутентификатора или один из резервных кодов.</p>
        <form method="post" action="/office/login/code" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <FormError message={p.formError} />
          <Field
            id="staff-code"
            name="code"
            label="Код"
            error={p.error}
            hint="Резервный код (например, k7m2p-x9qrt) действует один раз."
            autoComplete="one-time-code"
            maxLength={20}
          />
          <button type="submit" class="button primary">
            Войти
          </button>
        </form>
      </section>
    </OfficePage>
  );
}

export function RecoveryNoticePage(p: { supplierName: string; csrfToken: string; left: number }) {
  return (
    <OfficePage title="Резервный код использован" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Резервный код использован</h1>
        <p>
          Вы вошли по резервному коду; он больше не действует. Осталось резервных кодов: {p.left}. Если
          приложение-аутентификатор потеряно, попросите администратора сбросить второй фактор.
        </p>
        <p>
          <a href="/office">Перейти к сводке</a>
        </p>
      </section>
    </OfficePage>
  );
}
