import { FieldError, Layout, type Crumb } from '../../platform/views/layout.tsx';
import type { LoginFieldErrors } from './account.service.ts';

/** The value the consent box sends when ticked; any other value is no consent. */
export const CONSENT_VALUE = 'yes';

export type LoginEntry = 'home' | 'cabinet';

export interface LoginFormProps {
  entry: LoginEntry;
  csrfToken: string;
  values?: { account?: string; surname?: string; consent?: boolean };
  errors?: LoginFieldErrors;
  /** A message about the whole form (wrong credentials, too many attempts). */
  formError?: string;
  demo?: { account: string; surname: string };
  /** The cabinet page to open after the login (return-path.ts), carried by the form. */
  returnTo?: string;
}

export function LoginForm(p: LoginFormProps) {
  const e = p.errors ?? {};
  const v = p.values ?? {};
  const id = (name: string) => `${p.entry}-${name}`;
  return (
    <form method="post" action="/login" class="login-form" novalidate>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <input type="hidden" name="from" value={p.entry} />
      {p.returnTo && <input type="hidden" name="next" value={p.returnTo} />}
      {p.formError && (
        <p class="form-error" role="alert">
          {p.formError}
        </p>
      )}
      <div class={`field${e.account ? ' has-error' : ''}`}>
        <label for={id('account')}>Номер лицевого счёта</label>
        <input
          id={id('account')}
          name="account"
          type="text"
          inputMode="numeric"
          autoComplete="username"
          maxLength={20}
          value={v.account ?? ''}
          aria-invalid={e.account ? 'true' : undefined}
          aria-describedby={e.account ? id('account-error') : id('account-hint')}
        />
        <p class="hint" id={id('account-hint')}>
          10 цифр, как в поле «Код абонента» квитанции.{' '}
          <a href="/individuals#account-number">Где найти номер?</a>
        </p>
        <FieldError id={id('account-error')} message={e.account} />
      </div>
      <div class={`field${e.surname ? ' has-error' : ''}`}>
        <label for={id('surname')}>Фамилия</label>
        <input
          id={id('surname')}
          name="surname"
          type="text"
          autoComplete="family-name"
          maxLength={100}
          value={v.surname ?? ''}
          aria-invalid={e.surname ? 'true' : undefined}
          aria-describedby={e.surname ? id('surname-error') : undefined}
        />
        <FieldError id={id('surname-error')} message={e.surname} />
      </div>
      <div class={`field checkbox${e.consent ? ' has-error' : ''}`}>
        <input
          id={id('consent')}
          name="consent"
          type="checkbox"
          value={CONSENT_VALUE}
          checked={v.consent === true}
          aria-invalid={e.consent ? 'true' : undefined}
          aria-describedby={e.consent ? id('consent-error') : undefined}
        />
        <label for={id('consent')}>
          Я согласен(на) на обработку моих персональных данных в соответствии с{' '}
          <a href="/privacy" target="_blank" rel="noopener">
            политикой обработки персональных данных
          </a>
        </label>
        <FieldError id={id('consent-error')} message={e.consent} />
      </div>
      <button type="submit" class="button primary">
        Войти
      </button>
      {p.demo && (
        <aside class="demo-credentials" aria-label="Демонстрационный вход">
          <strong>Демонстрационный режим.</strong> Лицевой счёт <code>{p.demo.account}</code>, фамилия{' '}
          <code>{p.demo.surname}</code>.
        </aside>
      )}
    </form>
  );
}

export function CabinetLoginPage(
  p: LoginFormProps & { supplierName: string; crumbs: Crumb[]; notice?: string },
) {
  return (
    <Layout title="Личный кабинет" supplierName={p.supplierName} crumbs={p.crumbs}>
      <section class="panel narrow">
        <h1>Личный кабинет для физических лиц</h1>
        {p.notice && <p class="notice">{p.notice}</p>}
        <p>Введите номер лицевого счёта и фамилию владельца, как в квитанции.</p>
        <LoginForm {...p} />
        <p>
          <a href="/profile/login">Войти по e-mail или ключом входа</a>
        </p>
      </section>
    </Layout>
  );
}

