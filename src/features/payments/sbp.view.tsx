import { formatRublesRu } from '../../domain/format.ts';
import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import type { SbpQrStatus } from './gateway.ts';
import { PAYMENTS_CSS } from './payments.view.tsx';

/** The QR code's side in pixels: large enough for a phone's camera at arm's length. */
export const QR_SIZE = 264;

export interface SbpQrPageProps {
  supplierName: string;
  csrfToken: string;
  /** The header's account switcher of a profile's session (`switcherFor`); none for the manual's login. */
  switcher?: SwitcherProps | undefined;
  orderNumber: string;
  amountKop: number;
  /** What the QR encodes: the https://qr.nspk.ru/… address, which a phone opens in a bank app. */
  payload: string;
  qrUrl: string;
  checkUrl: string;
  /** "14:35", the supplier's time, and the minutes left. */
  expiresAt: string;
  minutesLeft: number;
  noCommission: boolean;
  /** The QR's own status (sbp/c2b/qr/status.do), when the bank answered. */
  qrStatus: SbpQrStatus | null;
}

/** What the QR's status tells the customer while the order waits. */
const QR_STATUS_TEXT: Record<SbpQrStatus, string> = {
  STARTED: 'Ожидаем оплату.',
  CONFIRMED: 'Банк подтвердил оплату и зачисляет платёж — обновите страницу через несколько секунд.',
  REJECTED: 'QR-код больше не действует.',
  REJECTED_BY_USER: 'Оплата отклонена в приложении банка.',
  OTHER: 'Банк обрабатывает платёж.',
};

/**
 * The СБП QR page: the QR to scan with a bank app, and (on a phone, where scanning one's own
 * screen is impossible) a link to the same address, which opens the chooser of bank apps. It needs
 * no script: «Проверить оплату» asks the bank again, as the bank's notification does on its own.
 */
export function SbpQrPage(p: SbpQrPageProps) {
  return (
    <Layout
      title="Оплата через СБП"
      supplierName={p.supplierName}
      crumbs={[...CABINET_CRUMBS, { title: 'Оплата через СБП' }]}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
      styles={[PAYMENTS_CSS]}
    >
      <h1>Оплата через СБП</h1>
      <section class="panel sbp-qr" aria-labelledby="sbp-title">
        <h2 id="sbp-title">
          К оплате <strong id="sbp-amount">{formatRublesRu(p.amountKop)}</strong>
          {p.noCommission ? ', без комиссии' : ''}
        </h2>
        <p>
          <img
            class="sbp-qr-image"
            src={p.qrUrl}
            width={QR_SIZE}
            height={QR_SIZE}
            alt={`QR-код для оплаты ${formatRublesRu(p.amountKop)} через Систему быстрых платежей`}
          />
        </p>
        <p>
          Отсканируйте QR-код камерой телефона или в приложении своего банка и подтвердите платёж в
          приложении.
        </p>
        <p>
          <a class="button primary" id="sbp-link" href={p.payload}>
            Оплатить в приложении банка
          </a>
        </p>
        <p class="hint">На телефоне эта кнопка откроет выбор банка: выберите свой и подтвердите платёж.</p>
        {p.qrStatus && (
          <p id="sbp-status" role="status">
            {QR_STATUS_TEXT[p.qrStatus]}
          </p>
        )}
        <p id="sbp-expires">
          QR-код действует до {p.expiresAt} (осталось {p.minutesLeft} мин.). После этого оплатить по нему
          нельзя, и деньги не будут списаны.
        </p>
        <p>
          <a class="button" href={p.checkUrl}>
            Я оплатил — проверить оплату
          </a>
        </p>
        <p class="hint">
          Номер заказа {p.orderNumber}. Платёж зачисляется на лицевой счёт сразу, как только банк его
          подтвердит.
        </p>
      </section>
      <p>
        <a href="/cabinet/payment">Выбрать другой способ оплаты</a>
        {' · '}
        <a href="/cabinet">Вернуться на главную страницу Личного кабинета</a>
      </p>
    </Layout>
  );
}
