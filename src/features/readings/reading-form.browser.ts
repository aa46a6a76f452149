// The live consumption figure of the reading form. Built for the browser by esbuild from this
// file, so the figure comes from the very function the server uses (domain/consumption.ts).
import { consumption } from '../../domain/consumption.ts';
import { formatInteger } from '../../domain/format.ts';

function update(form: HTMLFormElement, row: HTMLTableRowElement): void {
  const input = row.querySelector<HTMLInputElement>('input.reading-input');
  const out = row.querySelector<HTMLOutputElement>('output.consumption');
  if (!input || !out) {
    return;
  }
  const digits = Number(form.dataset.digits);
  const ratio = Number(form.dataset.ratio);
  const previous = Number(row.dataset.previous);
  const typed = input.value.replace(/\s+/g, '');
  if (!/^[0-9]+$/.test(typed) || typed.replace(/^0+(?=\d)/, '').length > digits) {
    out.textContent = typed === '' ? '0' : '—';
    out.classList.remove('suspicious');
    return;
  }
  const c = consumption(previous, Number(typed), digits, ratio);
  out.textContent = formatInteger(c.kwh);
  out.classList.toggle('suspicious', c.suspicious);
}

function init(): void {
  for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('form.reading-form'))) {
    // The consumption is shown live here, so the server need not show it on a confirmation step.
    const preview = form.querySelector<HTMLInputElement>('input.js-live');
    if (preview) {
      preview.value = '';
    }
    for (const row of Array.from(form.querySelectorAll<HTMLTableRowElement>('tr[data-previous]'))) {
      const input = row.querySelector<HTMLInputElement>('input.reading-input');
      input?.addEventListener('input', () => update(form, row));
      update(form, row);
    }
    // One click submits once; the server's idempotency key covers everything else.
    form.addEventListener('submit', () => {
      const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
      if (button) {
        setTimeout(() => (button.disabled = true), 0);
      }
    });
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
