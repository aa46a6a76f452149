import type { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import type { Db } from '../src/platform/db/connect.ts';
import { ensureReferenceData } from '../src/tools/demo/reference-data.ts';
import { addAccount } from './helpers.ts';

// A small set-up for the exports' tests (April and May 2026 closed), and their files read back.

/** A surname as an attacker would write it into a registry or a form. */
export const FORMULA_SURNAME = '=HYPERLINK("http://evil.example","Иванов")';

export interface ExportsSetUp {
  /** In debt all along: April 500,00, May 211,44 (a charge with ОДН and a recalculation, a registry payment). */
  a: number;
  /** The formula surname, over 1000 rub. two months in a row: 2000,00 then 2500,00. */
  b: number;
  /** An overpayment: −100,00 then −300,00. */
  c: number;
  /** Over 1000 rub. in May only: 0,00 then 1500,00. */
  d: number;
  /** No charge at all, a payment of 50,00 on 1 June. */
  e: number;
}

export async function exportsSetUp(db: Db): Promise<ExportsSetUp> {
  await ensureReferenceData(db.kysely, 2026);
  const k = db.kysely;
  const a = await addAccount(db, { number: '1000000001', surname: 'Иванова', serial: 'S1' });
  const b = await addAccount(db, { number: '1000000002', surname: FORMULA_SURNAME, serial: 'S2' });
  const c = await addAccount(db, { number: '1000000003', surname: 'Петрова', serial: 'S3' });
  const d = await addAccount(db, { number: '1000000004', surname: 'Сидорова', serial: 'S4' });
  const e = await addAccount(db, { number: '1700000005', surname: 'Новикова', serial: 'S5' });
  const charge = (
    accountId: number,
    period: string,
    m: {
      kwh?: number;
      amount?: number;
      odnKwh?: number;
      odn?: number;
      recalc?: number;
      paid?: number;
      start?: number;
      debt: number;
      method?: string;
    },
  ) => ({
    account_id: accountId,
    period,
    billed_on: period === '2026-04' ? '2026-04-30' : '2026-05-31',
    reading_id: null,
    reading_value: null,
    kwh: m.kwh ?? 0,
    amount_kop: m.amount ?? 0,
    odn_kwh: m.odnKwh ?? 0,
    odn_kop: m.odn ?? 0,
    method: m.method ?? 'norm',
    payments_kop: m.paid ?? 0,
    debt_start_kop: m.start ?? 0,
    debt_kop: m.debt,
    tariff_e5: 161000,
    details: null,
    recalc_kop: m.recalc ?? 0,
  });
  await k
    .insertInto('charges')
    .values([
      charge(a, '2026-04', { kwh: 310, amount: 50_000, debt: 50_000 }),
      charge(a, '2026-05', {
        kwh: 810,
        amount: 130_410,
        odnKwh: 7,
        odn: 1_234,
        recalc: -500,
        paid: 160_000,
        start: 50_000,
        debt: 21_144,
        method: 'readings',
      }),
      charge(b, '2026-04', { amount: 200_000, debt: 200_000 }),
      charge(b, '2026-05', { amount: 50_000, start: 200_000, debt: 250_000 }),
      charge(c, '2026-04', { paid: 10_000, debt: -10_000 }),
      charge(c, '2026-05', { paid: 20_000, start: -10_000, debt: -30_000 }),
      charge(d, '2026-04', { debt: 0 }),
      charge(d, '2026-05', { amount: 150_000, debt: 150_000 }),
    ])
    .execute();
  await k
    .insertInto('payments')
    .values([
      {
        account_id: a,
        paid_on: '2026-05-20',
        amount_kop: 160_000,
        commission_kop: 1_600,
        channel: 'bank',
        source: 'Сбербанк',
        external_id: 'registry:sberbank:100000000001',
        created_at: 0,
      },
      {
        account_id: a,
        paid_on: '2026-06-03',
        amount_kop: 10_000,
        channel: 'card',
        external_id: 'order-7',
        created_at: 0,
        commission_kop: 0,
        source: null,
      },
      {
        account_id: c,
        paid_on: '2026-04-10',
        amount_kop: 10_000,
        channel: 'post',
        external_id: null,
        created_at: 0,
        commission_kop: 0,
        source: null,
      },
      {
        account_id: c,
        paid_on: '2026-05-10',
        amount_kop: 20_000,
        channel: 'post',
        external_id: null,
        created_at: 0,
        commission_kop: 0,
        source: null,
      },
      {
        account_id: e,
        paid_on: '2026-06-01',
        amount_kop: 5_000,
        channel: 'office',
        external_id: '@cmd',
        created_at: 0,
        commission_kop: 0,
        source: null,
      },
    ])
    .execute();
  await k
    .insertInto('billing_periods')
    .values([
      { period: '2026-04', status: 'closed', started_at: 0, closed_at: 0 },
      { period: '2026-05', status: 'closed', started_at: 0, closed_at: 0 },
      { period: '2026-06', status: 'closing', started_at: 0, closed_at: null },
    ])
    .execute();
  return { a, b, c, d, e };
}

/** A stream's bytes. */
export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  }
  return Buffer.concat(chunks);
}

/** A file's text: UTF-8 (its BOM checked and dropped) or Windows-1251, decoded with iconv-lite. */
export function textOf(bytes: Buffer, encoding: 'utf8' | 'cp1251'): string {
  if (encoding === 'cp1251') {
    return iconv.decode(bytes, 'win1251');
  }
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM');
  return iconv.decode(bytes.subarray(3), 'utf8');
}

/** A CSV file's records, as a spreadsheet reads them (`;`, quotes, CRLF). */
export function recordsOf(bytes: Buffer, encoding: 'utf8' | 'cp1251'): string[][] {
  const text = textOf(bytes, encoding);
  assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends');
  return parse(text, { delimiter: ';', record_delimiter: '\r\n' });
}
