import { formatRubles, formatTariff } from '../../domain/format.ts';
import type { VerificationStatus } from '../../domain/verification.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import { CABINET_CRUMBS, logoutForm, pageDocumentAround } from '../../platform/views/layout.tsx';
import { html, type Html } from '../../platform/views/html.ts';
import type { MainPageModel } from './main.service.ts';
import { consumptionChart } from './consumption-chart.ts';
import {
  formWithKey,
  type ReadingForm,
  type SubmittedNotice,
} from '../../features/readings/readings.service.ts';
import {
  READING_FORM_SCRIPT,
  readingFormSection,
  submittedMessage,
  type ReadingFormState,
} from '../../features/readings/readings.view.tsx';
import { mailSection, type MailSectionModel } from '../../features/mail/mail.view.tsx';

/** What surrounds the account's sections: built for each response. */
export interface MainPageFrameProps {
  /** The reading form; null without a meter in service. */
  readingForm: ReadingForm | null;
  supplierName: string;
  csrfToken: string;
  /** The reading form as posted, with its messages, when it was refused. */
  readingState?: ReadingFormState;
  /** The reading just submitted. */
  submitted?: SubmittedNotice;
  /** The e-mail section (bills by e-mail), after the reading form. */
  mail?: MailSectionModel;
}

export interface MainPageProps extends Omit<MainPageFrameProps, 'readingForm'> {
  model: MainPageModel;
  /** The reading form's key: a refused form keeps its own, so that resending it is one submission. */
  formKey?: string | undefined;
}

export function billHref(period: string): string {
  return `/cabinet/bills/${period}.pdf`;
}

/** The customer's main page, as a whole document. */
export function mainPage(props: MainPageProps): string {
  const form = props.model.readingForm;
  const [before, after] = mainPageAround({ ...props, readingForm: form && formWithKey(form, props.formKey) });
  return before + accountSections(props.model, props.supplierName).value + after;
}

/** The main page's markup before and after the account's sections. */
export function mainPageAround(props: MainPageFrameProps): [string, string] {
  const { readingForm, supplierName, csrfToken, readingState, submitted, mail } = props;
  const form = readingForm
    ? readingFormSection({ form: readingForm, csrfToken, ...(readingState ? { state: readingState } : {}) })
    : readingState?.formError &&
      html`<section class="panel" id="reading-form"><p class="form-error" role="alert">${readingState.formError}</p></section>`;
  return pageDocumentAround(
    {
      title: 'Личный кабинет',
      supplierName,
      crumbs: CABINET_CRUMBS,
      logout: { csrfToken },
      scripts: readingForm ? [READING_FORM_SCRIPT] : [],
    },
    html`<h1>Личный кабинет для физических лиц</h1>${submitted && submittedMessage(submitted)}`,
    html`${form}${mail && mailSection({ model: mail, csrfToken })}<p class="no-print"><a class="button" href="/cabinet/slip">Распечатать квитанцию</a> <a class="button" href="/cabinet/payment">Оплатить картой Visa, MasterCard</a></p><div class="bottom-logout no-print">${logoutForm(
      csrfToken,
    )}</div>`,
  );
}

/** The account's sections: reference information, verification warning, histories, chart. */
export function accountSections(m: MainPageModel, supplierName: string): Html {
  return html`${referenceInfo(m, supplierName)}${m.verification && verificationWarning(m.verification, supplierName)}${payments(
    m,
  )}${readings(m)}${charges(m)}${m.consumption.some((c) => c.kwh !== null) && consumptionChart(m.consumption)}`;
}

function referenceInfo(m: MainPageModel, supplierName: string): Html {
  const balanceClass = m.balanceKop > 0 ? 'debt' : m.balanceKop < 0 ? 'overpaid' : 'settled';
  const tariff =
    m.tariffs.length === 1
      ? formatPrice(m.tariffs[0]!.priceE5)
      : m.tariffs.map((t) => html`<span class="zone-price">${t.title}: ${formatPrice(t.priceE5)}</span>`);
  return html`<section class="panel" aria-labelledby="ref-title"><h2 id="ref-title">Справочная информация о потребителе</h2><table class="kv"><tbody><tr><th scope="row">Лицевой счет</th><td>${m.account.number}</td></tr><tr><th scope="row">Ф.И.О.</th><td>${m.account.fullName}</td></tr><tr><th scope="row">Адрес</th><td>${m.account.objectAddress}</td></tr><tr><th scope="row">Номер счетчика</th><td>${m.meter?.serial ?? 'прибор учёта не установлен'}</td></tr>${
    m.meter && html`<tr><th scope="row">Значность счетчика</th><td>${m.meter.digits}</td></tr>`
  }${
    m.meter &&
    m.meter.ratio !== 1 &&
    html`<tr><th scope="row">Коэффициент трансформации</th><td>${m.meter.ratio}</td></tr>`
  }<tr><th scope="row">Количество прописанных человек</th><td>${m.account.residents}</td></tr><tr><th scope="row">Тариф, РУБ</th><td>${tariff}</td></tr><tr class="balance ${balanceClass}"><th scope="row">Сумма к оплате на дату передачи показания*</th><td><span class="amount">${formatRubles(
    m.balanceKop,
  )} руб.</span>${m.balanceKop < 0 && html`<span class="balance-note"> (переплата)</span>`}${
    m.balanceKop > 0 && html`<span class="balance-note"> (долг)</span>`
  }</td></tr></tbody></table><p class="footnote">*Окончательный расчет будет произведен в последний день текущего месяца!</p><p>Если не совпадают данные о количестве прописанных человек, <a href="/offices">обратитесь в ближайший офис ${supplierName}</a> со справкой о составе семьи, или документами, подтверждающими количество прописанных.</p></section>`;
}

