import { Field, OFFICE_CRUMB, OfficePage, type OfficeUser } from '../../features/office/office.view.tsx';
import { formatDateRu } from '../../domain/dates.ts';
import { formatInteger, formatRublesRu } from '../../domain/format.ts';
import type { PendingOrderRow } from '../../features/payments/staff-orders.repository.ts';
import type { ReconcileRun } from '../../features/payments/reconcile-runs.repository.ts';
import type { ListedUnallocated } from '../../features/imports/registry.repository.ts';
import { instantFormat, ORDER_STATUS } from './card.view.tsx';
import type { Pager } from './payments-pager.ts';

/** The bank's answers a reconciliation counts, as the accountant reads them. */
const RESULT_TITLES: Record<string, string> = {
  paid: 'зачислено',
  already_paid: 'уже были зачислены',
  pending: 'ещё ждут оплаты',
  declined: 'отклонены банком',
  expired: 'истекли',
  reversed: 'отменены',
  mismatch: 'расходятся с банком',
  failed: 'ошибка',
  unavailable: 'банк не ответил',
};
const TRIGGER_TITLES: Record<string, string> = {
  job: 'сервер, по расписанию',
  cli: 'команда payments-reconcile',
};

/** A refused allocation: the payment, the fields as typed, and the message next to the field at fault. */
export interface RefusedAllocation {
  id: number;
  account: string;
  reason: string;
  errors: { account?: string; reason?: string };
}

export interface PaymentsPageProps {
  supplierName: string;
  csrfToken: string;
  user: OfficeUser;
  timeZone: string;
  pending: { rows: PendingOrderRow[]; total: number };
  pendingPager: Pager;
  reconcile: ReconcileRun | undefined;
  unallocated: { rows: ListedUnallocated[]; total: number };
  unallocatedPager: Pager;
  /** The unallocated list's position in the address, kept by its forms. */
  registryAt?: string | undefined;
  done?: string | undefined;
  refused?: RefusedAllocation | undefined;
}

export function PaymentsPage(p: PaymentsPageProps) {
  const at = instantFormat(p.timeZone);
  return (
    <OfficePage
      title="Платежи"
      supplierName={p.supplierName}
      csrfToken={p.csrfToken}
      user={p.user}
      crumbs={[OFFICE_CRUMB, { title: 'Платежи' }]}
    >
      <h1>Платежи</h1>
      {p.done && (
        <p class="notice-panel" role="status" id="payments-done">
          {p.done}
        </p>
      )}
      <PendingPanel pending={p.pending} pager={p.pendingPager} at={at} />
      <ReconcilePanel run={p.reconcile} at={at} />
      <UnallocatedPanel {...p} />
    </OfficePage>
  );
}

/** «Показаны 101–200»: which rows of the list this page holds, said when they are not all. */
function shown(pager: Pager): string {
  if (pager.to <= pager.from - 1) {
    return '; на этой странице строк больше нет';
  }
  return pager.from === 1 && pager.to === pager.total
    ? ''
    : `; показаны ${formatInteger(pager.from)}–${formatInteger(pager.to)}, от самых старых`;
}

/** The links to the list's pages around this one; plain links, so they work without a script. */
function PagerNav({ pager, id, label }: { pager: Pager; id: string; label: string }) {
  if (!pager.previous && !pager.next && !pager.start) {
    return null;
  }
  return (
    <nav id={id} aria-label={label}>
      {pager.previous && (
        <a href={pager.previous} rel="prev">
          ← Предыдущие
        </a>
      )}
      {pager.previous && pager.next && ' · '}
      {pager.next && (
        <a href={pager.next} rel="next">
          Следующие →
        </a>
      )}
      {pager.start && <a href={pager.start}>К началу списка</a>}
    </nav>
  );
}

