import type { ComponentChildren } from 'preact';
import { FieldError } from '../../platform/views/layout.tsx';
import { formatInteger } from '../../domain/format.ts';
import { periodTitle } from '../../domain/dates.ts';
import { ZONE_TITLES, type Zone } from '../../domain/tariff.ts';
import type { RegisterCheck } from '../../domain/readings.ts';
import {
  Field,
  FormError,
  OFFICE_CRUMB,
  OfficePage,
  type OfficeUser,
} from '../../features/office/office.view.tsx';
import type { LoginLockState } from '../../features/account/login-unlock.ts';

// The operators' small forms on one account: a reading on the customer's behalf, unlocking the
// customer's login, sending a bill again, the number of residents, the bill e-mail on the
// customer's written request. Each has a mandatory reason; success returns to the account card
// (/office/accounts/:id).

export interface AccountHead {
  id: number;
  number: string;
  holder: string;
  address: string;
}

export interface Frame {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  account: AccountHead;
}

export function ActionPage(p: Frame & { title: string; children: ComponentChildren }) {
  const card = `/office/accounts/${p.account.id}`;
  return (
    <OfficePage
      title={`${p.title}: ${p.account.number}`}
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: `Лицевой счёт ${p.account.number}`, href: card }, { title: p.title }]}
    >
      <h1>{p.title}</h1>
      <p>
        Лицевой счёт <a href={card}>{p.account.number}</a>, {p.account.holder}, {p.account.address}.
      </p>
      {p.children}
    </OfficePage>
  );
}

export function ReasonField(p: { id: string; value: string; error: string | undefined; label?: string }) {
  return (
    <Field
      id={p.id}
      name="reason"
      label={p.label ?? 'Причина (сохраняется в журнале действий)'}
      value={p.value}
      error={p.error}
      maxLength={500}
    />
  );
}

export interface OperatorReadingForm {
  meterId: number;
  serial: string;
  digits: number;
  zones: Zone[];
  previousDate: string | null;
  previous: number[];
  key: string;
}

export function OperatorReadingPage(
  p: Frame & {
    form: OperatorReadingForm | null;
    values: string[];
    reason: string;
    fieldErrors?: string[];
    formError?: string | undefined;
    reasonError?: string | undefined;
    /** The reading looks wrong: shown with its consumption, to be confirmed. */
    confirm?: { registers: RegisterCheck[]; why: string } | undefined;
  },
) {
  const f = p.form;
  return (
    <ActionPage {...p} title="Показание со слов абонента">
      {!f ? (
        <p class="panel">У лицевого счёта нет счётчика в работе: показание принять нельзя.</p>
      ) : (
        <form method="post" action={`/office/accounts/${p.account.id}/reading`} novalidate class="panel">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="meter" value={String(f.meterId)} />
          <input type="hidden" name="key" value={f.key} />
          <FormError message={p.formError} />
          <p>
            Счётчик № {f.serial} ({f.digits} разрядов). Способ передачи: «Оператор». Проверки те же, что у
            абонента в личном кабинете.
            {f.previousDate
              ? ` Последнее принятое показание ${f.previous.map((v) => formatInteger(v)).join(' / ')} от ${f.previousDate}.`
              : ' Принятых показаний ещё нет.'}
          </p>
          {f.zones.map((z, i) => (
            <Field
              id={`v${i + 1}`}
              name={`v${i + 1}`}
              label={f.zones.length > 1 ? `Показание, зона «${ZONE_TITLES[z]}»` : 'Показание'}
              value={p.values[i] ?? ''}
              error={p.fieldErrors?.[i] || undefined}
              inputMode="numeric"
              maxLength={20}
            />
          ))}
          {p.confirm && (
            <section class="warning" role="alert" aria-labelledby="confirm-title">
              <h2 id="confirm-title">Показание вызывает сомнение: {p.confirm.why}</h2>
              <p>
                Расход: {p.confirm.registers.map((r) => `${formatInteger(r.kwh)} кВт·ч`).join(', ')}. Сверьте
                его с абонентом. Подтверждённое показание уйдёт в очередь проверки.
              </p>
              <div class="field checkbox">
                <input id="confirm" name="confirm" type="checkbox" value="yes" />
                <label for="confirm">Абонент подтвердил показание</label>
              </div>
            </section>
          )}
          <ReasonField
            id="reading-reason"
            value={p.reason}
            error={p.reasonError}
            label="Причина (например, звонок абонента)"
          />
          <button type="submit" class="button primary">
            Сохранить показание
          </button>
        </form>
      )}
    </ActionPage>
  );
}

export function UnlockPage(
  p: Frame & { state: LoginLockState; reason: string; reasonError?: string | undefined },
) {
  const s = p.state;
  return (
    <ActionPage {...p} title="Разблокировать вход">
      <form method="post" action={`/office/accounts/${p.account.id}/unlock`} novalidate class="panel">
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        <p id="lock-state">
          Неудачных попыток входа за последние {formatInteger(s.windowMinutes)} минут:{' '}
          {formatInteger(s.failures)}.{' '}
          {s.lockedForAll
            ? 'Вход заблокирован для всех.'
            : s.failures > 0
              ? 'Вход может быть заблокирован для отдельных браузеров и адресов.'
              : 'Вход не заблокирован.'}
        </p>
        <p class="hint">Разблокировка забывает все неудачные попытки по этому счёту.</p>
        <ReasonField id="unlock-reason" value={p.reason} error={p.reasonError} />
        <button type="submit" class="button primary">
          Разблокировать
        </button>
      </form>
    </ActionPage>
  );
}