function formatPrice(priceE5: number | null): string {
  return priceE5 === null ? '—' : formatTariff(priceE5);
}

function verificationWarning(v: VerificationStatus, supplierName: string): Html {
  return html`<section class="panel warning" aria-labelledby="verification-title"><h2 id="verification-title">ВНИМАНИЕ!</h2><p>${supplierName} уведомляет Вас, что дата истечения межповерочного интервала Вашего прибора учета электрической энергии ${
    v.state === 'expired' ? 'наступила' : 'наступит'
  } <strong>${v.due}</strong>.</p><p>В связи с чем Вам необходимо осуществить государственную поверку электросчетчика либо заменить его на новый, соответствующий требованиям действующего законодательства.</p><p>В противном случае в последующие расчетные периоды, вплоть до допуска пригодного к коммерческим расчетам прибора учета в эксплуатацию, расчет объема электроэнергии будет производиться в соответствии с п.п. 59, 60 Правил предоставления коммунальных услуг собственникам и пользователям помещений в многоквартирных домах и жилых домов, утвержденных Постановлением Правительства РФ №354 от 06.05.2011.</p></section>`;
}

/** A history panel: its title, the table when there are rows, else the note. */
function historyPanel(id: string, title: string, empty: string, table: Html | false): Html {
  return html`<section class="panel" aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>${
    table
      ? html`<div class="table-scroll" role="region" aria-labelledby="${id}-title" tabindex="0"><table class="history" id="${id}">${table}</table></div>`
      : html`<p class="muted">${empty}</p>`
  }</section>`;
}

function payments(m: MainPageModel): Html {
  return historyPanel(
    'payments',
    'История платежей',
    'Платежей за текущий и предыдущий год нет.',
    m.payments.length > 0 &&
      html`<thead><tr><th scope="col">Дата</th><th scope="col" class="num">Сумма руб.</th></tr></thead><tbody>${m.payments.map(
        (p) => html`<tr><td>${p.paidOn}</td><td class="num">${formatRubles(p.amountKop)}</td></tr>`,
      )}</tbody>`,
  );
}

function readings(m: MainPageModel): Html {
  const zones = m.meter?.zones ?? ['single'];
  const multi = zones.length > 1;
  return historyPanel(
    'readings',
    'История переданных показаний',
    'Показаний за текущий и предыдущий год нет.',
    m.readings.length > 0 &&
      html`<thead><tr><th scope="col">Дата</th><th scope="col" class="num">Показание счетчика</th><th scope="col">Способ передачи показания</th><th scope="col">Статус</th></tr></thead><tbody>${m.readings.map(
        (r) =>
          html`<tr class="status-${r.statusCode}"><td>${r.date}</td><td class="num">${
            multi
              ? r.values.map(
                  (v, i) => html`<span class="zone-value">${ZONE_TITLES[zones[i] ?? 'single']}: ${v}</span>`,
                )
              : r.values[0]
          }</td><td>${r.channel}</td><td>${r.status}</td></tr>`,
      )}</tbody>`,
  );
}

const METHOD_TITLES: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему',
  norm: 'по нормативу',
};

function charges(m: MainPageModel): Html {
  return historyPanel(
    'charges',
    'История начислений',
    'Начислений за предыдущий и текущий год нет.',
    m.charges.length > 0 &&
      html`<thead><tr><th scope="col">Дата выставления счета</th><th scope="col" class="num">Показание прибора учета</th><th scope="col" class="num">Начислено ОДН, руб.</th><th scope="col" class="num">Долг в рублях</th><th scope="col">Квитанция с начислениями за период в формате PDF</th><th scope="col" class="explain">Как рассчитано</th></tr></thead><tbody>${m.charges.map(
        (c) =>
          html`<tr><td>${c.billedOn}</td><td class="num">${
            c.readingValue ??
            html`<span title="${METHOD_TITLES[c.method]}">${METHOD_TITLES[c.method] ?? '—'}</span>`
          }</td><td class="num">${formatRubles(c.odnKop)}</td><td class="num ${
            c.debtKop > 0 ? 'debt' : c.debtKop < 0 ? 'overpaid' : ''
          }">${formatRubles(c.debtKop)}</td><td><a href="${billHref(c.period)}">${c.title}</a></td><td class="explain"><details><summary>Как рассчитано</summary>${c.explanation.map(
            (line) => html`<p>${line}</p>`,
          )}</details></td></tr>`,
      )}</tbody>`,
  );
}
