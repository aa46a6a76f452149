import { renderToString } from 'preact-render-to-string';
import type { MailMessage } from '../mail/transport.ts';

// What a profile's e-mails say, as text and HTML (Preact escapes every value). Like the bills'
// confirmation, they name no account and no person: the address may be a stranger's typo.

interface Common {
  to: string;
  supplierName: string;
  messageId: string;
}

/** A message of paragraphs; `link` (text and address) comes after the first `before` of them. */
function message(
  p: Common & { subject: string; paragraphs: string[]; link?: { text: string; url: string; before: number } },
): MailMessage {
  const { link } = p;
  const head = link ? p.paragraphs.slice(0, link.before) : p.paragraphs;
  const tail = link ? p.paragraphs.slice(link.before) : [];
  const text = [
    'Здравствуйте!',
    '',
    ...head.flatMap((x) => [x, '']),
    ...(link ? [link.url, ''] : []),
    ...tail.flatMap((x) => [x, '']),
    `— ${p.supplierName}`,
  ].join('\n');
  const html =
    '<!doctype html>' +
    renderToString(
      <html lang="ru">
        <head>
          <meta charset="utf-8" />
          <title>{p.subject}</title>
        </head>
        <body style="font-family: Arial, sans-serif; font-size: 15px; line-height: 1.45; color: #1b1b1b">
          <p>Здравствуйте!</p>
          {head.map((x) => (
            <p>{x}</p>
          ))}
          {link && (
            <p>
              <a href={link.url}>{link.text}</a>
            </p>
          )}
          {tail.map((x) => (
            <p>{x}</p>
          ))}
          <p>— {p.supplierName}</p>
        </body>
      </html>,
    );
  return {
    to: p.to,
    subject: p.subject,
    messageId: p.messageId,
    headers: { 'Auto-Submitted': 'auto-generated' },
    text,
    html,
  };
}

export function profileConfirmMessage(p: Common & { url: string }): MailMessage {
  return message({
    ...p,
    subject: 'Подтвердите адрес для входа в Личный кабинет',
    paragraphs: [
      `С этим адресом создан профиль Личного кабинета ${p.supplierName}: по нему и паролю можно будет входить в кабинет.`,
      'Чтобы подтвердить адрес, откройте ссылку (она действует 24 часа и только один раз):',
      'Пока адрес не подтверждён, войти по нему нельзя.',
      'Если Вы не создавали профиль, просто не открывайте ссылку: войти с этим адресом никто не сможет.',
    ],
    link: { text: 'Подтвердить адрес', url: p.url, before: 2 },
  });
}

/** To the owner of an address that someone typed again to make a profile: no link, a word only. */
export function profileTakenMessage(p: Common & { loginUrl: string; forgotUrl: string }): MailMessage {
  return message({
    ...p,
    subject: 'Попытка создать второй профиль с Вашим адресом',
    paragraphs: [
      `Кто-то пытался создать профиль Личного кабинета ${p.supplierName} с этим адресом, но профиль с ним уже есть, и второй создан не был.`,
      `Если это были Вы, войдите в свой профиль: ${p.loginUrl}. Если Вы не помните пароль, задайте новый: ${p.forgotUrl}.`,
      'Если это были не Вы, ничего делать не нужно: Ваш профиль не изменён.',
    ],
  });
}

export function profileResetMessage(p: Common & { url: string }): MailMessage {
  return message({
    ...p,
    subject: 'Новый пароль для входа в Личный кабинет',
    paragraphs: [
      `Для профиля Личного кабинета ${p.supplierName} с этим адресом запрошен новый пароль.`,
      'Чтобы задать его, откройте ссылку (она действует 30 минут и только один раз):',
      'Когда новый пароль задан, все открытые сеансы профиля завершаются, ключи входа (passkeys) удаляются, а токены доступа отзываются.',
      'Если Вы не запрашивали новый пароль, просто не открывайте ссылку: старый пароль продолжает действовать.',
    ],
    link: { text: 'Задать новый пароль', url: p.url, before: 2 },
  });
}
