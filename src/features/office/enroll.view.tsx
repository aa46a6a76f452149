import { Field, OfficePage } from './office.view.tsx';
import type { EnrollFieldErrors } from './staff-admin.service.ts';
import { PASSWORD_MIN } from './credentials.ts';

interface Base {
  supplierName: string;
  csrfToken: string;
  token: string;
  login: string;
  fullName: string;
}

export function EnrollPasswordPage(p: Base & { errors?: EnrollFieldErrors }) {
  const e = p.errors ?? {};
  return (
    <OfficePage title="Регистрация сотрудника" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Регистрация сотрудника</h1>
        <p>
          {p.fullName}, ваш логин — <strong>{p.login}</strong>. Шаг 1 из 3: задайте пароль.
        </p>
        <form method="post" action="/office/enroll/password" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="token" value={p.token} />
          <input type="text" name="username" value={p.login} autoComplete="username" hidden />
          <Field
            id="enroll-password"
            name="password"
            label="Новый пароль"
            type="password"
            error={e.password}
            hint={`Не меньше ${PASSWORD_MIN} символов; удобнее всего — фраза из нескольких слов. Распространённые пароли не принимаются.`}
            autoComplete="new-password"
            maxLength={200}
          />
          <Field
            id="enroll-password2"
            name="password2"
            label="Пароль ещё раз"
            type="password"
            error={e.password2}
            autoComplete="new-password"
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

export function EnrollCodePage(p: Base & { secret: string; qrDataUrl: string; error?: string | undefined }) {
  // The secret in groups of four, as authenticator apps show it for typing.
  const grouped = p.secret.replace(/(.{4})(?=.)/g, '$1 ');
  return (
    <OfficePage title="Второй фактор" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Второй фактор</h1>
        <p>
          Шаг 2 из 3. Отсканируйте QR-код приложением-аутентификатором (Яндекс Ключ, Google Authenticator,
          FreeOTP и подобные) и введите код, который оно покажет.
        </p>
        <img
          class="qr"
          src={p.qrDataUrl}
          alt={`QR-код для приложения-аутентификатора, учётная запись ${p.login}`}
        />
        <p>
          Если сканировать нечем, введите в приложении ключ вручную: <code id="totp-secret">{grouped}</code>{' '}
          (тип — по времени, 6 цифр, 30 секунд).
        </p>
        <form method="post" action="/office/enroll/code" novalidate>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="token" value={p.token} />
          <Field
            id="enroll-code"
            name="code"
            label="Код из приложения"
            error={p.error}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={10}
          />
          <button type="submit" class="button primary">
            Подтвердить
          </button>
        </form>
      </section>
    </OfficePage>
  );
}

export function EnrollDonePage(p: {
  supplierName: string;
  csrfToken: string;
  login: string;
  codes: string[];
}) {
  return (
    <OfficePage title="Резервные коды" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Резервные коды</h1>
        <p>
          Шаг 3 из 3. Регистрация {p.login} завершена. Сохраните эти коды в надёжном месте: каждый позволяет
          войти один раз без приложения. Они показаны только сейчас и больше нигде не отображаются.
        </p>
        <ol id="recovery-codes">
          {p.codes.map((c) => (
            <li>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <p>
          <a href="/office/login">Перейти ко входу</a>
        </p>
      </section>
    </OfficePage>
  );
}

export function EnrollGonePage(p: { supplierName: string; csrfToken: string }) {
  return (
    <OfficePage title="Ссылка недействительна" supplierName={p.supplierName} csrfToken={p.csrfToken}>
      <section class="panel narrow">
        <h1>Ссылка недействительна</h1>
        <p>
          Ссылка для регистрации уже использована, истекла (она действует 24 часа) или неверна. Попросите
          администратора выдать новую.
        </p>
      </section>
    </OfficePage>
  );
}
