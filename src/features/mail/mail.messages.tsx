import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { BillDocument } from '../billing/pdf/bill.model.ts';
import { formatDateRu, periodInWords } from '../../domain/dates.ts';
import { formatInteger, formatRubles } from '../../domain/format.ts';
import { zonesFor, ZONE_TITLES } from '../../domain/tariff.ts';
import type { MailMessage } from './transport.ts';

// What the e-mails say, as text and HTML (Preact escapes every value). No personal data beyond
// what the recipient is entitled to: the confirmation e-mail names no account and no person,
// since it may reach a stranger whose address was mistyped.

function html(title: string, body: ComponentChildren): string {
  return (
    '<!doctype html>' +
    renderToString(
      <html lang="ru">
        <head>
          <meta charset="utf-8" />
          <title>{title}</title>
        </head>
        <body style="font-family: Arial, sans-serif; font-size: 15px; line-height: 1.45; color: #1b1b1b">
          {body}
        </body>
      </html>,
    )
  );
}

/** Bulk-mail headers: one-click unsubscribe (RFC 8058) and "no auto-replies" (RFC 3834). */
function listHeaders(unsubscribeUrl: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Auto-Submitted': 'auto-generated',
  };
}

export function confirmMessage(p: {
  to: string;
  url: string;
  supplierName: string;
  messageId: string;
}): MailMessage {
  const subject = 'Подтвердите адрес для квитанций по электронной почте';
  const text = [
    'Здравствуйте!',
    '',
    `Этот адрес указан в Личном кабинете ${p.supplierName} для получения квитанций с начислениями по электронной почте.`,
    'Чтобы подтвердить его, откройте ссылку (она действует 24 часа и только один раз):',
    '',
    p.url,
    '',
    'Пока адрес не подтверждён, квитанции на него не отправляются.',
    'Если Вы не указывали этот адрес, просто не открывайте ссылку: квитанции сюда приходить не будут.',
    '',
    `— ${p.supplierName}`,
  ].join('\n');
  return {
    to: p.to,
    subject,
    messageId: p.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
    text,
    html: html(
      subject,
      <>
        <p>Здравствуйте!</p>
        <p>
          Этот адрес указан в Личном кабинете {p.supplierName} для получения квитанций с начислениями по
          электронной почте. Чтобы подтвердить его, откройте ссылку (она действует 24 часа и только один раз):
        </p>
        <p>
          <a href={p.url}>Подтвердить адрес</a>
        </p>
        <p>Пока адрес не подтверждён, квитанции на него не отправляются.</p>
        <p>
          Если Вы не указывали этот адрес, просто не открывайте ссылку: квитанции сюда приходить не будут.
        </p>
        <p>— {p.supplierName}</p>
      </>,
    ),
  };
}

export function billFileName(doc: Pick<BillDocument, 'customer' | 'period'>): string {
  return `${doc.customer.account}-${doc.period}.pdf`;
}

interface BillMessageParams {
  to: string;
  doc: BillDocument;
  pdf: Buffer;
  cabinetUrl: string;
  unsubscribeUrl: string;
  supplierName: string;
  messageId: string;
}

/** The figures a bill e-mail states, as shown to people (format.ts). */
interface BillFigures {
  period: string;
  file: string;
  toPay: string;
  due: string;
  overpaid: string | null;
}

function billFigures(doc: BillDocument): BillFigures {
  return {
    period: periodInWords(doc.period),
    file: billFileName(doc),
    toPay: `${formatRubles(doc.toPayKop)} руб.`,
    due: formatDateRu(doc.dueDate),
    overpaid: doc.debtEndKop < 0 ? `Переплата на конец периода: ${formatRubles(-doc.debtEndKop)} руб.` : null,
  };
}

export function billMessage(p: BillMessageParams): MailMessage {
  const f = billFigures(p.doc);
  const subject = `Квитанция за ${f.period}, лицевой счёт ${p.doc.customer.account}`;
  return {
    to: p.to,
    subject,
    messageId: p.messageId,
    headers: listHeaders(p.unsubscribeUrl),
    text: billText(p, f),
    html: html(subject, <BillBody p={p} f={f} />),
    attachments: [{ filename: f.file, content: p.pdf, contentType: 'application/pdf' }],
  };
}

function billText(p: BillMessageParams, f: BillFigures): string {
  return [
    'Здравствуйте!',
    '',
    `Квитанция с начислениями за ${f.period} по лицевому счёту ${p.doc.customer.account} — во вложении (${f.file}).`,
    '',
    `Расчётный период: ${f.period}`,
    `Сумма к оплате: ${f.toPay}`,
    ...(f.overpaid ? [f.overpaid] : []),
    `Оплатить до: ${f.due}`,
    '',
    `Личный кабинет: ${p.cabinetUrl}`,
    '',
    'Вы получили это письмо, потому что подписались на квитанции по электронной почте в Личном кабинете.',
    `Отписаться: ${p.unsubscribeUrl}`,
    '',
    `— ${p.supplierName}`,
  ].join('\n');
}

