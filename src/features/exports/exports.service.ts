import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { PAYMENT_CHANNEL_TITLES } from '../payments/payment-titles.ts';
import { contentType, csvStream, type Column, type ExportEncoding, type Value } from './csv.ts';
import * as repo from './exports.repository.ts';
import * as registryRepo from './registry.repository.ts';
import { Refused } from '../../platform/refused.ts';

// The files that go out: charges, balances and payments for 1С, the debtors list, and the debts
// registry for the bank. Each is checked first (a period not closed, a date to come: refused with
// the reason, before a byte is written), then streamed a page of accounts at a time.

/** An export refused before anything was written: the reason in Russian, and the field at fault. */
export class ExportRefused extends Refused {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A file ready to stream: its name, its type, its bytes. */
export interface ExportFile {
  fileName: string;
  contentType: string;
  /** The bytes; call once. */
  open(): Readable;
  /** Data rows written so far. */
  readonly rows: number;
  /** To call when the file could not be made whole: the registry gives its number back. */
  failed(): Promise<void>;
}

type Db = Kysely<Database>;

export const METHOD_TITLES: Record<string, string> = {
  readings: 'по показаниям',
  average: 'по среднему',
  norm: 'по нормативу',
};

export const CHARGES_COLUMNS: readonly Column[] = [
  { title: 'Лицевой счёт', kind: 'code' },
  { title: 'ФИО', kind: 'text' },
  { title: 'Адрес', kind: 'text' },
  { title: 'Период', kind: 'code' },
  { title: 'Способ расчёта', kind: 'text' },
  { title: 'Расход, кВт·ч', kind: 'integer' },
  { title: 'Тариф, руб./кВт·ч', kind: 'tariff' },
  { title: 'Начислено, руб.', kind: 'money' },
  { title: 'ОДН, кВт·ч', kind: 'integer' },
  { title: 'ОДН, руб.', kind: 'money' },
  { title: 'Перерасчёт, руб.', kind: 'money' },
  { title: 'Долг на начало, руб.', kind: 'money' },
  { title: 'Оплачено, руб.', kind: 'money' },
  { title: 'Долг на конец, руб.', kind: 'money' },
];

export const BALANCES_COLUMNS: readonly Column[] = [
  { title: 'Лицевой счёт', kind: 'code' },
  { title: 'ФИО', kind: 'text' },
  { title: 'Адрес', kind: 'text' },
  { title: 'Дата', kind: 'date' },
  { title: 'Последний закрытый период', kind: 'code' },
  { title: 'Сальдо на конец периода, руб.', kind: 'money' },
  { title: 'Оплачено после периода, руб.', kind: 'money' },
  { title: 'Сальдо на дату, руб.', kind: 'money' },
];

export const PAYMENTS_COLUMNS: readonly Column[] = [
  { title: 'Номер платежа', kind: 'code' },
  { title: 'Дата', kind: 'date' },
  { title: 'Лицевой счёт', kind: 'code' },
  { title: 'ФИО', kind: 'text' },
  { title: 'Сумма, руб.', kind: 'money' },
  { title: 'Комиссия, руб.', kind: 'money' },
  { title: 'Канал', kind: 'text' },
  { title: 'Источник', kind: 'text' },
  { title: 'Внешний идентификатор', kind: 'text' },
];

export const DEBTORS_COLUMNS: readonly Column[] = [
  { title: 'Лицевой счёт', kind: 'code' },
  { title: 'ФИО', kind: 'text' },
  { title: 'Адрес', kind: 'text' },
  { title: 'Долг, руб.', kind: 'money' },
  { title: 'Месяцев подряд', kind: 'integer' },
  { title: 'Долг с периода', kind: 'code' },
  { title: 'Последняя оплата', kind: 'date' },
];

/** The bank's registry, read by position: no header line. */
export const REGISTRY_COLUMNS: readonly Column[] = [
  { title: 'Лицевой счёт', kind: 'code' },
  { title: 'ФИО', kind: 'text' },
  { title: 'Адрес', kind: 'text' },
  { title: 'Период', kind: 'code' },
  { title: 'Сумма к оплате', kind: 'money' },
];

/** Rows of keyset pages: `page(after)` until an empty page, `after` the last row's account id. */
async function* paged<T extends { accountId: number }>(
  page: (afterId: number) => Promise<T[]>,
  row: (t: T) => Value[],
  counter: { rows: number },
): AsyncGenerator<Value[]> {
  let after = 0;
  for (;;) {
    const items = await page(after);
    if (items.length === 0) {
      return;
    }
    for (const it of items) {
      counter.rows++;
      yield row(it);
    }
    after = items[items.length - 1]!.accountId;
  }
}

function csvFile(
  fileName: string,
  columns: readonly Column[],
  encoding: ExportEncoding,
  rows: (counter: { rows: number }) => AsyncIterable<Value[]>,
): ExportFile {
  const counter = { rows: 0 };
  return {
    fileName,
    contentType: contentType('csv', encoding),
    open: () => csvStream(columns, rows(counter), { encoding, header: true }),
    get rows() {
      return counter.rows;
    },
    failed: () => Promise.resolve(),
  };
}

async function requireClosed(db: Db, period: string, field = 'period'): Promise<void> {
  const status = await repo.periodStatus(db, period);
  if (status !== 'closed') {
    throw new ExportRefused(
      status === 'closing'
        ? `Период ${period} ещё закрывается: выгрузка будет возможна, когда закрытие завершится.`
        : `Период ${period} не закрыт: начислений за него ещё нет.`,
      field,
    );
  }
}

/** The charges of a closed period (charges-YYYY-MM.csv). */
export async function chargesExport(
  db: Db,
  opts: { period: string; encoding: ExportEncoding },
): Promise<ExportFile> {
  await requireClosed(db, opts.period);
  return csvFile(`charges-${opts.period}.csv`, CHARGES_COLUMNS, opts.encoding, (counter) =>
    paged(
      (after) => repo.chargesPage(db, opts.period, after),
      (c) => [
        c.number,
        c.fullName,
        c.address,
        opts.period,
        METHOD_TITLES[c.method] ?? c.method,
        c.kwh,
        c.tariffE5,
        c.amountKop,
        c.odnKwh,
        c.odnKop,
        c.recalcKop,
        c.debtStartKop,
        c.paymentsKop,
        c.debtKop,
      ],
      counter,
    ),
  );
}

/**
 * Every account's balance on a date (balances-YYYY-MM-DD.csv): the debt at the end of its last
 * closed period billed by then, less the payments dated after that up to the date. Positive is a
 * debt, negative an overpayment. Consumption not yet billed is not in it (the books have no charge
 * for it until the month is closed).
 */
export function balancesExport(
  db: Db,
  opts: { date: string; today: string; encoding: ExportEncoding },
): ExportFile {
  if (opts.date > opts.today) {
    throw new ExportRefused(
      `Дата ${opts.date} ещё не наступила: остатки выгружаются на прошедшую дату или сегодня.`,
      'date',
    );
  }
  return csvFile(`balances-${opts.date}.csv`, BALANCES_COLUMNS, opts.encoding, (counter) =>
    paged(
      (after) => repo.balancesPage(db, opts.date, after),
      (b) => [
        b.number,
        b.fullName,
        b.address,
        opts.date,
        b.period,
        b.closedDebtKop,
        b.paidAfterKop,
        b.closedDebtKop - b.paidAfterKop,
      ],
      counter,
    ),
  );
}

/** The payments dated within [from, to] (payments-FROM-TO.csv), by account and date. */
export function paymentsExport(
  db: Db,
  opts: { from: string; to: string; encoding: ExportEncoding },
): ExportFile {
  if (opts.from > opts.to) {
    throw new ExportRefused(`Начало периода (${opts.from}) позже его конца (${opts.to}).`, 'to');
  }
  async function* rows(counter: { rows: number }): AsyncGenerator<Value[]> {
    let after = 0;
    for (;;) {
      const range = await repo.accountRange(db, after);
      if (!range) {
        return;
      }
      for (const p of await repo.paymentsOfRange(db, opts.from, opts.to, range.first, range.last)) {
        counter.rows++;
        yield [
          p.paymentId,
          p.paidOn,
          p.number,
          p.fullName,
          p.amountKop,
          p.commissionKop,
          PAYMENT_CHANNEL_TITLES[p.channel] ?? p.channel,
          p.source,
          p.externalId,
        ];
      }
      after = range.last;
    }
  }
  return csvFile(`payments-${opts.from}-${opts.to}.csv`, PAYMENTS_COLUMNS, opts.encoding, rows);
}

/**
 * The debtors (debtors-YYYY-MM.csv): accounts whose debt at the end of the period and of each of
 * the months before it, `months` in a row at least, was over `minKop`. The period is the latest
 * closed one unless given.
 */
export async function debtorsExport(
  db: Db,
  opts: { minKop: number; months: number; period?: string | undefined; encoding: ExportEncoding },
): Promise<ExportFile> {
  let period = opts.period;
  if (period === undefined) {
    period = (await repo.closedPeriods(db, 1))[0];
    if (period === undefined) {
      throw new ExportRefused('Ни один период ещё не закрыт: долгов по начислениям пока нет.', 'period');
    }
  } else {
    await requireClosed(db, period);
  }
  const p = period;
  return csvFile(`debtors-${p}.csv`, DEBTORS_COLUMNS, opts.encoding, (counter) =>
    paged(
      (after) => repo.debtorsPage(db, p, opts.minKop, opts.months, after),
      (d) => [d.number, d.fullName, d.address, d.debtKop, d.months, d.since, d.lastPaidOn],
      counter,
    ),
  );
}

/** '2026-05' → '0526', the registries' month. */
export function mmyy(period: string): string {
  return `${period.slice(5, 7)}${period.slice(2, 4)}`;
}

/** `INN_ACCOUNT_NNN_MMYY.txt`, as Sberbank names a debts registry. */
export function registryFileName(inn: string, account: string, seq: number, period: string): string {
  return `${inn}_${account}_${String(seq).padStart(3, '0')}_${mmyy(period)}.txt`;
}

export interface RegistryRequest {
  period: string;
  /** The branch's code; may be left out when there is one branch, or when INN and account are given. */
  branch?: string | undefined;
  inn?: string | undefined;
  account?: string | undefined;
  staffUserId: number | null;
  at: Date;
}

/**
 * The debts registry for the bank (`INN_ACCOUNT_NNN_MMYY.txt`, Windows-1251, `;`, no header):
 * account, full name, address, period (MMYY), amount due (the debt at the end of the closed
 * period; 0,00 for an overpayment, which the bank cannot take back). The branch's accounts, its
 * INN and settlement account unless given; NNN is the next number of that INN, account and
 * month, taken when the file is made (the CLI's and the back office's alike).
 */
export async function debtsRegistryExport(db: Db, req: RegistryRequest): Promise<ExportFile> {
  await requireClosed(db, req.period);
  const branches = await registryRepo.listBranches(db);
  let branch: registryRepo.Branch | undefined;
  if (req.branch !== undefined && req.branch !== '') {
    branch = branches.find((b) => b.code === req.branch);
    if (!branch) {
      throw new ExportRefused(
        `Филиала «${req.branch}» нет; есть: ${branches.map((b) => b.code).join(', ')}.`,
        'branch',
      );
    }
  } else if (branches.length === 1) {
    branch = branches[0];
  } else if (!req.inn || !req.account) {
    throw new ExportRefused(
      `Укажите филиал (его ИНН и расчётный счёт войдут в имя файла): ${branches.map((b) => b.code).join(', ')}; ` +
        'или ИНН и расчётный счёт — тогда в реестр войдут все лицевые счета.',
      'branch',
    );
  }
  const inn = req.inn || branch!.inn;
  const settlementAccount = req.account || branch!.settlementAccount;
  const branchId = branch?.id ?? null;
  const reserved = await registryRepo.reserveRegistryNumber(
    db,
    { inn, settlementAccount, period: req.period },
    (seq) => registryFileName(inn, settlementAccount, seq, req.period),
    { branchId, staffUserId: req.staffUserId, at: req.at.getTime() },
  );
  const counter = { rows: 0 };
  const due = mmyy(req.period);
  return {
    fileName: reserved.fileName,
    contentType: contentType('txt', 'cp1251'),
    open: () =>
      csvStream(
        REGISTRY_COLUMNS,
        paged(
          (after) => registryRepo.registryPage(db, req.period, branchId, after),
          (r) => [r.number, r.fullName, r.address, due, Math.max(r.debtKop, 0)],
          counter,
        ),
        { encoding: 'cp1251', header: false, plain: true },
      ),
    get rows() {
      return counter.rows;
    },
    failed: () => registryRepo.releaseRegistryNumber(db, reserved.id),
  };
}
