import fs from 'node:fs';
import { once } from 'node:events';

/**
 * An accounts file as a supplier's billing system would give it (`import-accounts`, UTF-8, `;`,
 * the header of samples/accounts.csv) of `lines` accounts with the demo's settlement codes and
 * tariff groups, for the import benchmark. Written as it is made, never whole in memory.
 */
export async function writeAccountsFile(file: string, lines: number, codes: string[]): Promise<void> {
  const out = fs.createWriteStream(file);
  const plans = ['single', 'single', 'two-zone', 'three-zone'];
  const surnames = ['Иванов', 'Петрова', 'Сидоров', 'Кузнецова', 'Смирнов', 'Попова', 'Васильев'];
  let chunk =
    'Лицевой счёт;Фамилия;Имя;Отчество;Населённый пункт;Улица;Дом;Квартира;Проживающих;Площадь;Тарифная группа;Адрес доставки;Телефон;E-mail\r\n';
  for (let i = 0; i < lines; i++) {
    const code = codes[i % codes.length]!;
    const number = `${code}${String(Math.floor(i / codes.length)).padStart(8, '0')}`;
    const area = 2_500 + ((i * 7919) % 9_000);
    chunk +=
      `${number};${surnames[i % surnames.length]}${i % 97};Иван;Петрович;г. Черногорск;ул. Тестовая ${i % 400};` +
      `${1 + (i % 150)};${1 + (i % 90)};${1 + (i % 5)};${Math.floor(area / 100)},${String(area % 100).padStart(2, '0')};` +
      `${plans[i % plans.length]};;${i % 3 === 0 ? `+7 (3902) ${String(100000 + (i % 900000))}` : ''};` +
      `${i % 4 === 0 ? `user${i}@example.ru` : ''}\r\n`;
    if (chunk.length > 64_000) {
      if (!out.write(chunk)) {
        await once(out, 'drain');
      }
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
