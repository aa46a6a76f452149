import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import type { Db } from '../../platform/db/connect.ts';
import { runImport, type ImportSummary } from './engine.ts';
import { registryFormat } from './registry.format.ts';
import { findProfile, loadProfiles } from './registry.profiles.ts';
import type { Encoding } from './encoding.ts';

// The shared setup of the registry import's tests (registry*.db.test.ts): a demo database, the
// import as the CLI runs it, a Sberbank-style line and file, and what registries left. It holds
// no test.

export const SAMPLES = path.join(import.meta.dirname, '../../../samples');
export const NOW = '2026-06-10T05:00:00.000Z';
export const profiles = loadProfiles();
export const deps = (clock: ManualClock) => ({ clock, timeZone: 'Asia/Krasnoyarsk', readingsLastDay: 25 });

export function tmpFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-registry-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export async function importFile(
  db: Db,
  file: string,
  opts: { profile?: string; apply?: boolean; encoding?: Encoding | 'auto' } = {},
): Promise<{ summary: ImportSummary; report: string }> {
  const clock = new ManualClock(NOW);
  const profile = findProfile(profiles, opts.profile ?? 'sberbank');
  const reportPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-report-')), 'report.csv');
  const summary = await runImport(db.kysely, registryFormat(profile, deps(clock)), file, {
    apply: opts.apply ?? true,
    clock,
    reportPath,
    source: { encoding: opts.encoding ?? profile.encoding, delimiter: profile.delimiter },
  });
  return { summary, report: fs.readFileSync(reportPath, 'utf8') };
}

/** What registries left in the database. */
export async function stateOf(db: Db) {
  const k = db.kysely;
  const pay = await k
    .selectFrom('payments')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('amount_kop').as('kop'),
      eb.fn.sum<number>('commission_kop').as('commission'),
    ])
    .where('external_id', 'like', 'registry:%')
    .executeTakeFirstOrThrow();
  const reg = await k
    .selectFrom('registry_payments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const unallocated = await k
    .selectFrom('registry_payments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'unallocated')
    .executeTakeFirstOrThrow();
  const bankReadings = await k
    .selectFrom('readings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('channel', '=', 'bank')
    .executeTakeFirstOrThrow();
  return {
    payments: Number(pay.n),
    kop: Number(pay.kop ?? 0),
    commission: Number(pay.commission ?? 0),
    registry: Number(reg.n),
    unallocated: Number(unallocated.n),
    bankReadings: Number(bankReadings.n),
  };
}

export const EMPTY = { payments: 0, kop: 0, commission: 0, registry: 0, unallocated: 0, bankReadings: 0 };

/** A Sberbank-style line; the fields can be replaced one by one. */
export function sber(
  op: string,
  f: { account?: string; amount?: string; date?: string; name?: string } = {},
): string {
  return [
    f.date ?? '05-06-2026',
    '10:00:00',
    '8602',
    '0012',
    op,
    f.account ?? '1705057190',
    f.name ?? 'ИВАНОВ ПЁТР СЕРГЕЕВИЧ',
    'г. Черногорск, ул. Бограда 71',
    '0526',
    f.amount ?? '100,00',
    '1,00',
    '',
  ].join(';');
}

export function sberFile(lines: string[], totals: string): Buffer {
  return iconv.encode([...lines, totals, ''].join('\r\n'), 'windows-1251');
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

/**
 * A ZIP archive of these text files, stored (not compressed): what a .docx or any archive looks
 * like to the first bytes of a file, for the tests that such a file is refused. The test's own
 * fixture, not a reader: no library in the dependencies writes ZIP files.
 */
export function zipOf(files: Record<string, string>): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const n = Buffer.from(name);
    const data = Buffer.from(text);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt32LE(zlib.crc32(data), 14);
    head.writeUInt32LE(data.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    head.copy(dir, 16, 14, 26); // crc and sizes
    dir.writeUInt16LE(n.length, 28);
    dir.writeUInt32LE(offset, 42);
    local.push(head, n, data);
    central.push(dir, n);
    offset += head.length + n.length + data.length;
  }
  const size = central.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, ...central, end]);
}
