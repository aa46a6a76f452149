import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import type { AccessRow } from './access.service.ts';

export interface AccessPageProps {
  supplierName: string;
  csrfToken: string;
  switcher?: SwitcherProps | undefined;
  accountNumber: string;
  rows: AccessRow[];
  /** The local date of each row's attachment, by profile id. */
  dates: Map<number, string>;
  notice?: { text: string; error?: boolean } | undefined;
}

/** «Кто видит этот счёт»: the profiles the account is attached to, each with «Удалить доступ». */
export function AccessPage(p: AccessPageProps) {
  return (
    <Layout
      title="Кто видит этот счёт"
      supplierName={p.supplierName}
      crumbs={[...CABINET_CRUMBS, { title: 'Кто видит этот счёт' }]}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      <h1>Кто видит лицевой счёт {p.accountNumber}</h1>
      {p.notice && (
        <p class={p.notice.error ? 'form-error' : 'notice'} role={p.notice.error ? 'alert' : 'status'}>
          {p.notice.text}
        </p>
      )}
      <section class="panel" aria-labelledby="access-title">
        <h2 id="access-title">Профили, в которые добавлен счёт</h2>
        {p.rows.length === 0 ? (
          <p>
            Счёт не добавлен ни в один профиль: его видит только тот, кто входит по номеру счёта и фамилии.
          </p>
        ) : (
          <table class="history" id="account-access">
            <thead>
              <tr>
                <th scope="col">Профиль</th>
                <th scope="col">Добавлен</th>
                <th scope="col">Доступ</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr>
                  <th scope="row">
                    {r.maskedEmail}
                    {r.own && ' (Ваш профиль)'}
                  </th>
                  <td>
                    {p.dates.get(r.profileId)}
                    {r.attachedBy === 'login' ? ', при создании профиля' : ', с подтверждением суммой'}
                  </td>
                  <td>
                    <form method="post" action="/cabinet/access/remove" class="inline-form">
                      <input type="hidden" name="_csrf" value={p.csrfToken} />
                      <button type="submit" name="profile" value={String(r.profileId)} class="button">
                        Удалить доступ
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">
          Удалённый профиль сразу перестаёт видеть этот счёт. Вернуть счёт в профиль можно только снова
          подтвердив его суммой из квитанции или платежа.
        </p>
      </section>
    </Layout>
  );
}