function PendingPanel({
  pending,
  pager,
  at,
}: {
  pending: PaymentsPageProps['pending'];
  pager: Pager;
  at: (ms: number) => string;
}) {
  return (
    <section class="panel" aria-labelledby="pending-title">
      <h2 id="pending-title">Неоплаченные заказы картой и СБП</h2>
      {pending.total === 0 ? (
        <p class="muted">Незавершённых заказов нет.</p>
      ) : (
        <>
          <p id="pending-count">
            Ждут ответа банка: {formatInteger(pending.total)}
            {shown(pager)}.
          </p>
          <PagerNav pager={pager} id="pending-pages" label="Страницы неоплаченных заказов" />
          <table class="history" id="pending-orders" aria-labelledby="pending-title">
            <thead>
              <tr>
                <th scope="col">Создан</th>
                <th scope="col">Лицевой счёт</th>
                <th scope="col">Заказ</th>
                <th scope="col">Способ</th>
                <th scope="col" class="num">
                  Сумма
                </th>
                <th scope="col">Состояние</th>
                <th scope="col">Последний запрос в банк</th>
              </tr>
            </thead>
            <tbody>
              {pending.rows.map((r) => (
                <tr>
                  <td data-label="Создан">{at(r.createdAt)}</td>
                  <td data-label="Лицевой счёт">
                    <a href={`/office/accounts/${r.accountId}`}>{r.accountNumber}</a>
                  </td>
                  <td data-label="Заказ">{r.orderNumber}</td>
                  <td data-label="Способ">{r.method === 'sbp' ? 'СБП' : 'карта'}</td>
                  <td data-label="Сумма" class="num">
                    {formatRublesRu(r.amountKop)}
                  </td>
                  <td data-label="Состояние">{ORDER_STATUS[r.status] ?? r.status}</td>
                  <td data-label="Последний запрос в банк">
                    {r.lastCheckedAt === null
                      ? 'не было'
                      : `${at(r.lastCheckedAt)} (всего ${formatInteger(r.attempts)})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <PagerNav pager={pager} id="pending-pages-end" label="Страницы неоплаченных заказов, внизу" />
        </>
      )}
    </section>
  );
}

function ReconcilePanel({ run, at }: { run: ReconcileRun | undefined; at: (ms: number) => string }) {
  const found = run
    ? Object.entries(run.results)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${RESULT_TITLES[k] ?? k}: ${formatInteger(n)}`)
    : [];
  return (
    <section class="panel" aria-labelledby="reconcile-title">
      <h2 id="reconcile-title">Последняя сверка с банком</h2>
      {!run ? (
        <p class="muted" id="reconcile">
          Сверка ещё не запускалась.
        </p>
      ) : (
        <div id="reconcile">
          <p>
            {at(run.startedAt)} ({TRIGGER_TITLES[run.trigger]}):{' '}
            {run.error
              ? `завершилась с ошибкой: ${run.error}`
              : `проверено заказов ${formatInteger(run.checked)}`}
            {found.length > 0 ? ` — ${found.join(', ')}` : ''}.
          </p>
          {(run.failedRegistrations > 0 || run.readings > 0) && (
            <p>
              Незавершённых регистраций закрыто: {formatInteger(run.failedRegistrations)}; показаний из
              оплаченных заказов записано: {formatInteger(run.readings)}.
            </p>
          )}
        </div>
      )}
    </section>
  );
}

function UnallocatedPanel(p: PaymentsPageProps) {
  const { rows, total } = p.unallocated;
  return (
    <section class="panel" aria-labelledby="unallocated-title">
      <h2 id="unallocated-title">Неразнесённые платежи из реестров</h2>
      {total === 0 ? (
        <p class="muted">Неразнесённых платежей нет.</p>
      ) : (
        <>
          <p id="unallocated-count">
            Ждут лицевого счёта: {formatInteger(total)}
            {shown(p.unallocatedPager)}. Укажите счёт, на который зачислить платёж, и причину (например,
            письмо плательщика).
          </p>
          <PagerNav
            pager={p.unallocatedPager}
            id="unallocated-pages"
            label="Страницы неразнесённых платежей"
          />
          {rows.map((r) => (
            <AllocateForm
              row={r}
              csrfToken={p.csrfToken}
              registryAt={p.registryAt}
              refused={p.refused?.id === r.id ? p.refused : undefined}
            />
          ))}
          <PagerNav
            pager={p.unallocatedPager}
            id="unallocated-pages-end"
            label="Страницы неразнесённых платежей, внизу"
          />
        </>
      )}
    </section>
  );
}

function AllocateForm(p: {
  row: ListedUnallocated;
  csrfToken: string;
  registryAt: string | undefined;
  refused: RefusedAllocation | undefined;
}) {
  const r = p.row;
  const id = `allocate-${r.id}`;
  const errors = p.refused?.errors ?? {};
  return (
    <form
      method="post"
      action={`/office/payments/unallocated/${r.id}`}
      class="panel"
      aria-labelledby={`${id}-title`}
    >
      <h3 id={`${id}-title`}>
        {formatRublesRu(r.amountKop)} от {formatDateRu(r.paidOn)}, {r.payerName || 'плательщик не указан'}
      </h3>
      <dl class="facts" id={`${id}-facts`}>
        <dt>Файл, строка</dt>
        <dd>
          {r.fileName}, строка {formatInteger(r.lineNo)}
        </dd>
        <dt>Источник, операция</dt>
        <dd>
          {r.source}, {r.operationId}
        </dd>
        <dt>Счёт в реестре</dt>
        <dd>{r.accountNumber}</dd>
        <dt>Адрес плательщика</dt>
        <dd>{r.payerAddress}</dd>
        {r.reason && (
          <>
            <dt>Почему не разнесён</dt>
            <dd>{r.reason}</dd>
          </>
        )}
      </dl>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      {p.registryAt && <input type="hidden" name="registry" value={p.registryAt} />}
      <Field
        id={`${id}-account`}
        name="account"
        label="Лицевой счёт для зачисления"
        value={p.refused?.account ?? ''}
        error={errors.account}
        maxLength={40}
        inputMode="numeric"
      />
      <Field
        id={`${id}-reason`}
        name="reason"
        label="Причина"
        value={p.refused?.reason ?? ''}
        error={errors.reason}
        maxLength={500}
      />
      <button type="submit" class="button">
        Зачислить
      </button>
    </form>
  );
}
