import type { ComponentChildren } from 'preact';
import { FieldError, Layout, type Crumb } from '../../platform/views/layout.tsx';
import { ROLE_TITLES, type Role } from './rights.ts';

// The frame of every back-office page: the site's layout, with the staff member's name, roles,
// the sections they may open and the logout button.

export interface OfficeUser {
  fullName: string;
  roles: readonly Role[];
}

export interface OfficePageProps {
  title: string;
  supplierName: string;
  csrfToken: string;
  /** The logged-in staff member; absent on the login and enrollment pages. */
  user?: OfficeUser;
  crumbs?: Crumb[];
  children?: ComponentChildren;
}

export const OFFICE_CRUMB: Crumb = { title: 'Служебный раздел', href: '/office' };

export function OfficePage(p: OfficePageProps) {
  return (
    <Layout title={p.title} supplierName={p.supplierName} crumbs={p.crumbs ?? [OFFICE_CRUMB]}>
      {p.user && <OfficeBar user={p.user} csrfToken={p.csrfToken} />}
      {p.children}
    </Layout>
  );
}

function OfficeBar({ user, csrfToken }: { user: OfficeUser; csrfToken: string }) {
  return (
    <section class="panel" aria-labelledby="office-user">
      <p id="office-user">
        <strong>{user.fullName}</strong> ({user.roles.map((r) => ROLE_TITLES[r]).join(', ')})
      </p>
      <nav aria-label="Служебный раздел">
        <ul>
          <li>
            <a href="/office">Сводка</a>
          </li>
          {(user.roles.includes('operator') || user.roles.includes('accountant')) && (
            <>
              <li>
                <a href="/office/search">Поиск лицевого счёта</a>
              </li>
              <li>
                <a href="/office/review">Показания на проверке</a>
              </li>
            </>
          )}
          {user.roles.includes('accountant') && (
            <>
              <li>
                <a href="/office/payments">Платежи</a>
              </li>
              <li>
                <a href="/office/closing">Закрытие месяца</a>
              </li>
              <li>
                <a href="/office/mailing">Рассылка счетов</a>
              </li>
              <li>
                <a href="/office/imports">Загрузка файлов</a>
              </li>
            </>
          )}
          {user.roles.includes('admin') && (
            <>
              <li>
                <a href="/office/staff">Сотрудники</a>
              </li>
              <li>
                <a href="/office/settings">Настройки</a>
              </li>
              <li>
                <a href="/office/audit">Журнал аудита</a>
              </li>
            </>
          )}
        </ul>
      </nav>
      <form method="post" action="/office/logout" class="logout-form">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <button type="submit" class="button">
          Выйти
        </button>
      </form>
    </section>
  );
}

/** A text field with its label, hint and message, as the cabinet's forms have them. */
export function Field(p: {
  id: string;
  name: string;
  label: string;
  type?: 'text' | 'password';
  value?: string;
  error?: string | undefined;
  hint?: string;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text';
  maxLength?: number;
}) {
  const described = p.error ? `${p.id}-error` : p.hint ? `${p.id}-hint` : undefined;
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={p.id}>{p.label}</label>
      {p.type === 'password' ? (
        // A password is never sent back in a page.
        <input
          id={p.id}
          name={p.name}
          type="password"
          autoComplete={p.autoComplete}
          maxLength={p.maxLength}
          aria-invalid={p.error ? 'true' : undefined}
          aria-describedby={described}
        />
      ) : (
        <input
          id={p.id}
          name={p.name}
          type="text"
          value={p.value ?? ''}
          autoComplete={p.autoComplete}
          inputMode={p.inputMode}
          maxLength={p.maxLength}
          aria-invalid={p.error ? 'true' : undefined}
          aria-describedby={described}
        />
      )}
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      <FieldError id={`${p.id}-error`} message={p.error} />
    </div>
  );
}

export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p class="form-error" role="alert">
      {message}
    </p>
  ) : null;
}

export function ForbiddenPage(p: { supplierName: string; csrfToken: string; user: OfficeUser }) {
  return (
    <OfficePage title="Недостаточно прав" {...p}>
      <section class="panel">
        <h1>Недостаточно прав</h1>
        <p>
          Эта страница недоступна для ваших ролей. Если она нужна для работы, обратитесь к администратору.
        </p>
      </section>
    </OfficePage>
  );
}
