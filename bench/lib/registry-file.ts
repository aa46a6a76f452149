import fs from 'node:fs';
import { once } from 'node:events';
import iconv from 'iconv-lite';

/**
 * A Sberbank-style registry (profile `sberbank`: `;`, Windows-1251, a totals line) of `lines`
 * payments to the accounts `bulkAccounts` makes (11 + 8 digits, `accounts` of them), for the
 * benchmark and the SIGKILL test. Written as it is made, never whole in memory.
 */
export async function writeRegistry(
  file: string,
  opts: { lines: number; accounts: number; prefix?: string },
): Promise<{ amountKop: number; commissionKop: number }> {
  const out = fs.createWriteStream(file);
  const rub = (kop: number) => `${Math.floor(kop / 100)},${String(kop % 100).padStart(2, '0')}`;
  let amountKop = 0;
  let commissionKop = 0;
  let chunk = '';
  const flush = async () => {
    if (!out.write(iconv.encode(chunk, 'windows-1251'))) {
      await once(out, 'drain');
    }
    chunk = '';
  };
  for (let i = 0; i < opts.lines; i++) {
    const account = `11${String(i % opts.accounts).padStart(8, '0')}`;
    const amount = 10_000 + ((i * 7919) % 500_000);
    const commission = Math.floor(amount / 100);
    amountKop += amount;
    commissionKop += commission;
    chunk +=
      `05-06-2026;10:${String(i % 60).padStart(2, '0')}:00;8602;0012;${opts.prefix ?? 'op'}${i};${account};` +
      `ТЕСТОВ ИВАН ИВАНОВИЧ;п. Усть-Абакан, ул. Тестовая, ${i % opts.accounts};0526;${rub(amount)};${rub(commission)};\r\n`;
    if (chunk.length > 64_000) {
      await flush();
    }
  }
  chunk += `=${opts.lines};${rub(amountKop)};${rub(commissionKop)};${rub(amountKop - commissionKop)}\r\n`;
  await flush();
  out.end();
  await once(out, 'close');
  return { amountKop, commissionKop };
}
