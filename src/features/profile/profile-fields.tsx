import { FieldError } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import { PASSWORD_MAX } from '../../platform/passwords.ts';
import { EMAIL_MAX_LENGTH } from '../mail/email-address.ts';

// The fields the profile's forms share: an e-mail, a password, a form's error summary.

export type FieldKind = 'email' | 'current-password' | 'new-password';

export function TextField(p: {
  form: string;
  name: string;
  label: string;
  kind: FieldKind;
  value?: string;
  error?: string | undefined;
  hint?: string;
}) {
  const id = `${p.form}-${p.name}`;
  const described = [p.error ? `${id}-error` : '', p.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={id}>{p.label}</label>
      {p.kind === 'email' ? (
        <input
          id={id}
          name={p.name}
          type="email"
          autoComplete="email"
          maxLength={EMAIL_MAX_LENGTH}
          value={p.value ?? ''}
          aria-invalid={p.error ? 'true' : undefined}
          aria-describedby={described || undefined}
        />
      ) : (
        // A password is never sent back into the page: a refused form asks for it again.
        <input
          id={id}
          name={p.name}
          type="password"
          autoComplete={p.kind}
          maxLength={PASSWORD_MAX}
          aria-invalid={p.error ? 'true' : undefined}
          aria-describedby={described || undefined}
        />
      )}
      {p.hint && (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={p.error} />
    </div>
  );
}

/** The summary of a refused form: the form's message and each field's, linked. */
export function FormErrors(p: {
  form: string;
  formError?: string | undefined;
  errors: Partial<Record<string, string>>;
}) {
  return (
    <ErrorSummary
      id={`${p.form}-errors`}
      title="Форма не отправлена"
      formError={p.formError}
      fields={Object.entries(p.errors).map(([name, message]) => ({
        field: `${p.form}-${name}`,
        message: message ?? '',
      }))}
    />
  );
}

export const NEW_PASSWORD_HINT =
  'Не короче 10 символов. Не используйте распространённые пароли и свой адрес.';
