import { formatInteger, formatRubles, formatTariff } from '../../domain/format.ts';
import type { VerificationStatus } from '../../domain/verification.ts';
import { CABINET_CRUMBS, Layout, LogoutForm, type SwitcherProps } from '../../platform/views/layout.tsx';
import type { MainPageModel } from './main.service.ts';
import { ConsumptionChart } from './consumption-chart.tsx';
import { TaskSummarySection } from './summary.view.tsx';
import { ChargesHistory, PaymentsHistory, ReadingsHistory } from './histories.view.tsx';
import { formWithKey, type SubmittedNotice } from '../../features/readings/readings.service.ts';
import {
  READING_FORM_SCRIPT,
  ReadingFormSection,
  SubmittedMessage,
  type ReadingFormState,
} from '../../features/readings/readings.view.tsx';
import { MailSection, type MailSectionModel } from '../../features/mail/mail.view.tsx';

export interface MainPageProps {
  model: MainPageModel;
  supplierName: string;
  csrfToken: string;
  /** The reading form's key: a refused form keeps its own, so that resending it is one submission. */
  formKey?: string | undefined;
  /** The reading form as posted, with its messages, when it was refused. */
  readingState?: ReadingFormState | undefined;
  /** The reading just submitted. */
  submitted?: SubmittedNotice | undefined;
  /** The e-mail section (bills by e-mail), after the reading form. */
  mail?: MailSectionModel | undefined;
  /** Whether the supplier takes payments through СБП (the payment button says so). */
  sbp?: boolean | undefined;
  /** A profile's session: the header's account switcher. */
  switcher?: SwitcherProps | undefined;
}

/** The customer's main page. */
export function MainPage(props: MainPageProps) {
  const { model: m, supplierName, csrfToken, readingState } = props;
  const form = m.readingForm && formWithKey(m.readingForm, props.formKey);
  // The seed's warning, when the verification has ended or ends soon.
  const warning = m.summary.verification?.state === 'valid' ? null : m.summary.verification;
  return (
    <Layout
      title="Личный кабинет"
      supplierName={supplierName}
      crumbs={CABINET_CRUMBS}
      logout={{ csrfToken }}
      switcher={props.switcher}
      scripts={form ? [READING_FORM_SCRIPT] : []}
    >
      <h1>Личный кабинет для физических лиц</h1>
      {props.submitted && <SubmittedMessage notice={props.submitted} />}
      <TaskSummarySection summary={m.summary} />
      <ReferenceInfo model={m} supplierName={supplierName} />
      {warning && <VerificationWarning status={warning} supplierName={supplierName} />}
      <PaymentsHistory payments={m.payments} more={m.more.payments} />
      <ReadingsHistory readings={m.readings} zones={m.meter?.zones} more={m.more.readings} />
      <ChargesHistory charges={m.charges} more={m.more.charges} />
      {m.consumption.some((c) => c.kwh !== null) && <ConsumptionChart months={m.consumption} />}
      {form ? (
        <ReadingFormSection form={form} csrfToken={csrfToken} state={readingState} />
      ) : (
        readingState?.formError && (
          <section class="panel" id="reading-form">
            <p class="form-error" role="alert">
              {readingState.formError}
            </p>
          </section>
        )
      )}
      {props.mail && <MailSection model={props.mail} csrfToken={csrfToken} />}
      <p class="no-print">
        <a class="button" href="/cabinet/slip">
          Распечатать квитанцию
        </a>{' '}
        <a class="button" href="/cabinet/payment">
          {props.sbp ? 'Оплатить картой или через СБП' : 'Оплатить картой'}
        </a>
      </p>
      <p class="no-print">
        <a href="/cabinet/access">Кто видит этот счёт</a>
      </p>
      <div class="bottom-logout no-print">
        <LogoutForm csrfToken={csrfToken} />
      </div>
    </Layout>
  );
}

