import { randomBytes } from 'node:crypto';
import { renderToString } from 'preact-render-to-string';
import type { MailMessage } from '../mail/transport.ts';

// The e-mails about who sees an account: to a profile when an account is attached to it with a
// proof, and to the account's other profiles when one more sees it. Each names the account (its
// readers see it anyway) and says what to do if they did not expect it.

export interface AttachedMessageParams {
  to: string;
  accountNumber: string;
  /** The local time of the attachment, as the pages show times. */
  when: string;
  /** Where the profile's accounts are listed and detached. */
  accountsUrl: string;
  supplierName: string;
}

export function attachedMessage(p: AttachedMessageParams): MailMessage {
  return notice({
    to: p.to,
    kind: 'attach',
    subject: `Лицевой счёт ${p.accountNumber} добавлен в Ваш профиль`,
    what: `${p.when} в Ваш профиль Личного кабинета ${p.supplierName} добавлен лицевой счёт ${p.accountNumber}.`,
    ifNot:
      'Если это сделали не Вы, откройте список счетов профиля, уберите этот счёт и смените пароль профиля:',
    url: p.accountsUrl,
    linkWords: 'счета профиля',
    supplierName: p.supplierName,
  });
}

export interface AccessAddedParams {
  to: string;
  accountNumber: string;
  /** The new profile's address, masked as «Кто видит счёт» shows it. */
  newcomer: string;
  /** «Кто видит счёт» of the account, where its holder removes a profile. */
  accessUrl: string;
  supplierName: string;
}

/**
 * The e-mail to the other profiles that see an account when one more does (attached with a proof,
 * or a profile made from the manual's login confirmed): whoever got the account's number, surname
 * and an amount is seen by the family that already holds it, who can remove that access.
 */
export function accessAddedMessage(p: AccessAddedParams): MailMessage {
  return notice({
    to: p.to,
    kind: 'access',
    subject: `Лицевой счёт ${p.accountNumber}: доступ получил ещё один профиль`,
    what: `Лицевой счёт ${p.accountNumber} теперь видит ещё один профиль Личного кабинета ${p.supplierName}: ${p.newcomer}.`,
    ifNot:
      'Если Вы не знаете, чей это профиль, войдите в Личный кабинет и удалите его доступ на странице «Кто видит счёт»:',
    url: p.accessUrl,
    linkWords: '«Кто видит счёт»',
    supplierName: p.supplierName,
  });
}

function notice(p: {
  to: string;
  kind: string;
  subject: string;
  what: string;
  ifNot: string;
  url: string;
  linkWords: string;
  supplierName: string;
}): MailMessage {
  const { subject, what, ifNot } = p;
  const host = new URL(p.url).hostname || 'localhost';
  return {
    to: p.to,
    subject,
    messageId: `<profile-${p.kind}-${Date.now()}-${randomBytes(6).toString('hex')}@${host}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
    text: ['Здравствуйте!', '', what, '', ifNot, p.url, '', `— ${p.supplierName}`].join('\n'),
    html:
      '<!doctype html>' +
      renderToString(
        <html lang="ru">
          <head>
            <meta charset="utf-8" />
            <title>{subject}</title>
          </head>
          <body style="font-family: Arial, sans-serif; font-size: 15px; line-height: 1.45; color: #1b1b1b">
            <p>Здравствуйте!</p>
            <p>{what}</p>
            <p>
              {ifNot} <a href={p.url}>{p.linkWords}</a>
            </p>
            <p>— {p.supplierName}</p>
          </body>
        </html>,
      ),
  };
}
