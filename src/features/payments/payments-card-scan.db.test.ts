// security.md row 14: no card number reaches the portal's database, logs or files. Cards are paid,
// refused, mistyped and 3-D Secured through the sandbox bank with every log line captured (debug
// level), then the database (every table, every column), the captured logs and every file under
// DATA_DIR (and the SQLite files) are scanned for 13–19-digit numbers that pass the Luhn check.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { Agent, testConfig, testDialects } from '../../../test/helpers.ts';
import { createTestDb, type TestDb } from '../../../test/db.ts';
import { buildApp } from '../../app/app.ts';
import { ManualClock } from '../../platform/clock.ts';
import { ensureDemoData } from '../../tools/demo/seed-demo.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { luhnValid } from './card.ts';

/**
 * Card-like numbers in text: runs of 13–19 digits, or 4-digit groups split by spaces or dashes,
 * standing on their own. Digits inside a word or a hex string (a SHA-256 hash, a checksum, a UUID)
 * or right after a decimal point (pino's responseTime) are not a card number.
 */
function findCardNumbers(text: string): string[] {
  const found: string[] = [];
  const candidates = [
    ...text.matchAll(/(?<![0-9A-Za-z.])\d{13,19}(?![0-9A-Za-z])/g),
    ...text.matchAll(/(?<![0-9A-Za-z.])\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}(?![0-9A-Za-z])/g),
  ];
  for (const m of candidates) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      found.push(m[0]);
    }
  }
  return found;
}

/**
 * The card numbers this test types, as they could be written out: the digits alone, or in groups
 * of four split by spaces or dashes. The files are scanned for these rather than for any
 * Luhn-valid run: SQLite writes a row's values side by side with no separator, so two adjacent
 * digit columns (a bank's 12-digit RRN and its 6-digit approval code) read as one 18-digit
 * number, a tenth of the time Luhn-valid.
 */
function findTypedCards(text: string): string[] {
  return CARDS.flatMap((card) => {
    const digits = card.replace(/\D/g, '');
    const groups = digits.match(/\d{1,4}/g)!;
    return [digits, groups.join(' '), groups.join('-')].filter((form) => text.includes(form));
  });
}

/** Instants (`at`, `*_at`) are epoch milliseconds — 13 digits, a tenth of them Luhn-valid — not cards. */
const isInstantColumn = (column: string) => column === 'at' || column.endsWith('_at');

const CARDS = [
  '4111 1111 1111 1111',
  '5555555555555599',
  '4000-0000-0000-0002',
  '5105105105105100',
  '4111 1111 1111 1112',
];

