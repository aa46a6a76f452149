import { FieldError } from '../../platform/views/layout.tsx';
import { Field, FormError, OFFICE_CRUMB, OfficePage, type OfficeUser } from './office.view.tsx';
import { ROLES, ROLE_TITLES, type Role } from './rights.ts';
import type { StaffUser } from './staff.repository.ts';
import type { NewStaffErrors, StaffAction } from './staff-admin.service.ts';

export interface StaffPageProps {
  supplierName: string;
  csrfToken: string;
  me: OfficeUser & { id: number };
  users: StaffUser[];
  /** The outcome of the last action, with an enrollment link to hand over when one was made. */
  done?: { message: string; link?: string | undefined };
  add?: {
    values: { login: string; fullName: string; roles: string[]; reason: string };
    errors: NewStaffErrors;
  };
  /** A refused action: on which user, and why (shown next to that user's reason field). */
  refused?: { id: number; action: StaffAction; error: string };
}

const ACTION_TITLES: Record<StaffAction, string> = {
  disable: 'Отключить',
  enable: 'Включить',
  'end-sessions': 'Завершить сеансы',
  'reset-factor': 'Сбросить пароль и второй фактор',
};

export function StaffPage(p: StaffPageProps) {
  return (
    <OfficePage
      title="Сотрудники"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.me}
      crumbs={[OFFICE_CRUMB, { title: 'Сотрудники' }]}
    >
      <h1>Сотрудники</h1>
      {p.done && (
        <section class="notice-panel" role="status" aria-labelledby="staff-done">
          <p id="staff-done">{p.done.message}</p>
          {p.done.link && (
            <p>
              Ссылка для регистрации (действует 24 часа, один раз):{' '}
              <code id="enroll-link">{p.done.link}</code>
            </p>
          )}
        </section>
      )}
      <ul class="offices">
        {p.users.map((u) => (
          <StaffCard user={u} csrfToken={p.csrfToken} self={u.id === p.me.id} refused={p.refused} />
        ))}
      </ul>
      <AddStaffForm csrfToken={p.csrfToken} add={p.add} />
    </OfficePage>
  );
}

function stateText(u: StaffUser): string {
  if (u.state === 'disabled') {
    return 'отключён';
  }
  return u.enrolled ? 'активен' : 'ожидает регистрации по ссылке';
}

function StaffCard(p: {
  user: StaffUser;
  csrfToken: string;
  self: boolean;
  refused: StaffPageProps['refused'];
}) {
  const u = p.user;
  const actions: StaffAction[] = [
    u.state === 'active' ? 'disable' : 'enable',
    'end-sessions',
    'reset-factor',
  ];
  return (
    <li class="panel">
      <h2>
        {u.fullName} ({u.login})
      </h2>
      <p>
        Роли: {u.roles.map((r) => ROLE_TITLES[r]).join(', ')}. Состояние: {stateText(u)}.
      </p>
      {p.self ? (
        <p class="muted">Это ваша учётная запись.</p>
      ) : (
        actions.map((a) => (
          <ActionForm
            user={u}
            action={a}
            csrfToken={p.csrfToken}
            error={p.refused?.id === u.id && p.refused.action === a ? p.refused.error : undefined}
          />
        ))
      )}
    </li>
  );
}

/** One action on a user, with its own mandatory reason (Enter in the field does this action, no other). */
function ActionForm(p: {
  user: StaffUser;
  action: StaffAction;
  csrfToken: string;
  error: string | undefined;
}) {
  const id = `${p.action}-${p.user.id}`;
  return (
    <form method="post" action={`/office/staff/${p.user.id}/${p.action}`}>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <div class={`field${p.error ? ' has-error' : ''}`}>
        <label for={id}>
          Причина: {ACTION_TITLES[p.action].toLowerCase()} ({p.user.login})
        </label>
        <input
          id={id}
          name="reason"
          type="text"
          maxLength={500}
          aria-invalid={p.error ? 'true' : undefined}
          aria-describedby={p.error ? `${id}-error` : undefined}
        />
        <FieldError id={`${id}-error`} message={p.error} />
      </div>
      <button type="submit" class="button">
        {ACTION_TITLES[p.action]}
      </button>
    </form>
  );
}

function AddStaffForm(p: { csrfToken: string; add: StaffPageProps['add'] }) {
  const v = p.add?.values ?? { login: '', fullName: '', roles: [], reason: '' };
  const e = p.add?.errors ?? {};
  return (
    <section class="panel" aria-labelledby="add-staff">
      <h2 id="add-staff">Новый сотрудник</h2>
      <form method="post" action="/office/staff" novalidate>
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        <FormError message={Object.keys(e).length > 0 ? 'Исправьте отмеченные поля.' : undefined} />
        <Field id="new-login" name="login" label="Логин" value={v.login} error={e.login} maxLength={40} />
        <Field
          id="new-name"
          name="fullName"
          label="Фамилия, имя, отчество"
          value={v.fullName}
          error={e.fullName}
          maxLength={200}
        />
        <fieldset
          class={`field${e.roles ? ' has-error' : ''}`}
          aria-describedby={e.roles ? 'new-roles-error' : undefined}
        >
          <legend>Роли</legend>
          {ROLES.map((r: Role) => (
            <div class="field checkbox">
              <input
                id={`new-role-${r}`}
                name="roles"
                type="checkbox"
                value={r}
                checked={v.roles.includes(r)}
              />
              <label for={`new-role-${r}`}>{ROLE_TITLES[r]}</label>
            </div>
          ))}
          <FieldError id="new-roles-error" message={e.roles} />
        </fieldset>
        <Field
          id="new-reason"
          name="reason"
          label="Причина (например, номер приказа)"
          value={v.reason}
          error={e.reason}
          maxLength={500}
        />
        <button type="submit" class="button primary">
          Добавить и получить ссылку
        </button>
      </form>
    </section>
  );
}
