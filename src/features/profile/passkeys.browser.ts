// Passkeys in the browser (@simplewebauthn/browser): adding one on the profile's page, and the
// passkey login's button. Built by esbuild into js/passkeys.js; no inline code (strict CSP): the
// options come from the server by fetch, the CSRF token from the page's form or data attribute,
// sent in the X-CSRF-Token header. Without this script the page says that passkeys need it.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

interface JsonAnswer {
  redirect?: string;
  error?: { code: string; message: string; field?: string };
}

const UNSUPPORTED =
  'Этот браузер не поддерживает ключи входа (passkeys). Откройте страницу в другом браузере.';
const FAILED = 'Не удалось связаться с сервером. Проверьте подключение и попробуйте ещё раз.';

/** A JSON POST to the portal: whether it answered 2xx, and the JSON it sent (an error's words too). */
async function post(url: string, csrf: string, body: unknown): Promise<{ ok: boolean; json: JsonAnswer }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, json: { error: { code: 'network', message: FAILED } } };
  }
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) {
    // The session ended (the login page came back) or the server is down.
    const message = 'Сеанс завершён или сервис недоступен. Обновите страницу и войдите снова.';
    return { ok: false, json: { error: { code: 'session', message } } };
  }
  return { ok: res.ok, json: (await res.json()) as JsonAnswer };
}

/** What the authenticator's refusal means to the customer. */
function ceremonyMessage(err: unknown, adding: boolean): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'InvalidStateError') {
    return 'Этот ключ входа уже добавлен в профиль.';
  }
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return adding
      ? 'Добавление ключа отменено или время ожидания истекло. Попробуйте ещё раз.'
      : 'Вход отменён или время ожидания истекло. Попробуйте ещё раз.';
  }
  return adding
    ? 'Не удалось создать ключ входа. Попробуйте ещё раз.'
    : 'Не удалось получить ключ входа. Попробуйте ещё раз.';
}

function show(el: HTMLElement | null, message: string): void {
  if (el) {
    el.textContent = message;
    el.hidden = message === '';
  }
}

function ready(root: HTMLElement, button: HTMLButtonElement | null): boolean {
  const needsJs = root.querySelector<HTMLElement>('.passkey-needs-js');
  if (!browserSupportsWebAuthn()) {
    show(needsJs, UNSUPPORTED);
    return false;
  }
  if (needsJs) {
    needsJs.hidden = true;
  }
  if (button) {
    button.hidden = false;
  }
  return button !== null;
}

function initAdd(form: HTMLFormElement): void {
  const button = form.querySelector<HTMLButtonElement>('.passkey-add-button');
  if (!ready(form, button)) {
    return;
  }
  const error = form.querySelector<HTMLElement>('.passkey-error');
  const name = form.querySelector<HTMLInputElement>('input[name="name"]');
  const csrf = form.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value ?? '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (button) {
      button.disabled = true;
    }
    show(error, '');
    void (async () => {
      const options = await post(form.dataset.options ?? '', csrf, {});
      if (!options.ok) {
        return show(error, options.json.error?.message ?? FAILED);
      }
      let response;
      try {
        response = await startRegistration({ optionsJSON: options.json as never });
      } catch (err) {
        return show(error, ceremonyMessage(err, true));
      }
      const res = await post(form.dataset.register ?? '', csrf, { name: name?.value ?? '', response });
      if (res.ok && res.json.redirect) {
        window.location.assign(res.json.redirect);
        return;
      }
      show(error, res.json.error?.message ?? FAILED);
      if (res.json.error?.field === 'name') {
        name?.setAttribute('aria-invalid', 'true');
        name?.focus();
      }
    })().finally(() => {
      if (button) {
        button.disabled = false;
      }
    });
  });
}

const CONSENT_REQUIRED = 'Чтобы войти, подтвердите согласие на обработку персональных данных.';

/** The login's consent box: ticked, or its message shown next to it (and nothing started). */
function consentGiven(root: HTMLElement): boolean {
  const box = root.querySelector<HTMLInputElement>('input.passkey-consent');
  const message = root.querySelector<HTMLElement>('.passkey-consent-error');
  if (!box || box.checked) {
    box?.removeAttribute('aria-invalid');
    box?.removeAttribute('aria-describedby');
    show(message, '');
    return box !== null;
  }
  show(message, CONSENT_REQUIRED);
  box.setAttribute('aria-invalid', 'true');
  if (message?.id) {
    box.setAttribute('aria-describedby', message.id);
  }
  box.focus();
  return false;
}

function initLogin(root: HTMLElement): void {
  const button = root.querySelector<HTMLButtonElement>('.passkey-login-button');
  if (!ready(root, button) || !button) {
    return;
  }
  const error = root.querySelector<HTMLElement>('.passkey-error');
  const csrf = root.dataset.csrf ?? '';
  const consentField = root.querySelector<HTMLElement>('.passkey-consent-field');
  if (consentField) {
    consentField.hidden = false;
  }
  button.addEventListener('click', () => {
    show(error, '');
    if (!consentGiven(root)) {
      return;
    }
    button.disabled = true;
    void (async () => {
      const options = await post(root.dataset.options ?? '', csrf, {});
      if (!options.ok) {
        return show(error, options.json.error?.message ?? FAILED);
      }
      let response;
      try {
        response = await startAuthentication({ optionsJSON: options.json as never });
      } catch (err) {
        return show(error, ceremonyMessage(err, false));
      }
      const res = await post(root.dataset.verify ?? '', csrf, { response, consent: true });
      if (res.ok && res.json.redirect) {
        window.location.assign(res.json.redirect);
        return;
      }
      show(error, res.json.error?.message ?? FAILED);
    })().finally(() => {
      button.disabled = false;
    });
  });
}

function init(): void {
  document.querySelectorAll<HTMLFormElement>('form.passkey-add-form').forEach(initAdd);
  document.querySelectorAll<HTMLElement>('.passkey-login').forEach(initLogin);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
