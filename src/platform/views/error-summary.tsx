/** A field's refusal, as the summary links to it. */
export interface FieldProblem {
  /** The field's id (the link's target). */
  field: string;
  message: string;
}

/**
 * A refused form's summary, at the top of the form: it takes the focus when the page opens
 * (`autofocus` on a focusable element, so no script is needed), which scrolls it into view and
 * makes a screen reader read it, and it links to each field in error. The messages stay next to
 * their fields as well. Nothing is rendered when nothing was refused.
 */
export function ErrorSummary(p: {
  id: string;
  title: string;
  formError?: string | undefined;
  /** Every field that can be refused; those without a message are left out. */
  fields: FieldProblem[];
}) {
  const fields = p.fields.filter((f) => f.message !== '');
  if (!p.formError && fields.length === 0) {
    return null;
  }
  const titleId = `${p.id}-title`;
  return (
    <div class="error-summary" id={p.id} role="alert" tabindex={-1} autofocus aria-labelledby={titleId}>
      <p class="error-summary-title" id={titleId}>
        {p.title}
      </p>
      {p.formError && <p class="form-error">{p.formError}</p>}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li>
              <a href={`#${f.field}`}>{f.message}</a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
