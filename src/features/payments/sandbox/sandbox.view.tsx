import type { ComponentChildren } from 'preact';
import { formatRublesRu } from '../../../domain/format.ts';
import { FieldError } from '../../../platform/views/layout.tsx';
import {
  SANDBOX_CARDS,
  SANDBOX_CVC,
  SANDBOX_PREFIX,
  type CardFieldErrors,
  type PageView,
} from './sandbox-bank.ts';

/**
 * The sandbox bank's pages: a layout, a stylesheet and a CSP of their own, so that nothing of the
 * portal's pages (its scripts, styles or session) is part of the page where a card is entered.
 */
export const BANK_CSS_PATH = `${SANDBOX_PREFIX}/bank.css`;
export const BANK_ICON_PATH = `${SANDBOX_PREFIX}/bank.svg`;
export const BANK_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2b36"/><rect x="5" y="10" width="22" height="13" rx="2" fill="#f5b400"/><rect x="5" y="13" width="22" height="3" fill="#1d2b36"/></svg>';

export const BANK_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef1f4;color:#1d2329}
.bank-header{background:#1d2b36;color:#fff;padding:.8rem 1.2rem;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
.bank-header strong{font-size:1.15rem}
.bank-badge{background:#f5b400;color:#1d2329;border-radius:4px;padding:.05rem .45rem;font-size:.85rem;font-weight:700}
main{max-width:36rem;margin:1.2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #cfd6dd;border-radius:8px;padding:1rem 1.2rem;margin-bottom:1rem}
h1{font-size:1.3rem;margin:.2rem 0 .8rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;margin:0}
dt{color:#5b6670}dd{margin:0;font-weight:600}
label{display:block;font-weight:600;margin:.7rem 0 .2rem}
input[type=text],input[type=password]{width:100%;min-height:44px;padding:.55rem .6rem;font-size:1.05rem;border:1px solid #9aa6b1;border-radius:6px}
.row{display:flex;gap:1rem}.row>div{flex:1}
.field-error,.form-error{color:#b3261e;margin:.25rem 0 0}
.form-error{font-weight:600;margin-bottom:.6rem}
button.secondary{background:#5b6670}
button{margin-top:1rem;min-height:44px;padding:.65rem 1.6rem;font-size:1.05rem;border:0;border-radius:6px;background:#1f7a3a;color:#fff;cursor:pointer}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #f5b400;outline-offset:2px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e2e7ec;vertical-align:top}
.pan{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}
.muted{color:#5b6670;font-size:.92rem}
`;

export function BankLayout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} — Песочница банка`}</title>
        <link rel="icon" href={BANK_ICON_PATH} type="image/svg+xml" />
        <link rel="stylesheet" href={BANK_CSS_PATH} />
      </head>
      <body>
        <header class="bank-header">
          <strong>Песочница банка</strong>
          <span class="bank-badge">тестовый режим: настоящие карты не принимаются</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

function OrderSummary({ view, now }: { view: PageView; now: number }) {
  const minutes = Math.max(0, Math.ceil((view.expiresAt - now) / 60_000));
  return (
    <section class="card" aria-labelledby="order-title">
      <h1 id="order-title">Оплата заказа</h1>
      <dl>
        <dt>Получатель</dt>
        <dd>{view.merchant}</dd>
        <dt>Назначение</dt>
        <dd>{view.description}</dd>
        <dt>Номер заказа</dt>
        <dd>{view.orderNumber}</dd>
        <dt>Сумма</dt>
        <dd id="bank-amount">{formatRublesRu(view.amountKop)}</dd>
        <dt>Осталось времени</dt>
        <dd id="bank-minutes">{minutes} мин.</dd>
        <dt>Осталось попыток</dt>
        <dd id="bank-attempts">{view.attemptsLeft}</dd>
      </dl>
    </section>
  );
}

export function CardPage(p: {
  view: PageView;
  now: number;
  csrfToken: string;
  message?: string;
  fieldErrors?: CardFieldErrors;
  expiry?: string;
}) {
  const e = p.fieldErrors ?? {};
  return (
    <BankLayout title="Оплата картой">
      <OrderSummary view={p.view} now={p.now} />
      <section class="card" aria-labelledby="card-title">
        <h2 id="card-title">Данные карты</h2>
        {p.message && (
          <p class="form-error" role="alert" id="bank-message">
            {p.message}
          </p>
        )}
        <form method="post" action={`${SANDBOX_PREFIX}/pay`} autoComplete="off">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="mdOrder" value={p.view.orderId} />
          <label for="bank-pan">Номер карты</label>
          <input
            id="bank-pan"
            name="pan"
            type="text"
            inputMode="numeric"
            autoComplete="cc-number"
            maxLength={23}
            aria-invalid={e.pan ? 'true' : undefined}
            aria-describedby={e.pan ? 'bank-pan-error' : undefined}
          />
          <FieldError id="bank-pan-error" message={e.pan} />
          <div class="row">
            <div>
              <label for="bank-expiry">Срок действия (ММ/ГГ)</label>
              <input
                id="bank-expiry"
                name="expiry"
                type="text"
                inputMode="numeric"
                autoComplete="cc-exp"
                maxLength={7}
                value={p.expiry ?? ''}
                aria-invalid={e.expiry ? 'true' : undefined}
                aria-describedby={e.expiry ? 'bank-expiry-error' : undefined}
              />
              <FieldError id="bank-expiry-error" message={e.expiry} />
            </div>
            <div>
              <label for="bank-cvc">CVC</label>
              <input
                id="bank-cvc"
                name="cvc"
                type="password"
                inputMode="numeric"
                autoComplete="cc-csc"
                maxLength={4}
                aria-invalid={e.cvc ? 'true' : undefined}
                aria-describedby={e.cvc ? 'bank-cvc-error' : undefined}
              />
              <FieldError id="bank-cvc-error" message={e.cvc} />
            </div>
          </div>
          <button type="submit">Оплатить</button>
        </form>
        <p class="muted">
          На оплату даётся 20 минут и 3 попытки. После оплаты Вы вернётесь на сайт получателя.
        </p>
      </section>
      <TestCards />
    </BankLayout>
  );
}

export function TestCards() {
  return (
    <section class="card" aria-labelledby="cards-title">
      <h2 id="cards-title">Тестовые карты</h2>
      <table id="test-cards">
        <thead>
          <tr>
            <th scope="col">Номер карты</th>
            <th scope="col">Что произойдёт</th>
          </tr>
        </thead>
        <tbody>
          {SANDBOX_CARDS.map((c) => (
            <tr>
              <td class="pan">{c.display}</td>
              <td>{c.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        Срок действия — любой в будущем (например, 12/30), CVC {SANDBOX_CVC}. Другие номера песочница
        отклоняет.
      </p>
    </section>
  );
}

export function SecureCodePage(p: { view: PageView; now: number; csrfToken: string; message?: string }) {
  return (
    <BankLayout title="Подтверждение 3-D Secure">
      <OrderSummary view={p.view} now={p.now} />
      <section class="card" aria-labelledby="acs-title">
        <h2 id="acs-title">Подтверждение платежа (3-D Secure)</h2>
        <p>
          Банк, выпустивший карту {p.view.maskedPan ?? ''}, просит подтвердить платёж одноразовым кодом. В
          песочнице код — <strong>12345678</strong>.
        </p>
        {p.message && (
          <p class="form-error" role="alert" id="bank-message">
            {p.message}
          </p>
        )}
        <form method="post" action={`${SANDBOX_PREFIX}/3ds`} autoComplete="off">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="mdOrder" value={p.view.orderId} />
          <label for="bank-code">Код подтверждения</label>
          <input
            id="bank-code"
            name="code"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={12}
          />
          <button type="submit">Подтвердить</button>
        </form>
      </section>
    </BankLayout>
  );
}

export function UnknownOrderPage() {
  return (
    <BankLayout title="Заказ не найден">
      <section class="card">
        <h1>Заказ не найден</h1>
        <p>
          Такого заказа в банке нет или срок его хранения истёк. Вернитесь на сайт получателя и начните оплату
          заново.
        </p>
      </section>
    </BankLayout>
  );
}
