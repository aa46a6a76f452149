/** How each channel a reading came by is named to people (the seed's "Способ передачи показания"). */
export const CHANNEL_TITLES: Record<string, string> = {
  internet: 'Интернет',
  grid: 'Сетевая компания',
  bill: 'Квитанция',
  customer: 'Потребитель',
  operator: 'Оператор',
  computed: 'Расчётное',
  bank: 'Банк',
  api: 'API',
};

/** A reading's status as the customer's history shows it. */
export const STATUS_TITLES: Record<string, string> = {
  accepted: 'принято',
  review: 'на проверке',
  rejected: 'отклонено',
};
