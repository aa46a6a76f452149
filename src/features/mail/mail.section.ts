import type { FastifyRequest } from 'fastify';
import type { MailContext } from './mail.config.ts';
import type { AddressView } from './mail.service.ts';
import type { MailFormState, MailSectionModel } from './mail.view.tsx';

/** The outcomes a POST reports to the main page it redirects to (`/cabinet?mail=…`). */
export const MAIL_FLASHES = [
  'saved',
  'sent',
  'limited',
  'failed',
  'deleted',
  'none',
  'confirmed',
  'already',
  'offer_gone',
  'offer_unusable',
] as const;
export type MailFlash = (typeof MAIL_FLASHES)[number];

function flashText(flash: MailFlash, ctx: MailContext): { text: string; error: boolean } {
  const { confirmLimit, confirmWindowMs } = ctx.config.mail;
  switch (flash) {
    case 'saved':
      return { text: 'Информация сохранена.', error: false };
    case 'sent':
      return { text: 'На указанный адрес отправлено письмо со ссылкой для подтверждения.', error: false };
    case 'limited':
      return {
        text: `Письмо для подтверждения не отправлено: за последние ${Math.round(confirmWindowMs / 60_000)} мин. их было уже ${confirmLimit}. Попробуйте позже.`,
        error: true,
      };
    case 'failed':
      return {
        text: 'Не удалось отправить письмо для подтверждения. Попробуйте позже кнопкой «Отправить письмо ещё раз».',
        error: true,
      };
    case 'deleted':
      return {
        text: 'Электронный адрес удалён. Квитанции по электронной почте больше не отправляются.',
        error: false,
      };
    case 'none':
      return { text: 'Электронный адрес не был указан.', error: false };
    case 'confirmed':
      return { text: 'Адрес подтверждён.', error: false };
    case 'already':
      return { text: 'Адрес уже подтверждён.', error: false };
    case 'offer_gone':
      return {
        text: 'Адрес из ваших данных у поставщика больше не предлагается. Чтобы получать квитанции по электронной почте, укажите адрес в поле ниже.',
        error: true,
      };
    case 'offer_unusable':
      return {
        text: 'Наш почтовый сервер не может отправить письмо на адрес из ваших данных у поставщика: в нём до знака «@» есть нелатинские буквы. Укажите другой адрес в поле ниже.',
        error: true,
      };
  }
}

/** The outcome named by `?mail=`, if it is one of ours. */
export function flashOf(req: FastifyRequest): MailFlash | undefined {
  const v = (req.query as Record<string, unknown> | undefined)?.mail;
  return typeof v === 'string' && (MAIL_FLASHES as readonly string[]).includes(v)
    ? (v as MailFlash)
    : undefined;
}

/**
 * The e-mail section of the logged-in customer's main page: the stored address and its state,
 * the accounts import's address offered for confirmation (masked), the form as posted when it was
 * refused, and the outcome of the last POST (`flash`, from `?mail=`).
 */
export function mailSectionModel(
  ctx: MailContext,
  a: AddressView,
  state?: MailFormState,
  flash?: MailFlash,
): MailSectionModel {
  return {
    // The import's address is shown masked, never put in the field (an empty field keeps it).
    email: state ? state.email : a.masked ? '' : (a.email ?? ''),
    subscribed: state ? state.subscribed : a.subscribed,
    storedEmail: a.email,
    status: a.status,
    ...(a.masked ? { masked: true } : {}),
    ...(a.offer !== undefined ? { offer: a.offer } : {}),
    ...(state ? { fieldError: state.fieldError } : {}),
    ...(flash && !state ? { notice: flashText(flash, ctx) } : {}),
  };
}
