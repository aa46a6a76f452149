import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { accountsFormat } from './accounts.format.ts';
import { summaryLines } from './summary.ts';

// The shared setup of the accounts import's tests (accounts.db.test.ts, accounts-refused.db.test.ts):
// a demo database, the import as the CLI runs it, and what it left. It holds no test.

export const SAMPLE = path.join(import.meta.dirname, '../../../samples/accounts.csv');
export const NOW = '2026-06-10T05:00:00.000Z';
export const REGION = 'Республика Хакасия';
export const HEADER =
  'Лицевой счёт;Фамилия;Имя;Отчество;Населённый пункт;Улица;Дом;Квартира;Проживающих;Площадь;Тарифная группа;Адрес доставки;Телефон;E-mail';

export function tmpFile(content: string | Buffer): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-accounts-')), 'accounts.csv');
  fs.writeFileSync(file, content);
  return file;
}

export async function importAccounts(
  db: Db,
  file: string,
  opts: { apply?: boolean; full?: boolean; branch?: string } = {},
): Promise<{ summary: ImportSummary; report: string; lines: string[] }> {
  const clock = new ManualClock(NOW);
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const format = accountsFormat({ region: REGION, full: opts.full ?? false, branch: opts.branch, clock });
  const summary = await runImport(db.kysely, format, file, {
    apply: opts.apply ?? true,
    clock,
    reportPath,
    source: { encoding: 'auto', delimiter: 'auto' },
  });
  return {
    summary,
    report: fs.readFileSync(reportPath, 'utf8'),
    lines: summaryLines(summary, format.labels, 'Строк с лицевыми счетами'),
  };
}

export async function withDb(
  dialect: 'sqlite' | 'postgres',
  fn: (t: TestDb) => Promise<void>,
): Promise<void> {
  const t = await createTestDb(dialect);
  try {
    await ensureDemoData(t.db, new Date(NOW));
    await fn(t);
  } finally {
    await t.drop();
  }
}

export async function account(db: Db, number: string) {
  return db.kysely
    .selectFrom('accounts as a')
    .innerJoin('branches as b', 'b.id', 'a.branch_id')
    .innerJoin('tariff_plans as t', 't.id', 'a.tariff_plan_id')
    .select([
      'a.surname',
      'a.first_name',
      'a.patronymic',
      'a.object_address',
      'a.delivery_address',
      'a.area_e2',
      'a.residents',
      'a.phone',
      'a.imported_email',
      'a.settlement_code',
      'a.address_key',
      'b.code as branch',
      't.code as tariff',
    ])
    .where('a.number', '=', number)
    .executeTakeFirst();
}

export async function countAccounts(db: Db): Promise<number> {
  const r = await db.kysely
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function importAudits(db: Db) {
  const rows = await db.kysely
    .selectFrom('audit_log')
    .select(['account_number', 'outcome', 'details'])
    .where('event', '=', 'account_import')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details ?? '{}') as Record<string, unknown> }));
}

/** A valid line; any field can be replaced. */
export function line(number: string, f: Partial<Record<number, string>> = {}): string {
  const fields = [
    number,
    'Смирнов',
    'Иван',
    'Иванович',
    'г. Абакан',
    'ул. Мира',
    '10',
    '5',
    '2',
    '48,5',
    'single',
    '',
    '',
    '',
  ];
  for (const [i, v] of Object.entries(f)) {
    fields[Number(i)] = v!;
  }
  return fields.join(';');
}
