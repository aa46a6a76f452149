import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Clock } from '../../platform/clock.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import { listSettlements } from '../account/settlements.repository.ts';
import { maskEmail } from '../mail/email-address.ts';
import type { ImportFormat, Numbered, Outcome } from './engine.ts';
import { accountsReader, type AccountLine } from './accounts.parse.ts';
import * as repo from './accounts.repository.ts';

/**
 * The supplier's accounts as an import format (`import-accounts`). A line whose account is new
 * adds it (in the `--branch` given, else the branch of its settlement); a line whose account
 * exists updates the fields that differ, with one audit entry per account naming each changed
 * field before and after; the same file again changes nothing. Accounts are never deleted: with
 * `full`, those missing from the file are listed in the report and counted.
 *
 * An e-mail address from the file goes to `accounts.imported_email`, which nothing sends to:
 * bills go only to the `mail_subscriptions` address its owner confirmed (security.md row 18).
 * Not written into `mail_subscriptions`: that row is the customer's own choice, and an import
 * must neither replace a confirmed address with an unconfirmed one nor bring back an address the
 * customer deleted each time the same file is loaded again.
 */

export interface AccountsFormatOptions {
  /** The region that starts every object address («Республика Хакасия»). */
  region: string;
  /** The branch (`branches.code`) of every new account; else its settlement's. */
  branch?: string | undefined;
  full: boolean;
  clock: Clock;
  /** Files of at least this many lines load into a smaller table with its indexes set aside (tests lower it). */
  bulkFrom?: number;
  /** The staff member who uploaded the file (the back office), named in the audit entries. */
  staffUserId?: number | undefined;
}

/** Smaller files are loaded with the indexes kept up line by line. */
const BULK_FROM = 50_000;

export const ACCOUNT_LABELS: Record<string, string> = {
  added: 'добавлено лицевых счетов',
  changed: 'изменено',
  unchanged: 'без изменений',
  noBranch: 'не добавлено: не задано отделение (--branch или отделение населённого пункта)',
  missing: 'есть в базе, но нет в файле (не удалены, список в отчёте)',
};

/** The account's fields as the audit and the report name them: column → title. */
const FIELDS = {
  surname: 'Фамилия',
  first_name: 'Имя',
  patronymic: 'Отчество',
  object_address: 'Адрес объекта',
  delivery_address: 'Адрес доставки',
  area_e2: 'Площадь',
  residents: 'Проживающих',
  tariff_plan_id: 'Тарифная группа',
  phone: 'Телефон',
  imported_email: 'E-mail (не подтверждён)',
  closed_on: 'Дата закрытия',
} as const;

type Column = keyof typeof FIELDS;

/** The import cannot start as asked (an unknown `--branch`). */
export class AccountsImportRefused extends Error {}

type Q = Kysely<Database> | Transaction<Database>;

interface Refs {
  settlements: Set<string>;
  branchOf: Map<string, number | null>;
  tariffIds: Map<string, number>;
  tariffCodes: Map<number, string>;
  branchId: number | null;
}

export function accountsFormat(opts: AccountsFormatOptions): ImportFormat<AccountLine> {
  let refs: Refs = {
    settlements: new Set(),
    branchOf: new Map(),
    tariffIds: new Map(),
    tariffCodes: new Map(),
    branchId: null,
  };
  return {
    kind: 'accounts',
    recordsTitle: 'Строк с лицевыми счетами',
    profile: opts.full ? 'full' : 'partial',
    strict: false,
    labels: ACCOUNT_LABELS,
    // Going live: a supplier's whole file into an empty table (a 200 000-line file took 22.5 s
    // with the search indexes kept up line by line, 7.8 s without them; see deferred-indexes.ts).
    bulk: { table: 'accounts', minRecords: opts.bulkFrom ?? BULK_FROM },
    async prepare(db) {
      const settlements = await listSettlements(db);
      const tariffIds = await repo.tariffPlanIds(db);
      let branchId: number | null = null;
      if (opts.branch !== undefined) {
        const branches = await repo.listBranches(db);
        const found = branches.find((b) => b.code === opts.branch);
        if (!found) {
          throw new AccountsImportRefused(
            branches.length === 0
              ? `No branch "${opts.branch}": there are no branches yet; load them with branches-load.`
              : `No branch "${opts.branch}": the branches are ${branches.map((b) => b.code).join(', ')}.`,
          );
        }
        branchId = found.id;
      }
      refs = {
        settlements: new Set(settlements.map((s) => s.code)),
        branchOf: new Map(settlements.map((s) => [s.code, s.branchId])),
        tariffIds,
        tariffCodes: new Map([...tariffIds].map(([code, id]) => [id, code])),
        branchId,
      };
    },
    reader() {
      const reader = accountsReader({
        settlements: refs.settlements,
        tariffCodes: new Set(refs.tariffIds.keys()),
        region: opts.region,
      });
      if (!opts.full) {
        return reader;
      }
      return {
        ...reader,
        missing: (db) => missingAccounts(db, reader.seen),
      };
    },
    async plan(db, batch) {
      return (await decide(db, refs, batch)).map((d) => d.outcome);
    },
    async apply(tx, batch, runId) {
      const decisions = await decide(tx, refs, batch);
      const now = opts.clock.now();
      await repo.insertAccounts(
        tx,
        decisions.flatMap((d) => (d.kind === 'add' ? [{ ...d.account, branchId: d.branchId }] : [])),
        now.getTime(),
      );
      for (const d of decisions) {
        if (d.kind === 'change') {
          await repo.updateAccount(tx, d.id, d.account);
          await recordAudit(tx, now, {
            event: 'account_import',
            outcome: 'changed',
            accountNumber: d.account.number,
            staffUserId: opts.staffUserId ?? null,
            details: { run: runId, fields: d.columns, before: d.before, after: d.after },
          });
        }
      }
      return decisions.map((d) => d.outcome);
    },
  };
}

