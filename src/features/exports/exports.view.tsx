import type { ComponentChildren } from 'preact';
import { Field, OFFICE_CRUMB, OfficePage, type OfficeUser } from '../office/office.view.tsx';
import { FieldError } from '../../platform/views/layout.tsx';
import { periodInWords } from '../../domain/dates.ts';
import type { Branch, RegistryFileRow } from './registry.repository.ts';

// The accountant's exports (/office/exports): one form a file, each posting to its own address
// and answered with the file, or with this page again and the message next to the field.

export type ExportKind = 'charges' | 'balances' | 'payments' | 'debts-registry' | 'debtors';

/** What each form holds, as typed. */
export interface ExportForms {
  charges: { period: string; encoding: string };
  balances: { date: string; encoding: string };
  payments: { from: string; to: string; encoding: string };
  'debts-registry': { period: string; branch: string; inn: string; account: string };
  debtors: { minRub: string; months: string; period: string; encoding: string };
}

export interface ExportsPageProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  forms: ExportForms;
  /** The form refused, with a message per field. */
  refused?: { kind: ExportKind; errors: Record<string, string> } | undefined;
  closed: string[];
  branches: Branch[];
  registryFiles: RegistryFileRow[];
  at: (ms: number) => string;
}

export function ExportsPage(p: ExportsPageProps) {
  const errorsOf = (kind: ExportKind) => (p.refused?.kind === kind ? p.refused.errors : {});
  const latest = p.closed[0];
  return (
    <OfficePage
      title="Выгрузки"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Выгрузки' }]}
    >
      <h1>Выгрузки</h1>
      <p>
        Файлы для 1С — CSV с разделителем «;», в UTF-8 с BOM или в Windows-1251. Суммы — в рублях с десятичной
        запятой, долг — с плюсом, переплата — с минусом.{' '}
        {latest ? `Последний закрытый период: ${periodInWords(latest)}.` : 'Ни один период ещё не закрыт.'}
      </p>
      <FileForms {...p} errorsOf={errorsOf} />
      <RegistryForm {...p} errors={errorsOf('debts-registry')} />
    </OfficePage>
  );
}

/** The four CSV files' forms. */
function FileForms(p: ExportsPageProps & { errorsOf: (kind: ExportKind) => Record<string, string> }) {
  const errorsOf = p.errorsOf;
  return (
    <>
      <ExportForm kind="charges" title="Начисления за период" csrfToken={p.csrfToken}>
        <Field
          id="charges-period"
          name="period"
          label="Период"
          hint="Закрытый месяц, ГГГГ-ММ"
          value={p.forms.charges.period}
          error={errorsOf('charges').period}
          maxLength={10}
        />
        <EncodingField id="charges-encoding" value={p.forms.charges.encoding} />
      </ExportForm>
      <ExportForm kind="balances" title="Сальдо на дату" csrfToken={p.csrfToken}>
        <Field
          id="balances-date"
          name="date"
          label="Дата"
          hint="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ"
          value={p.forms.balances.date}
          error={errorsOf('balances').date}
          maxLength={10}
        />
        <EncodingField id="balances-encoding" value={p.forms.balances.encoding} />
      </ExportForm>
      <ExportForm kind="payments" title="Платежи за период" csrfToken={p.csrfToken}>
        <Field
          id="payments-from"
          name="from"
          label="С даты"
          value={p.forms.payments.from}
          error={errorsOf('payments').from}
          maxLength={10}
        />
        <Field
          id="payments-to"
          name="to"
          label="По дату"
          hint="Обе даты включительно"
          value={p.forms.payments.to}
          error={errorsOf('payments').to}
          maxLength={10}
        />
        <EncodingField id="payments-encoding" value={p.forms.payments.encoding} />
      </ExportForm>
      <DebtorsForm {...p} errors={errorsOf('debtors')} />
    </>
  );
}

