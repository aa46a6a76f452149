import { Field, FormError, OFFICE_CRUMB, OfficePage, type OfficeUser } from '../office/office.view.tsx';
import type { SearchErrors, SearchPage, SearchValues } from './search.service.ts';

export interface SearchPageProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  values: SearchValues;
  errors: SearchErrors;
  /** A message for the form as a whole (nothing typed). */
  formError?: string | undefined;
  /** The results, when the search ran. */
  result?: SearchPage | undefined;
}

export function SearchPageView(p: SearchPageProps) {
  return (
    <OfficePage
      title="Поиск лицевого счёта"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Поиск' }]}
    >
      <h1>Поиск лицевого счёта</h1>
      <form method="get" action="/office/search" class="panel" aria-labelledby="search-form-title" noValidate>
        <h2 id="search-form-title">Что известно о клиенте</h2>
        <FormError message={p.formError} />
        <Field
          id="search-number"
          name="number"
          label="Номер лицевого счёта или его часть"
          hint="Не меньше 4 цифр подряд, с любого места номера."
          inputMode="numeric"
          maxLength={20}
          value={p.values.number}
          error={p.errors.number}
        />
        <Field
          id="search-name"
          name="name"
          label="Фамилия и инициалы"
          hint="Начало фамилии, можно с инициалами: «Иванов И. И.», «иванов и», «Федоров»."
          maxLength={80}
          value={p.values.name}
          error={p.errors.name}
        />
        <fieldset class="address-fields">
          <legend>Адрес</legend>
          <Field
            id="search-street"
            name="street"
            label="Улица"
            hint="Начало названия, без «ул.»: «Ленина»."
            maxLength={80}
            value={p.values.street}
            error={p.errors.street}
          />
          <Field
            id="search-house"
            name="house"
            label="Дом"
            maxLength={10}
            value={p.values.house}
            error={p.errors.house}
          />
          <Field
            id="search-flat"
            name="flat"
            label="Квартира"
            inputMode="numeric"
            maxLength={6}
            value={p.values.flat}
            error={p.errors.flat}
          />
        </fieldset>
        <Field
          id="search-serial"
          name="serial"
          label="Заводской номер счётчика"
          hint="Начало номера, не меньше 3 знаков."
          maxLength={30}
          value={p.values.serial}
          error={p.errors.serial}
        />
        <button type="submit" class="button">
          Найти
        </button>
      </form>
      {p.result && <Results result={p.result} values={p.values} />}
    </OfficePage>
  );
}

function Results({ result, values }: { result: SearchPage; values: SearchValues }) {
  const link = (page: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) {
      if (v !== '') {
        q.set(k, v);
      }
    }
    q.set('page', String(page));
    return `/office/search?${q.toString()}`;
  };
  return (
    <section class="panel" aria-labelledby="search-results-title">
      <h2 id="search-results-title">Найденные лицевые счета</h2>
      {result.rows.length === 0 ? (
        <p id="search-none">{result.page === 1 ? 'Ничего не найдено.' : 'На этой странице ничего нет.'}</p>
      ) : (
        <table class="history" id="search-results">
          <thead>
            <tr>
              <th scope="col">Лицевой счёт</th>
              <th scope="col">ФИО</th>
              <th scope="col">Адрес</th>
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r) => (
              <tr>
                <td>
                  <a href={`/office/accounts/${r.id}`}>{r.number}</a>
                </td>
                <td>{[r.surname, r.firstName, r.patronymic].filter(Boolean).join(' ')}</td>
                <td>{r.objectAddress}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Страницы результатов">
        <p>
          Страница {result.page}
          {result.page > 1 && (
            <>
              {' · '}
              <a href={link(result.page - 1)} rel="prev">
                Предыдущая
              </a>
            </>
          )}
          {result.hasNext && (
            <>
              {' · '}
              <a href={link(result.page + 1)} rel="next">
                Следующая
              </a>
            </>
          )}
        </p>
      </nav>
    </section>
  );
}
