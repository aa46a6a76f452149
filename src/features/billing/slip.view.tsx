import type { SlipDocument } from './pdf/bill.model.ts';
import type { QrMatrix } from './pdf/bill-qr.ts';
import { formatDateRu } from '../../domain/dates.ts';
import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import { QrSvg } from './qr-svg.tsx';
import { formatReadingValues } from './pdf/bill-text.ts';

export const SLIP_NOTICE =
  'ОПЛАТУ ЗА ПОТРЕБЛЕННУЮ ЭЛЕКТРОЭНЕРГИЮ, СОГЛАСНО ЖК РФ, НЕОБХОДИМО ПРОИЗВОДИТЬ ЕЖЕМЕСЯЧНО НЕ ПОЗДНЕЕ 10-ГО ЧИСЛА МЕСЯЦА, СЛЕДУЮЩЕГО ЗА РАСЧЕТНЫМ';

/** The printable payment slip ("Распечатать квитанцию"): two parts, the sum left blank. */
export function SlipPage({
  slip,
  qr,
  supplierName,
  csrfToken,
  switcher,
}: {
  slip: SlipDocument;
  qr: QrMatrix;
  supplierName: string;
  /** The header's logout form (and switcher), as on every cabinet page; not printed. */
  csrfToken: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
}) {
  return (
    <Layout
      title="Квитанция для оплаты"
      supplierName={supplierName}
      crumbs={CABINET_CRUMBS}
      scripts={['js/print.js']}
      logout={{ csrfToken }}
      switcher={switcher}
    >
      <SlipActions />
      {(['Извещение', 'Квитанция'] as const).map((part) => (
        <SlipPart part={part} slip={slip} qr={qr} />
      ))}
    </Layout>
  );
}

/** What the page says and offers above the slip; not printed. */
function SlipActions() {
  return (
    <div class="slip-actions no-print">
      <h1>Квитанция для оплаты</h1>
      <p>
        Впишите сумму к оплате, поставьте подпись и оплатите квитанцию в банке или на почте. Банковское
        приложение заполнит реквизиты по QR-коду.
      </p>
      <p>
        <button type="button" class="button primary js-print" hidden>
          Печать
        </button>{' '}
        <a class="button" href="/cabinet/slip.pdf">
          Скачать PDF
        </a>{' '}
        <a href="/cabinet">На главную страницу Личного кабинета</a>
      </p>
      <noscript>
        <p class="hint">
          Чтобы распечатать квитанцию, выберите «Печать» в меню браузера (Ctrl+P): на бумагу попадёт только
          квитанция. Или скачайте её в PDF.
        </p>
      </noscript>
    </div>
  );
}

/** One part of the slip: the notice the bank keeps or the receipt the customer keeps (with the QR code). */
function SlipPart({ part, slip, qr }: { part: 'Извещение' | 'Квитанция'; slip: SlipDocument; qr: QrMatrix }) {
  return (
    <section class="slip" aria-label={part}>
      <div class="slip-side">
        <strong>{part}</strong>
        <span class="slip-cashier">Кассир</span>
        {part === 'Квитанция' && (
          <QrSvg matrix={qr} label="QR-код для оплаты (ГОСТ Р 56042-2014)" class="qr slip-qr" />
        )}
      </div>
      <div class="slip-body">
        <p class="slip-title">КВИТАНЦИЯ</p>
        <p class="slip-notice">{SLIP_NOTICE}</p>
        <p>
          {slip.supplier.payeeName} · р/сч {slip.supplier.settlementAccount} · {slip.supplier.bankName} · БИК{' '}
          {slip.supplier.bic} · к/сч {slip.supplier.corrAccount} · ИНН {slip.supplier.inn} · КПП{' '}
          {slip.supplier.kpp}
        </p>
        <dl class="slip-who">
          <dt>Абонент №:</dt>
          <dd>{slip.customer.account}</dd>
          <dt>Ф.И.О.:</dt>
          <dd>{[slip.customer.surname, slip.customer.firstName, slip.customer.patronymic].join(' ')}</dd>
          <dt>Адрес:</dt>
          <dd>{slip.customer.objectAddress}</dd>
        </dl>
        <SlipTable slip={slip} />
        <p class="slip-sign">
          <span>Кассир ____________</span> <span>Абонент ____________</span>
        </p>
      </div>
    </section>
  );
}

/** The date, the last reading and the sum, which the customer writes in. */
function SlipTable({ slip }: { slip: SlipDocument }) {
  return (
    <table class="slip-table">
      <thead>
        <tr>
          <th scope="col">Дата</th>
          <th scope="col">Показания счетчика{slip.meterSerial ? ` № ${slip.meterSerial}` : ''}</th>
          <th scope="col">Сумма, руб.</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>{formatDateRu(slip.date)}</td>
          <td class="slip-reading">{slip.lastReading ? formatReadingValues(slip.lastReading.values) : ''}</td>
          <td class="slip-sum"></td>
        </tr>
      </tbody>
    </table>
  );
}