function DebtorsForm(p: ExportsPageProps & { errors: Record<string, string> }) {
  return (
    <ExportForm kind="debtors" title="Должники" csrfToken={p.csrfToken}>
      <Field
        id="debtors-min"
        name="minRub"
        label="Долг больше, руб."
        value={p.forms.debtors.minRub}
        error={p.errors.minRub}
        inputMode="numeric"
        maxLength={20}
      />
      <Field
        id="debtors-months"
        name="months"
        label="Месяцев подряд, не меньше"
        value={p.forms.debtors.months}
        error={p.errors.months}
        inputMode="numeric"
        maxLength={3}
      />
      <Field
        id="debtors-period"
        name="period"
        label="По период включительно"
        hint="Закрытый месяц, ГГГГ-ММ"
        value={p.forms.debtors.period}
        error={p.errors.period}
        maxLength={10}
      />
      <EncodingField id="debtors-encoding" value={p.forms.debtors.encoding} />
    </ExportForm>
  );
}

function ExportForm(p: { kind: ExportKind; title: string; csrfToken: string; children: ComponentChildren }) {
  return (
    <form
      method="post"
      action={`/office/exports/${p.kind}`}
      novalidate
      class="panel"
      aria-labelledby={`${p.kind}-title`}
    >
      <h2 id={`${p.kind}-title`}>{p.title}</h2>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      {p.children}
      <button type="submit" class="button primary">
        Скачать
      </button>
    </form>
  );
}

function EncodingField({ id, value }: { id: string; value: string }) {
  return (
    <div class="field">
      <label for={id}>Кодировка</label>
      <select id={id} name="encoding">
        <option value="utf8" selected={value !== 'cp1251'}>
          UTF-8 (с BOM)
        </option>
        <option value="cp1251" selected={value === 'cp1251'}>
          Windows-1251
        </option>
      </select>
    </div>
  );
}

function RegistryForm(p: ExportsPageProps & { errors: Record<string, string> }) {
  const f = p.forms['debts-registry'];
  return (
    <ExportForm kind="debts-registry" title="Реестр задолженности для банка" csrfToken={p.csrfToken}>
      <p class="hint">
        Файл ИНН_СЧЁТ_NNN_ММГГ.txt в Windows-1251: лицевой счёт; ФИО; адрес; период; сумма к оплате. NNN —
        номер файла за месяц.
      </p>
      <Field
        id="registry-period"
        name="period"
        label="Период"
        hint="Закрытый месяц, ГГГГ-ММ"
        value={f.period}
        error={p.errors.period}
        maxLength={10}
      />
      <div class={`field${p.errors.branch ? ' has-error' : ''}`}>
        <label for="registry-branch">Филиал</label>
        <select
          id="registry-branch"
          name="branch"
          aria-invalid={p.errors.branch ? 'true' : undefined}
          aria-describedby={p.errors.branch ? 'registry-branch-error' : undefined}
        >
          {p.branches.map((b) => (
            <option value={b.code} selected={b.code === f.branch}>
              {b.name} (ИНН {b.inn}, р/с {b.settlementAccount})
            </option>
          ))}
        </select>
        <FieldError id="registry-branch-error" message={p.errors.branch} />
      </div>
      <Field
        id="registry-inn"
        name="inn"
        label="ИНН (если не филиала)"
        value={f.inn}
        error={p.errors.inn}
        inputMode="numeric"
        maxLength={12}
      />
      <Field
        id="registry-account"
        name="account"
        label="Расчётный счёт (если не филиала)"
        value={f.account}
        error={p.errors.account}
        inputMode="numeric"
        maxLength={20}
      />
      {p.registryFiles.length > 0 && (
        <table class="history" id="registry-files" aria-labelledby="debts-registry-title">
          <thead>
            <tr>
              <th scope="col">Файл</th>
              <th scope="col">Создан</th>
              <th scope="col">Кем</th>
            </tr>
          </thead>
          <tbody>
            {p.registryFiles.map((r) => (
              <tr>
                <td data-label="Файл">{r.fileName}</td>
                <td data-label="Создан">{p.at(r.createdAt)}</td>
                <td data-label="Кем">{r.staffLogin ?? 'команда CLI'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ExportForm>
  );
}
