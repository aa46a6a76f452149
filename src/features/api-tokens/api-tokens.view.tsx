import type { ComponentChildren } from 'preact';
import { FieldError, Layout, type Crumb, type SwitcherProps } from '../../platform/views/layout.tsx';
import { ErrorSummary } from '../../platform/views/error-summary.tsx';
import {
  DEFAULT_EXPIRY_DAYS,
  EXPIRY_DAYS,
  MAX_ACTIVE_TOKENS,
  NAME_MAX,
  type TokenFormErrors,
  type TokenState,
  type TokenView,
} from './api-tokens.service.ts';
import type { ApiScope } from './token.ts';

export const TOKENS_PATH = '/cabinet/profile/tokens';

const CRUMBS: Crumb[] = [
  { title: 'Главная', href: '/' },
  { title: 'Личный кабинет', href: '/cabinet' },
  { title: 'Профиль', href: '/cabinet/profile' },
  { title: 'Токены доступа', href: TOKENS_PATH },
];

/** What every page of the section needs: the supplier, the CSRF token, local times. */
export interface PageBase {
  supplierName: string;
  csrfToken: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
  /** An instant as the customer reads it: local date and time. */
  formatTime: (ms: number) => string;
}

export interface TokenFormValues {
  name: string;
  readingsWrite: boolean;
  days: string;
}

const SCOPE_TEXT: Record<ApiScope, string> = {
  read: 'чтение',
  'readings:write': 'передача показаний',
};

const STATE_TEXT: Record<TokenState, string> = {
  active: 'действует',
  expired: 'истёк',
  revoked: 'отозван',
};

function Page(p: PageBase & { title: string; children: ComponentChildren }) {
  return (
    <Layout
      title={p.title}
      supplierName={p.supplierName}
      crumbs={CRUMBS}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      {p.children}
    </Layout>
  );
}

/** The section for a manual login (account number and surname): tokens belong to a profile. */
export function NoProfilePage(p: PageBase) {
  return (
    <Page {...p} title="Токены доступа">
      <h1>Токены доступа к API</h1>
      <section class="panel notice-panel" id="tokens-no-profile">
        <p>
          Токены доступа создаются в профиле — с ним один вход даёт доступ к нескольким лицевым счетам. Вы
          вошли по номеру лицевого счёта и фамилии, без профиля.
        </p>
        <p>
          <a href="/cabinet/profile">Создайте профиль или войдите в него</a>, затем вернитесь на эту страницу.
        </p>
      </section>
    </Page>
  );
}

export interface TokensPageProps extends PageBase {
  tokens: TokenView[];
  values?: TokenFormValues;
  errors?: TokenFormErrors;
  notice?: string;
}

/** The profile's tokens and the form that makes one. */
export function TokensPage(p: TokensPageProps) {
  return (
    <Page {...p} title="Токены доступа">
      <h1>Токены доступа к API</h1>
      <p>
        Токен позволяет программе (например, Home Assistant или приложению для учёта расходов) читать баланс,
        начисления и показания лицевых счетов вашего профиля, а при разрешении — передавать показания. Не
        сообщайте токен посторонним; ненужный токен отзовите.
      </p>
      {p.notice && (
        <p class="notice" role="status" id="tokens-notice">
          {p.notice}
        </p>
      )}
      <NewTokenForm {...p} />
      <TokenList {...p} />
    </Page>
  );
}

function NewTokenForm(p: TokensPageProps) {
  const v = p.values ?? { name: '', readingsWrite: false, days: String(DEFAULT_EXPIRY_DAYS) };
  const e = p.errors ?? {};
  return (
    <section class="panel" aria-labelledby="token-form-title">
      <h2 id="token-form-title">Новый токен</h2>
      <ErrorSummary
        id="token-errors"
        title="Токен не создан"
        formError={e.form}
        fields={[
          { field: 'token-name', message: e.name ?? '' },
          { field: `token-days-${DEFAULT_EXPIRY_DAYS}`, message: e.days ?? '' },
        ]}
      />
      <form method="post" action={TOKENS_PATH} novalidate>
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        <div class={e.name ? 'field has-error' : 'field'}>
          <label for="token-name">Название</label>
          <input
            id="token-name"
            name="name"
            type="text"
            maxlength={NAME_MAX}
            value={v.name}
            spellcheck={false}
            aria-invalid={e.name ? 'true' : undefined}
            aria-describedby={e.name ? 'token-name-error' : 'token-name-note'}
          />
          <FieldError id="token-name-error" message={e.name} />
          <p class="hint" id="token-name-note">
            Чтобы отличать токены, например «Home Assistant». Не длиннее {NAME_MAX} символов.
          </p>
        </div>
        <fieldset class="field">
          <legend>Разрешения</legend>
          <div class="field checkbox">
            <input type="checkbox" id="token-scope-read" checked disabled />
            <label for="token-scope-read">
              Чтение: счета, баланс, начисления, платежи, показания (есть у каждого токена)
            </label>
          </div>
          <div class="field checkbox">
            <input
              type="checkbox"
              id="token-scope-write"
              name="readingsWrite"
              value="yes"
              checked={v.readingsWrite}
            />
            <label for="token-scope-write">Передача показаний счётчика</label>
          </div>
        </fieldset>
        <ExpiryFields days={v.days} error={e.days} />
        <button type="submit" class="button primary">
          Создать токен
        </button>
        <p class="hint">Действующих токенов у профиля может быть не больше {MAX_ACTIVE_TOKENS}.</p>
      </form>
    </section>
  );
}

