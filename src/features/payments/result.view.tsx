import { formatDateRu } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/format.ts';
import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { checkLines, CHECK_HEIGHT, CHECK_WIDTH, type CheckData } from './check-image.ts';
import type { PaymentResult } from './payments.result.ts';
import { PAYMENTS_CSS } from './payments.view.tsx';

// The result page ("Результаты платежа") of a card or СБП order, with the electronic check once paid.

const CRUMBS = [...CABINET_CRUMBS, { title: 'Оплата банковской картой' }];
const SBP_CRUMBS = [...CABINET_CRUMBS, { title: 'Оплата через СБП' }];

/** Longest time between the bank's confirmation and the credit that still counts as "at once". */
const AT_ONCE_MS = 5 * 60_000;

/** What happened, in one sentence or two: the truth of the order's status. */
export function outcomeText(r: PaymentResult): string {
  const sbp = r.method === 'sbp';
  const notTaken = sbp ? 'Деньги не списаны' : 'Деньги с карты не списаны';
  switch (r.status) {
    case 'paid':
      return r.creditedAt !== null && r.paidAt !== null && r.creditedAt - r.paidAt > AT_ONCE_MS
        ? `Оплата прошла. Платёж зачислен на Ваш лицевой счёт ${formatDateRu(r.creditedOn ?? r.date)} и есть в истории платежей.`
        : 'Оплата прошла. Платёж сразу зачислен на Ваш лицевой счёт: он уже есть в истории платежей и учтён в сумме к оплате.';
    case 'registered':
    case 'new':
      return 'Банк ещё не подтвердил платёж, и на лицевой счёт он пока не зачислен. Если деньги списаны, платёж будет зачислен, как только банк его подтвердит. Обновите страницу через минуту: результат появится здесь и в истории платежей.';
    case 'declined':
      return sbp
        ? `Платёж не выполнен: оплата по QR-коду отклонена. ${notTaken}, на лицевой счёт ничего не зачислено.`
        : `Платёж не выполнен: банк отклонил операцию. ${notTaken}, на лицевой счёт ничего не зачислено.`;
    case 'expired':
      return sbp
        ? `Платёж не выполнен: QR-код больше не действует, время на оплату истекло. ${notTaken}, на лицевой счёт ничего не зачислено.`
        : `Платёж не выполнен: время на оплату истекло. ${notTaken}, на лицевой счёт ничего не зачислено.`;
    case 'failed':
      return `Платёж не выполнен: банк не принял заказ. ${notTaken}, на лицевой счёт ничего не зачислено.`;
    case 'mismatch':
      return 'Данные банка о платеже не совпали с заказом. Платёж передан специалистам на проверку; если деньги списаны, они будут зачислены или возвращены.';
    case 'reversed':
      return sbp
        ? 'Платёж отменён банком, деньги возвращены; на лицевой счёт он не зачислен.'
        : 'Платёж отменён банком, деньги возвращены на карту; на лицевой счёт он не зачислен.';
  }
}

export interface ResultPageProps {
  supplierName: string;
  csrfToken: string;
  result: PaymentResult;
  check: CheckData | null;
  checkUrl: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
}

/** The seed's "Результаты платежа" with the electronic check. */
export function ResultPage({
  supplierName,
  csrfToken,
  result: r,
  check,
  checkUrl,
  switcher,
}: ResultPageProps) {
  const paid = r.status === 'paid';
  return (
    <Layout
      title="Результаты платежа"
      supplierName={supplierName}
      crumbs={r.method === 'sbp' ? SBP_CRUMBS : CRUMBS}
      logout={{ csrfToken }}
      switcher={switcher}
      styles={[PAYMENTS_CSS]}
    >
      <h1>{r.method === 'sbp' ? 'Оплата через СБП' : 'Оплата банковской картой'}</h1>
      <ResultSummary result={r} />
      {paid && check && (
        <CheckSection
          supplierName={supplierName}
          check={check}
          checkUrl={checkUrl}
          orderNumber={r.orderNumber}
        />
      )}
      <p>
        <a href="/cabinet">Вернуться на главную страницу Личного кабинета</a>
        {!paid && (
          <>
            {' · '}
            <a href="/cabinet/payment">Оплатить ещё раз</a>
          </>
        )}
      </p>
    </Layout>
  );
}

/** The payment's sum, outcome, date, order number, account and reading. */
function ResultSummary({ result: r }: { result: PaymentResult }) {
  const paid = r.status === 'paid';
  return (
    <section class="panel" aria-labelledby="result-title">
      <h2>Оплата электроэнергии {r.method === 'sbp' ? 'через СБП' : 'банковской картой'}</h2>
      <h3 id="result-title">Результаты платежа</h3>
      <p>
        Сумма платежа(руб): <strong id="payment-amount">{formatRubles(r.amountKop)}</strong>
      </p>
      <p class={`payment-outcome status-${r.status}`} id="payment-outcome" role="status">
        {outcomeText(r)}
      </p>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">{paid ? 'Дата платежа' : 'Дата заказа'}</th>
            <td>{formatDateRu(r.date)}</td>
          </tr>
          <tr>
            <th scope="row">Номер транзакции</th>
            <td id="payment-order">{r.orderNumber}</td>
          </tr>
          <tr>
            <th scope="row">Лицевой счет, показание</th>
            <td>
              {r.accountNumber}
              {r.reading ? ` ${r.reading}` : ''}
            </td>
          </tr>
        </tbody>
      </table>
      {r.reading && paid && r.readingStatus === 'stored' && (
        <p class="hint">Показание передано вместе с платежом.</p>
      )}
      {r.reading && paid && r.readingStatus === 'refused' && (
        <p class="form-error">Показание не принято: передайте его на главной странице Личного кабинета.</p>
      )}
    </section>
  );
}

/** The electronic check of a paid order: its image, described in its alt text, and its download. */
function CheckSection({
  supplierName,
  check,
  checkUrl,
  orderNumber,
}: {
  supplierName: string;
  check: CheckData;
  checkUrl: string;
  orderNumber: string;
}) {
  return (
    <section class="panel" aria-labelledby="check-title">
      <h2 id="check-title">Электронный чек</h2>
      <p>
        <img
          class="check-image"
          src={checkUrl}
          width={CHECK_WIDTH}
          height={CHECK_HEIGHT}
          alt={`Электронный чек. ${supplierName}. ${checkLines(check)
            .map(([k, v]) => `${k} ${v}`)
            .join('. ')}. Запрос успешно обработан.`}
        />
      </p>
      <p>
        <a class="button" href={`${checkUrl}?download=1`} download={`check-${orderNumber}.png`}>
          Сохранить изображение на локальный компьютер
        </a>
      </p>
      <p class="hint">
        Для сохранения электронного чека нажмите правой кнопкой мышки на изображении и выберите «Сохранить
        картинку как…».
      </p>
      <p class="hint">
        На этой странице Вы видите «электронный чек» — изображение, на котором зафиксирована дата платежа,
        номер лицевого счета, показание, сумма платежа, прочая техническая информация. «Электронный чек»
        отображается только после проведения успешного платежа.
      </p>
    </section>
  );
}