function BillBody({ p, f }: { p: BillMessageParams; f: BillFigures }) {
  return (
    <>
      <p>Здравствуйте!</p>
      <p>
        Квитанция с начислениями за {f.period} по лицевому счёту {p.doc.customer.account} — во вложении (
        {f.file}
        ).
      </p>
      <table style="border-collapse: collapse">
        <tbody>
          <tr>
            <th style="text-align: left; padding: 2px 12px 2px 0">Расчётный период</th>
            <td>{f.period}</td>
          </tr>
          <tr>
            <th style="text-align: left; padding: 2px 12px 2px 0">Сумма к оплате</th>
            <td>
              <strong>{f.toPay}</strong>
            </td>
          </tr>
          {f.overpaid && (
            <tr>
              <td colSpan={2}>{f.overpaid}</td>
            </tr>
          )}
          <tr>
            <th style="text-align: left; padding: 2px 12px 2px 0">Оплатить до</th>
            <td>{f.due}</td>
          </tr>
        </tbody>
      </table>
      <p>
        <a href={p.cabinetUrl}>Личный кабинет</a>
      </p>
      <p style="color: #666; font-size: 13px">
        Вы получили это письмо, потому что подписались на квитанции по электронной почте в Личном кабинете.{' '}
        <a href={p.unsubscribeUrl}>Отписаться</a>
      </p>
      <p>— {p.supplierName}</p>
    </>
  );
}

export function reminderMessage(p: {
  to: string;
  account: string;
  period: string;
  lastDate: string;
  meterSerial: string;
  cabinetUrl: string;
  unsubscribeUrl: string;
  supplierName: string;
  messageId: string;
}): MailMessage {
  const period = periodInWords(p.period);
  const until = formatDateRu(p.lastDate);
  const subject = `Передайте показания счётчика за ${period}`;
  const lead = `По лицевому счёту ${p.account} ещё нет показаний счётчика № ${p.meterSerial} за ${period}.`;
  const ask = `Передайте их до ${until} включительно — тогда начисление будет по фактическому расходу, а не по среднему или нормативу.`;
  const text = [
    'Здравствуйте!',
    '',
    lead,
    ask,
    '',
    `Передать показания: ${p.cabinetUrl}`,
    '',
    `Отписаться от писем: ${p.unsubscribeUrl}`,
    '',
    `— ${p.supplierName}`,
  ].join('\n');
  return {
    to: p.to,
    subject,
    messageId: p.messageId,
    headers: listHeaders(p.unsubscribeUrl),
    text,
    html: html(
      subject,
      <>
        <p>Здравствуйте!</p>
        <p>{lead}</p>
        <p>{ask}</p>
        <p>
          <a href={p.cabinetUrl}>Передать показания</a>
        </p>
        <p style="color: #666; font-size: 13px">
          <a href={p.unsubscribeUrl}>Отписаться от писем</a>
        </p>
        <p>— {p.supplierName}</p>
      </>,
    ),
  };
}

/** A held reading as the e-mail about its outcome names it. */
export interface ReviewedReadingLine {
  date: string;
  values: number[];
  /** The meter's zone count. */
  zones: number;
  accepted: boolean;
  reason: string | null;
}

/** «28 000», or «день 12 345, ночь 6 789» for a multi-zone meter. */
function readingValue(r: Pick<ReviewedReadingLine, 'values' | 'zones'>): string {
  const zones = zonesFor(r.zones);
  return zones.length > 1
    ? r.values
        .map((v, i) => `${ZONE_TITLES[zones[i] ?? 'single'].toLowerCase()} ${formatInteger(v)}`)
        .join(', ')
    : formatInteger(r.values[0] ?? 0);
}

/** The outcome of the account's readings that the specialists checked (the back office's review queue). */
export function reviewMessage(p: {
  to: string;
  account: string;
  period: string;
  readings: ReviewedReadingLine[];
  cabinetUrl: string;
  unsubscribeUrl: string;
  supplierName: string;
  messageId: string;
}): MailMessage {
  const period = periodInWords(p.period);
  const subject = `Результат проверки показаний за ${period}`;
  const lead = `Специалисты проверили показания счётчика по лицевому счёту ${p.account}:`;
  const line = (r: ReviewedReadingLine) =>
    `показание ${readingValue(r)} от ${formatDateRu(r.date)} ${r.accepted ? 'принято' : 'отклонено'}` +
    (r.reason ? ` (${r.reason})` : '') +
    '.';
  const after = p.readings.some((r) => !r.accepted)
    ? 'Отклонённое показание не учитывается в расчёте: передайте верное показание в личном кабинете.'
    : `Принятые показания будут учтены при расчёте за ${period}.`;
  const text = [
    'Здравствуйте!',
    '',
    lead,
    ...p.readings.map((r) => `— ${line(r)}`),
    '',
    after,
    '',
    `Личный кабинет: ${p.cabinetUrl}`,
    '',
    `Отписаться от писем: ${p.unsubscribeUrl}`,
    '',
    `— ${p.supplierName}`,
  ].join('\n');
  return {
    to: p.to,
    subject,
    messageId: p.messageId,
    headers: listHeaders(p.unsubscribeUrl),
    text,
    html: html(
      subject,
      <>
        <p>Здравствуйте!</p>
        <p>{lead}</p>
        <ul>
          {p.readings.map((r) => (
            <li>{line(r)}</li>
          ))}
        </ul>
        <p>{after}</p>
        <p>
          <a href={p.cabinetUrl}>Личный кабинет</a>
        </p>
        <p style="color: #666; font-size: 13px">
          <a href={p.unsubscribeUrl}>Отписаться от писем</a>
        </p>
        <p>— {p.supplierName}</p>
      </>,
    ),
  };
}
