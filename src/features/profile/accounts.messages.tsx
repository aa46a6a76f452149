import { randomBytes } from 'node:crypto';
import { renderToString } from 'preact-render-to-string';
import type { MailMessage } from '../mail/transport.ts';

// The e-mail a profile gets when an account is attached to it with a proof: it names the account
// (the profile's owner sees it anyway) and says what to do if the owner did not attach it.

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
  const subject = `Лицевой счёт ${p.accountNumber} добавлен в Ваш профиль`;
  const what = `${p.when} в Ваш профиль Личного кабинета ${p.supplierName} добавлен лицевой счёт ${p.accountNumber}.`;
  const ifNot =
    'Если это сделали не Вы, откройте список счетов профиля, уберите этот счёт и смените пароль профиля:';
  const host = new URL(p.accountsUrl).hostname || 'localhost';
  return {
    to: p.to,
    subject,
    messageId: `<profile-attach-${Date.now()}-${randomBytes(6).toString('hex')}@${host}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
    text: ['Здравствуйте!', '', what, '', ifNot, p.accountsUrl, '', `— ${p.supplierName}`].join('\n'),
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
              {ifNot} <a href={p.accountsUrl}>счета профиля</a>
            </p>
            <p>— {p.supplierName}</p>
          </body>
        </html>,
      ),
  };
}
