/** The names of payment channels for people, where a payment has no source of its own. */
export const PAYMENT_CHANNEL_TITLES: Record<string, string> = {
  card: 'Банковская карта',
  sbp: 'СБП',
  bank: 'Банк',
  post: 'Почта России',
  terminal: 'Терминал',
  office: 'Касса',
};
