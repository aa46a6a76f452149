import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { BillDocument } from '../billing/pdf/bill.model.ts';
import { formatDateRu, periodInWords } from '../../domain/dates.ts';
import { formatRubles } from '../../domain/format.ts';
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

export function billMessage(p: {
  to: string;
  doc: BillDocument;
  pdf: Buffer;
  cabinetUrl: string;
  unsubscribeUrl: string;
  supplierName: string;
  messageId: string;
}): MailMessage {
  const { doc } = p;
  const period = periodInWords(doc.period);
  const file = billFileName(doc);
  const subject = `Квитанция за ${period}, лицевой счёт ${doc.customer.account}`;
  const toPay = `${formatRubles(doc.toPayKop)} руб.`;
  const due = formatDateRu(doc.dueDate);
  const overpaid =
    doc.debtEndKop < 0 ? `Переплата на конец периода: ${formatRubles(-doc.debtEndKop)} руб.` : null;
  const text = [
    'Здравствуйте!',
    '',
    `Квитанция с начислениями за ${period} по лицевому счёту ${doc.customer.account} — во вложении (${file}).`,
    '',
    `Расчётный период: ${period}`,
    `Сумма к оплате: ${toPay}`,
    ...(overpaid ? [overpaid] : []),
    `Оплатить до: ${due}`,
    '',
    `Личный кабинет: ${p.cabinetUrl}`,
    '',
    'Вы получили это письмо, потому что подписались на квитанции по электронной почте в Личном кабинете.',
    `Отписаться: ${p.unsubscribeUrl}`,
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
        <p>
          Квитанция с начислениями за {period} по лицевому счёту {doc.customer.account} — во вложении ({file}
          ).
        </p>
        <table style="border-collapse: collapse">
          <tbody>
            <tr>
              <th style="text-align: left; padding: 2px 12px 2px 0">Расчётный период</th>
              <td>{period}</td>
            </tr>
            <tr>
              <th style="text-align: left; padding: 2px 12px 2px 0">Сумма к оплате</th>
              <td>
                <strong>{toPay}</strong>
              </td>
            </tr>
            {overpaid && (
              <tr>
                <td colSpan={2}>{overpaid}</td>
              </tr>
            )}
            <tr>
              <th style="text-align: left; padding: 2px 12px 2px 0">Оплатить до</th>
              <td>{due}</td>
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
      </>,
    ),
    attachments: [{ filename: file, content: p.pdf, contentType: 'application/pdf' }],
  };
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