function ExpiryFields({ days, error }: { days: string; error: string | undefined }) {
  return (
    <fieldset
      class={error ? 'field has-error' : 'field'}
      aria-describedby={error ? 'token-days-error' : undefined}
    >
      <legend>Срок действия</legend>
      {EXPIRY_DAYS.map((d) => (
        <div class="field checkbox">
          <input
            type="radio"
            id={`token-days-${d}`}
            name="days"
            value={String(d)}
            checked={days === String(d)}
          />
          <label for={`token-days-${d}`}>{d === 365 ? '1 год (365 дней)' : `${d} дней`}</label>
        </div>
      ))}
      <FieldError id="token-days-error" message={error} />
    </fieldset>
  );
}

function TokenList(p: TokensPageProps) {
  return (
    <section class="panel" aria-labelledby="token-list-title">
      <h2 id="token-list-title">Ваши токены</h2>
      {p.tokens.length === 0 ? (
        <p class="muted">Токенов пока нет.</p>
      ) : (
        <table class="history" id="token-list">
          <thead>
            <tr>
              <th scope="col">Название</th>
              <th scope="col">Разрешения</th>
              <th scope="col">Создан</th>
              <th scope="col">Действует до</th>
              <th scope="col">Последнее использование</th>
              <th scope="col">Состояние</th>
              <th scope="col">
                <span class="visually-hidden">Действия</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {p.tokens.map((t) => (
              <TokenRow token={t} base={p} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TokenRow({ token: t, base }: { token: TokenView; base: PageBase }) {
  return (
    <tr id={`token-${t.id}`} class={t.state === 'active' ? undefined : 'status-rejected'}>
      <td data-label="Название">{t.name}</td>
      <td data-label="Разрешения">{t.scopes.map((s) => SCOPE_TEXT[s]).join(', ')}</td>
      <td data-label="Создан">{base.formatTime(t.createdAt)}</td>
      <td data-label="Действует до">{base.formatTime(t.expiresAt)}</td>
      <td data-label="Последнее использование">
        {t.lastUsedAt === null
          ? 'не использовался'
          : `${base.formatTime(t.lastUsedAt)}, адрес ${t.lastUsedIp ?? '—'}`}
      </td>
      <td data-label="Состояние">{STATE_TEXT[t.state]}</td>
      <td>
        {t.state === 'active' && (
          <form method="post" action={`${TOKENS_PATH}/${t.id}/revoke`}>
            <input type="hidden" name="_csrf" value={base.csrfToken} />
            <button type="submit" class="button" aria-label={`Отозвать токен «${t.name}»`}>
              Отозвать
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

/** The new token, shown this once: the page that answers the form. */
export function CreatedPage(
  p: PageBase & { token: string; name: string; scopes: ApiScope[]; expiresAt: number },
) {
  return (
    <Page {...p} title="Токен создан">
      <h1>Токен создан</h1>
      <section class="panel warning" aria-labelledby="token-created-title">
        <h2 id="token-created-title">Скопируйте токен сейчас</h2>
        <p>
          <strong>Токен показывается только один раз.</strong> Мы храним лишь его отпечаток и не сможем
          показать его снова. Если токен потерян, отзовите его и создайте новый.
        </p>
        <div class="field">
          <label for="new-token">Токен «{p.name}»</label>
          {/* A text area wraps the token on a phone's screen, so that all of it can be checked. */}
          <textarea
            id="new-token"
            readonly
            rows={2}
            cols={24}
            spellcheck={false}
            autocomplete="off"
            aria-describedby="new-token-hint"
          >
            {p.token}
          </textarea>
          <p class="hint" id="new-token-hint">
            Выделите токен целиком (щелчок в поле, затем Ctrl+A или ⌘+A) и скопируйте (Ctrl+C или ⌘+C); на
            телефоне — нажмите и удерживайте поле. Программа передаёт его в заголовке{' '}
            {'«Authorization: Bearer <токен>».'}
          </p>
        </div>
        <p>
          Разрешения: {p.scopes.map((s) => SCOPE_TEXT[s]).join(', ')}. Действует до{' '}
          {p.formatTime(p.expiresAt)}.
        </p>
      </section>
      <p>
        <a href={TOKENS_PATH}>Вернуться к списку токенов</a>
      </p>
    </Page>
  );
}
