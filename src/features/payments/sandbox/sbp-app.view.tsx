import { formatRublesRu } from '../../../domain/format.ts';
import { SANDBOX_PREFIX } from './sandbox-bank.ts';
import type { SandboxQr } from './sandbox-sbp.repository.ts';
import { BankLayout } from './sandbox.view.tsx';

/**
 * The sandbox's "bank app": what a payer's bank app shows after the QR is scanned (or the link
 * tapped on a phone). A real app is the payer's bank's; this page stands in for all of them.
 */
export function SbpAppPage(p: {
  qr: SandboxQr;
  merchant: string;
  now: number;
  csrfToken: string;
  message?: string;
}) {
  const { qr } = p;
  const minutes = Math.max(0, Math.ceil((qr.expiresAt - p.now) / 60_000));
  return (
    <BankLayout title="Оплата по QR-коду СБП">
      <section class="card" aria-labelledby="sbp-app-title">
        <h1 id="sbp-app-title">Приложение банка: оплата по QR-коду СБП</h1>
        {p.message && (
          <p class="form-error" role="alert">
            {p.message}
          </p>
        )}
        <dl>
          <dt>Получатель</dt>
          <dd>{p.merchant}</dd>
          <dt>Номер заказа</dt>
          <dd>{qr.orderNumber}</dd>
          <dt>Сумма</dt>
          <dd id="bank-amount">{formatRublesRu(qr.amountKop)}</dd>
          <dt>Состояние</dt>
          <dd id="sbp-app-status">{STATUS_TEXT[qr.status]}</dd>
          {qr.status === 'STARTED' && (
            <>
              <dt>QR-код действует ещё</dt>
              <dd>{minutes} мин.</dd>
            </>
          )}
        </dl>
        {qr.status === 'STARTED' && (
          <div class="row">
            <form method="post" action={`${SANDBOX_PREFIX}/sbp/${qr.qrId}/pay`}>
              <input type="hidden" name="_csrf" value={p.csrfToken} />
              <button type="submit">Оплатить</button>
            </form>
            <form method="post" action={`${SANDBOX_PREFIX}/sbp/${qr.qrId}/decline`}>
              <input type="hidden" name="_csrf" value={p.csrfToken} />
              <button type="submit" class="secondary">
                Отклонить
              </button>
            </form>
          </div>
        )}
        {qr.status === 'CONFIRMED' && (
          <p>
            <a href={`${qr.returnUrl}${qr.returnUrl.includes('?') ? '&' : '?'}orderId=${qr.mdOrder}&lang=ru`}>
              Вернуться в Личный кабинет
            </a>
          </p>
        )}
      </section>
      <p class="muted">
        Песочница: деньги не списываются. «Оплатить» — банк подтверждает платёж и уведомляет Личный кабинет;
        «Отклонить» — плательщик отказался от оплаты.
      </p>
    </BankLayout>
  );
}

const STATUS_TEXT: Record<SandboxQr['status'], string> = {
  STARTED: 'ожидает оплаты',
  CONFIRMED: 'оплачено',
  REJECTED: 'QR-код больше не действует',
  REJECTED_BY_USER: 'оплата отклонена',
};