function ReferenceInfo({ model: m, supplierName }: { model: MainPageModel; supplierName: string }) {
  const { balanceKop } = m.summary;
  const balanceClass = balanceKop > 0 ? 'debt' : balanceKop < 0 ? 'overpaid' : 'settled';
  return (
    <section class="panel" aria-labelledby="ref-title">
      <h2 id="ref-title">Справочная информация о потребителе</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th scope="row">Лицевой счет</th>
            <td>{m.account.number}</td>
          </tr>
          <tr>
            <th scope="row">Ф.И.О.</th>
            <td>{m.account.fullName}</td>
          </tr>
          <tr>
            <th scope="row">Адрес</th>
            <td>{m.account.objectAddress}</td>
          </tr>
          <tr>
            <th scope="row">Номер счетчика</th>
            <td>{m.meter?.serial ?? 'прибор учёта не установлен'}</td>
          </tr>
          {m.meter && (
            <tr>
              <th scope="row">Значность счетчика</th>
              <td>{formatInteger(m.meter.digits)}</td>
            </tr>
          )}
          {m.meter && m.meter.ratio !== 1 && (
            <tr>
              <th scope="row">Коэффициент трансформации</th>
              <td>{formatInteger(m.meter.ratio)}</td>
            </tr>
          )}
          <tr>
            <th scope="row">Количество прописанных человек</th>
            <td>{formatInteger(m.account.residents)}</td>
          </tr>
          <tr>
            <th scope="row">Тариф, РУБ</th>
            <td>
              {m.tariffs.length === 1
                ? formatPrice(m.tariffs[0]!.priceE5)
                : m.tariffs.map((t) => (
                    <span class="zone-price">
                      {t.title}: {formatPrice(t.priceE5)}
                    </span>
                  ))}
            </td>
          </tr>
          <tr class={`balance ${balanceClass}`}>
            <th scope="row">Сумма к оплате на дату передачи показания*</th>
            <td>
              <span class="amount">{formatRubles(balanceKop)} руб.</span>
              {balanceKop < 0 && <span class="balance-note"> (переплата)</span>}
              {balanceKop > 0 && <span class="balance-note"> (долг)</span>}
            </td>
          </tr>
        </tbody>
      </table>
      <p class="footnote">*Окончательный расчет будет произведен в последний день текущего месяца!</p>
      <p>
        Если не совпадают данные о количестве прописанных человек,{' '}
        <a href="/offices">обратитесь в ближайший офис {supplierName}</a> со справкой о составе семьи, или
        документами, подтверждающими количество прописанных.
      </p>
    </section>
  );
}

function formatPrice(priceE5: number | null): string {
  return priceE5 === null ? '—' : formatTariff(priceE5);
}

function VerificationWarning({
  status: v,
  supplierName,
}: {
  status: VerificationStatus;
  supplierName: string;
}) {
  return (
    <section class="panel warning" aria-labelledby="verification-title">
      <h2 id="verification-title">ВНИМАНИЕ!</h2>
      <p>
        {supplierName} уведомляет Вас, что дата истечения межповерочного интервала Вашего прибора учета
        электрической энергии {v.state === 'expired' ? 'наступила' : 'наступит'} <strong>{v.due}</strong>.
      </p>
      <p>
        В связи с чем Вам необходимо осуществить государственную поверку электросчетчика либо заменить его на
        новый, соответствующий требованиям действующего законодательства.
      </p>
      <p>
        В противном случае в последующие расчетные периоды, вплоть до допуска пригодного к коммерческим
        расчетам прибора учета в эксплуатацию, расчет объема электроэнергии будет производиться в соответствии
        с п.п. 59, 60 Правил предоставления коммунальных услуг собственникам и пользователям помещений в
        многоквартирных домах и жилых домов, утвержденных Постановлением Правительства РФ №354 от 06.05.2011.
      </p>
    </section>
  );
}