for (const dialect of await testDialects()) {
  describe(`no card number is kept anywhere (${dialect})`, () => {
    let db: TestDb;
    let app: FastifyInstance;
    let dataDir: string;
    const logs: string[] = [];

    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-cardscan-'));
      db = await createTestDb(dialect);
      const clock = new ManualClock('2026-06-10T05:00:00.000Z');
      const config = testConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
      await ensureDemoData(db.db, clock.now(), config.timeZone);
      const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
      app = await buildApp({ config, db: db.db, clock, logger });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('the scanner finds card numbers written in the usual ways, and not other long numbers', () => {
      assert.deepEqual(findCardNumbers('pan=4111111111111111;'), ['4111111111111111']);
      assert.deepEqual(findCardNumbers('"card":"5555 5555 5555 4444"'), ['5555 5555 5555 4444']);
      assert.deepEqual(findCardNumbers('4000-0000-0000-0002'), ['4000-0000-0000-0002']);
      assert.deepEqual(findCardNumbers('order LK260610-ABCDEFGH account 1705057190 rrn 123456789012'), []);
      assert.deepEqual(findCardNumbers('4111111111111112'), [], 'not Luhn-valid');
      assert.deepEqual(findCardNumbers('"responseTime":0.8372219999998833'), [], 'a fraction');
      assert.deepEqual(findCardNumbers('checksum=9F4111111111111111AB'), [], 'digits inside a hex string');
      assert.deepEqual(
        findCardNumbers('id=f1a2b3c4-4111-4111-4111-111111111111'),
        [],
        'digits inside a UUID',
      );
    });

    test('paying, failing and mistyping cards leaves no card number in the database, the logs or DATA_DIR', async () => {
      const agent = new Agent(app, '10.70.0.1');
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      const bank = app.payments.sandbox!;
      const newOrder = async () => {
        const form = (await agent.get('/cabinet/payment')).body;
        const key = /name="key" value="([^"]+)"/.exec(form)![1]!;
        const res = await agent.post('/cabinet/payment', { key, amount: '980' });
        return new URL(String(res.headers.location)).searchParams.get('mdOrder')!;
      };
      const payWith = (mdOrder: string, pan: string) =>
        agent.post('/sandbox-bank/pay', { mdOrder, pan, expiry: '12/30', cvc: '123' });

      const first = await newOrder();
      // Declined, unknown, mistyped.
      for (const pan of CARDS.slice(2)) {
        await payWith(first, pan);
      }
      await payWith(first, CARDS[0]!);
      const second = await newOrder();
      await payWith(second, CARDS[1]!);
      await agent.post('/sandbox-bank/3ds', { mdOrder: second, code: '12345678' });
      await bank.idle();
      for (const mdOrder of [first, second]) {
        await agent.get(`/cabinet/payment/return?orderId=${mdOrder}&lang=ru`);
      }
      const paid = await db.db.kysely
        .selectFrom('payment_orders')
        .select('status')
        .where('status', '=', 'paid')
        .execute();
      assert.equal(paid.length, 2, 'both orders were paid: the cards did go through the bank');
      assert.ok(logs.length > 20, 'the logs were captured');

      // The database: every column of every table.
      const tables =
        dialect === 'sqlite'
          ? (
              await sql<{
                name: string;
              }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
                db.db.kysely,
              )
            ).rows.map((r) => r.name)
          : (
              await sql<{
                name: string;
              }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(
                db.db.kysely,
              )
            ).rows.map((r) => r.name);
      assert.ok(tables.includes('payment_orders') && tables.includes('audit_log'));
      const scanDb = async () => {
        const hits: string[] = [];
        let values = 0;
        for (const table of tables) {
          const rows = (
            await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.db.kysely)
          ).rows;
          for (const row of rows) {
            for (const [column, value] of Object.entries(row)) {
              if (value === null || (typeof value === 'number' && isInstantColumn(column))) {
                continue;
              }
              values++;
              const text =
                typeof value === 'string'
                  ? value
                  : typeof value === 'number' || typeof value === 'bigint'
                    ? value.toString()
                    : JSON.stringify(value);
              for (const hit of findCardNumbers(text)) {
                hits.push(`${table}.${column}: ${hit}`);
              }
            }
          }
        }
        assert.ok(values > 500);
        return hits;
      };
      // The logs, line by line (pino's own "time" is an instant).
      const scanLogs = () =>
        logs.flatMap((line) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          delete entry.time;
          return findCardNumbers(JSON.stringify(entry));
        });
      // Files: everything under DATA_DIR (e.g. a mail outbox), and the SQLite database files as bytes.
      const scanFiles = () => {
        const files: string[] = [];
        const walk = (dir: string) => {
          for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
              walk(p);
            } else {
              files.push(p);
            }
          }
        };
        walk(dataDir);
        if (dialect === 'sqlite') {
          for (const f of fs.readdirSync(path.dirname(db.url))) {
            files.push(path.join(path.dirname(db.url), f));
          }
        }
        return files.flatMap((f) =>
          findTypedCards(fs.readFileSync(f).toString('latin1')).map((h) => `${f}: ${h}`),
        );
      };

      assert.deepEqual(await scanDb(), [], 'no card number in the database');
      assert.deepEqual(scanLogs(), [], 'no card number in the logs');
      assert.deepEqual(scanFiles(), [], 'no card number in the files');

      // The scans do see a card number where there is one.
      await db.db.kysely
        .insertInto('audit_log')
        .values({
          at: 0,
          event: 'control',
          outcome: 'x',
          account_number: null,
          ip: null,
          details: '{"n":"4111 1111 1111 1111"}',
        })
        .execute();
      app.log.info({ control: '5555555555555599' }, 'control line');
      fs.mkdirSync(path.join(dataDir, 'outbox'), { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'outbox', 'control.eml'), 'Card: 4000-0000-0000-0002\r\n');
      assert.equal((await scanDb()).length, 1);
      assert.equal(scanLogs().length, 1);
      assert.ok(scanFiles().length >= 1);
    });
  });
}