type Decision =
  | { kind: 'add'; account: repo.ImportedAccount; branchId: number; outcome: Outcome }
  | {
      kind: 'change';
      id: number;
      account: repo.ImportedAccount;
      columns: Column[];
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      outcome: Outcome;
    }
  | { kind: 'none'; outcome: Outcome };

/** What each line of the batch does to the database as it is now. */
async function decide(db: Q, refs: Refs, batch: Numbered<AccountLine>[]): Promise<Decision[]> {
  const existing = await repo.findAccounts(
    db,
    batch.map((b) => b.record.number),
  );
  return batch.map(({ record: r }): Decision => {
    const account: repo.ImportedAccount = {
      number: r.number,
      settlementCode: r.settlementCode,
      surname: r.surname,
      firstName: r.firstName,
      patronymic: r.patronymic,
      objectAddress: r.objectAddress,
      deliveryAddress: r.deliveryAddress,
      areaE2: r.areaE2,
      residents: r.residents,
      tariffPlanId: refs.tariffIds.get(r.tariffCode)!,
      phone: r.phone,
      importedEmail: r.email,
      closedOn: r.closedOn,
    };
    const before = existing.get(r.number);
    if (!before) {
      const branchId = refs.branchId ?? refs.branchOf.get(r.settlementCode) ?? null;
      if (branchId === null) {
        return {
          kind: 'none',
          outcome: {
            count: 'noBranch',
            note: {
              field: 'Лицевой счёт',
              message: `Новый лицевой счёт ${r.number} не добавлен: для кода «${r.settlementCode}» не задано отделение. Укажите --branch или отделение в справочнике (settlements-load).`,
            },
          },
        };
      }
      return { kind: 'add', account, branchId, outcome: { count: 'added' } };
    }
    const now = values(account);
    const was = values(before);
    const columns = (Object.keys(FIELDS) as Column[]).filter((c) => now[c] !== was[c]);
    if (columns.length === 0) {
      return { kind: 'none', outcome: { count: 'unchanged' } };
    }
    return {
      kind: 'change',
      id: before.id,
      account,
      columns,
      before: Object.fromEntries(columns.map((c) => [c, shown(c, was[c], refs)])),
      after: Object.fromEntries(columns.map((c) => [c, shown(c, now[c], refs)])),
      outcome: {
        count: 'changed',
        note: {
          field: columns.map((c) => FIELDS[c]).join(', '),
          message: `Лицевой счёт ${r.number}: изменено — ${columns.map((c) => FIELDS[c].toLowerCase()).join(', ')}.`,
        },
      },
    };
  });
}

function values(a: repo.ImportedAccount): Record<Column, string | number | null> {
  return {
    surname: a.surname,
    first_name: a.firstName,
    patronymic: a.patronymic,
    object_address: a.objectAddress,
    delivery_address: a.deliveryAddress,
    area_e2: a.areaE2,
    residents: a.residents,
    tariff_plan_id: a.tariffPlanId,
    phone: a.phone,
    imported_email: a.importedEmail,
    closed_on: a.closedOn,
  };
}

/**
 * A value as the audit log keeps it: the surname, which with the number is the customer's login,
 * only as changed; an e-mail address masked (security.md row 13); a tariff plan by its code.
 */
function shown(c: Column, v: string | number | null, refs: Refs): unknown {
  if (c === 'surname') {
    return '(изменена)';
  }
  if (c === 'imported_email') {
    return v === null ? null : maskEmail(String(v));
  }
  if (c === 'tariff_plan_id') {
    return refs.tariffCodes.get(Number(v)) ?? v;
  }
  return v;
}

const PAGE = 5_000;

/** The accounts of the database that the file did not name, in number order. */
async function* missingAccounts(
  db: Kysely<Database>,
  seen: ReadonlyMap<number, number>,
): AsyncGenerator<Outcome> {
  let after = '';
  for (;;) {
    const numbers = await repo.accountNumbersAfter(db, after, PAGE);
    for (const n of numbers) {
      if (!seen.has(Number(n))) {
        yield {
          count: 'missing',
          note: {
            field: 'Лицевой счёт',
            message: `Лицевой счёт ${n} есть в базе, но нет в файле: он не удалён.`,
          },
        };
      }
    }
    if (numbers.length < PAGE) {
      return;
    }
    after = numbers[numbers.length - 1]!;
  }
}