export function HomePage(p: LoginFormProps & { supplierName: string; tab: 'individuals' | 'legal' }) {
  return (
    <Layout title="Главная" supplierName={p.supplierName}>
      <section class="hero">
        <h1>{p.supplierName}</h1>
        <p>Передача показаний, квитанции и оплата электроэнергии онлайн.</p>
      </section>
      <section class="panel narrow tabs-panel">
        <nav class="tabs" aria-label="Вход в личный кабинет">
          <a
            href="/?tab=individuals"
            class={p.tab === 'individuals' ? 'tab active' : 'tab'}
            aria-current={p.tab === 'individuals' ? 'page' : undefined}
          >
            Физическим лицам
          </a>
          <a
            href="/?tab=legal"
            class={p.tab === 'legal' ? 'tab active' : 'tab'}
            aria-current={p.tab === 'legal' ? 'page' : undefined}
          >
            Юридическим лицам
          </a>
        </nav>
        {p.tab === 'individuals' ? (
          <div class="tab-body">
            <h2>Вход в личный кабинет</h2>
            <LoginForm {...p} />
          </div>
        ) : (
          <div class="tab-body">
            <h2>Юридическим лицам</h2>
            <p>
              Договоры энергоснабжения, акты сверки и счета юридических лиц оформляются в офисах обслуживания.{' '}
              <a href="/offices">Адреса и часы работы офисов</a>.
            </p>
          </div>
        )}
      </section>
    </Layout>
  );
}

export function IndividualsPage(p: {
  supplierName: string;
  /** The `settlements` table: the codes the supplier loaded. */
  settlements: ReadonlyArray<{ code: string; name: string }>;
}) {
  return (
    <Layout
      title="Физическим лицам"
      supplierName={p.supplierName}
      crumbs={[{ title: 'Главная', href: '/' }, { title: 'Физическим лицам' }]}
    >
      <section class="panel">
        <h1>Физическим лицам</h1>
        <ul class="services">
          <li>
            <a href="/cabinet">Личный кабинет</a> — баланс, платежи, история показаний и начислений,
            квитанции.
          </li>
          <li>
            <a href="/offices">Офисы обслуживания</a> — адреса, телефоны и часы работы.
          </li>
        </ul>
      </section>
      <section class="panel" id="account-number" aria-labelledby="account-number-title">
        <h2 id="account-number-title">Лицевой счёт абонента</h2>
        <p>
          При выборе любого способа оплаты электроэнергии (через почтовые отделения, кредитные учреждения,
          сайт компании, платёжные терминалы) необходимо верно указать номер своего лицевого счёта.
        </p>
        <p>
          Это десятизначная комбинация цифр, начинающаяся с кода населённого пункта, в котором Вы проживаете.
          Коды населённых пунктов следующие:
        </p>
        <table class="settlement-codes">
          <thead>
            <tr>
              <th scope="col">Населённый пункт</th>
              <th scope="col" class="num">
                Код
              </th>
            </tr>
          </thead>
          <tbody>
            {p.settlements.map((s) => (
              <tr>
                <td>{s.name}</td>
                <td class="num">{s.code}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          Номер лицевого счёта можно посмотреть на получаемой Вами квитанции на оплату потреблённой
          электроэнергии (поле «Код абонента») либо узнать его при сверке показаний в любом{' '}
          <a href="/offices">офисе</a> {p.supplierName}, назвав оператору свой точный адрес проживания и
          фамилию.
        </p>
      </section>
    </Layout>
  );
}

export function PrivacyPage(p: { supplierName: string; policyVersion: string }) {
  return (
    <Layout title="Политика обработки персональных данных" supplierName={p.supplierName}>
      <section class="panel">
        <h1>Политика обработки персональных данных</h1>
        <p class="muted">Редакция {p.policyVersion}</p>
        <p>
          Оператор персональных данных — {p.supplierName}. Мы обрабатываем номер лицевого счёта, фамилию, имя,
          отчество, адрес объекта и адрес доставки, сведения о приборе учёта, показаниях, начислениях и
          платежах, адрес электронной почты (если Вы его указали), а также IP-адрес и время входа.
        </p>
        <p>
          Цели обработки: расчёт платы за электроэнергию, предоставление сведений о начислениях и платежах,
          приём показаний приборов учёта, направление квитанций, защита личного кабинета от
          несанкционированного доступа (Федеральный закон № 152-ФЗ «О персональных данных»).
        </p>
        <p>
          Согласие даётся отдельно при каждом входе в личный кабинет: отметкой в поле согласия. Мы храним
          версию политики, время и IP-адрес, с которых согласие было дано. Согласие можно отозвать письменным
          заявлением в любом офисе обслуживания; это не влияет на обработку, необходимую по договору
          энергоснабжения.
        </p>
        <p>
          Данные банковских карт в личном кабинете не вводятся и не хранятся: они вводятся только на странице
          банка.
        </p>
      </section>
    </Layout>
  );
}