export function ResendBillPage(
  p: Frame & {
    periods: string[];
    period: string;
    reason: string;
    periodError?: string | undefined;
    reasonError?: string | undefined;
  },
) {
  return (
    <ActionPage {...p} title="Отправить квитанцию ещё раз">
      {p.periods.length === 0 ? (
        <p class="panel">По лицевому счёту ещё нет квитанций.</p>
      ) : (
        <form method="post" action={`/office/accounts/${p.account.id}/resend-bill`} novalidate class="panel">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <p class="hint">Квитанция уйдёт на подтверждённый адрес абонента, как при рассылке.</p>
          <div class={`field${p.periodError ? ' has-error' : ''}`}>
            <label for="period">Месяц</label>
            <select
              id="period"
              name="period"
              aria-invalid={p.periodError ? 'true' : undefined}
              aria-describedby={p.periodError ? 'period-error' : undefined}
            >
              {p.periods.map((x) => (
                <option value={x} selected={x === p.period}>
                  {periodTitle(x)}
                </option>
              ))}
            </select>
            <FieldError id="period-error" message={p.periodError} />
          </div>
          <ReasonField id="resend-reason" value={p.reason} error={p.reasonError} />
          <button type="submit" class="button primary">
            Отправить
          </button>
        </form>
      )}
    </ActionPage>
  );
}

export function ResidentsPage(
  p: Frame & {
    current: number;
    value: string;
    reason: string;
    residentsError?: string | undefined;
    reasonError?: string | undefined;
  },
) {
  return (
    <ActionPage {...p} title="Число проживающих">
      <form method="post" action={`/office/accounts/${p.account.id}/residents`} novalidate class="panel">
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        <p id="residents-current">Сейчас указано: {formatInteger(p.current)}.</p>
        <p class="hint">
          По нему начисляют по нормативу (п. 42, п. 60: норматив × число проживающих, не меньше одного) и
          считают социальную норму. Новое число действует с ближайшего закрытия месяца; закрытые месяцы меняет
          только перерасчёт.
        </p>
        <Field
          id="residents"
          name="residents"
          label="Проживающих, человек (0 — никто не зарегистрирован)"
          value={p.value}
          error={p.residentsError}
          inputMode="numeric"
          maxLength={3}
        />
        <ReasonField
          id="residents-reason"
          value={p.reason}
          error={p.reasonError}
          label="Причина (например, справка о регистрации № … от …)"
        />
        <button type="submit" class="button primary">
          Сохранить
        </button>
      </form>
    </ActionPage>
  );
}

/** The stored address as the e-mail form shows it (staff see it whole, as on the card). */
export interface BillAddress {
  email: string;
  subscribed: boolean;
  confirmed: boolean;
}

export function EmailPage(
  p: Frame & {
    current: BillAddress | null;
    email: string;
    subscribed: boolean;
    reason: string;
    emailError?: string | undefined;
    reasonError?: string | undefined;
    /** The address was saved but its confirmation link was not sent: why, and what to do. */
    notice?: string | undefined;
  },
) {
  const c = p.current;
  return (
    <ActionPage {...p} title="E-mail для квитанций по заявлению">
      <form method="post" action={`/office/accounts/${p.account.id}/email`} novalidate class="panel">
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        {p.notice && (
          <p class="notice-panel" role="status" id="email-notice">
            {p.notice}
          </p>
        )}
        <p id="email-current">
          {c
            ? `Сейчас: ${c.email}, ${c.confirmed ? 'подтверждён' : 'не подтверждён'}, ${
                c.subscribed ? 'квитанции отправляются' : 'квитанции не отправляются'
              }.`
            : 'Адрес для квитанций не указан.'}
        </p>
        <p class="hint">
          По письменному заявлению абонента. На новый адрес уйдёт письмо со ссылкой для подтверждения:
          квитанции пойдут на него, когда абонент перейдёт по ссылке (так адрес, переписанный с ошибкой, не
          получит чужие квитанции).
        </p>
        <Field
          id="email"
          name="email"
          label="Адрес электронной почты"
          value={p.email}
          error={p.emailError}
          autoComplete="off"
          maxLength={254}
        />
        <div class="field checkbox">
          <input id="subscribed" name="subscribed" type="checkbox" value="yes" checked={p.subscribed} />
          <label for="subscribed">Отправлять квитанции на этот адрес</label>
        </div>
        <ReasonField
          id="email-reason"
          value={p.reason}
          error={p.reasonError}
          label="Причина (например, заявление № … от …)"
        />
        <button type="submit" name="action" value="save" class="button primary">
          Сохранить
        </button>{' '}
        {c && (
          <button type="submit" name="action" value="delete" class="button">
            Удалить адрес
          </button>
        )}
      </form>
    </ActionPage>
  );
}

export function AccountMissingPage(p: { supplierName: string; csrfToken: string; user: OfficeUser }) {
  return (
    <OfficePage title="Лицевой счёт не найден" {...p}>
      <section class="panel">
        <h1>Лицевой счёт не найден</h1>
        <p>
          <a href="/office">Вернуться к сводке</a>
        </p>
      </section>
    </OfficePage>
  );
}
