import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Agent, createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { dateInZone } from '../../domain/dates.ts';
import { exportReadings, parseDecisionsCsv, reviewReadings } from './readings.backoffice.ts';
import { portalArgs } from '../../../test/portal-process.ts';

const run = promisify(execFile);

for (const dialect of await testDialects()) {
  describe(`the specialists' export and review (${dialect})`, () => {
    let t: TestApp;
    let reviewId: number;
    before(async () => {
      t = await createTestApp(dialect);
      const agent = new Agent(t.app, '10.50.0.1');
      await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const page = (await agent.get('/cabinet')).body;
      const form = {
        meter: /name="meter" value="(\d+)"/.exec(page)![1]!,
        key: /name="key" value="([^"]+)"/.exec(page)![1]!,
      };
      const res = await agent.post('/cabinet/readings', { ...form, v1: '28000', confirm: 'yes' });
      reviewId = Number(/reading=(\d+)/.exec(String(res.headers.location))![1]);
    });
    after(async () => t.close());

    async function collect(opts: Parameters<typeof exportReadings>[1]) {
      let text = '';
      const n = await exportReadings(t.db.kysely, opts, (c) => {
        text += c;
      });
      return { n, text };
    }

    test('CSV in UTF-8: account, meter, zone values, date, channel, status, reason', async () => {
      const { n, text } = await collect({ from: '2026-06-01', to: '2026-06-30', format: 'csv' });
      assert.equal(n, 2); // the seed's 2026-06-03 reading and today's
      assert.ok(
        text.startsWith(
          '\ufeffid,account,meter,zone1,zone2,zone3,zones,date,channel,status,reason,billing_period,submitted_at\n',
        ),
      );
      const rows = parse<Record<string, string>>(text, { columns: true, bom: true });
      const mine = rows.find((r) => Number(r.id) === reviewId)!;
      assert.deepEqual(
        { ...mine, submitted_at: undefined },
        {
          id: String(reviewId),
          account: DEMO_ACCOUNT.number,
          meter: '168077',
          zone1: '28000',
          zone2: '',
          zone3: '',
          zones: 'single',
          date: '2026-06-10',
          channel: 'internet',
          status: 'review',
          reason: 'rollover',
          billing_period: '2026-06',
          submitted_at: undefined,
        },
      );
      assert.equal(mine.submitted_at, '2026-06-10T05:00:00.000Z');
    });

    test('JSON, filtered by channel; an empty range is an empty array', async () => {
      const { text } = await collect({
        from: '2025-01-01',
        to: '2026-12-31',
        format: 'json',
        channels: ['grid'],
      });
      const rows = JSON.parse(text) as Array<{ date: string; channel: string; zone1: number }>;
      assert.deepEqual(
        rows.map((r) => [r.date, r.channel, r.zone1]),
        [['2025-01-25', 'grid', 20120]],
      );
      assert.deepEqual(
        JSON.parse((await collect({ from: '2000-01-01', to: '2000-01-31', format: 'json' })).text),
        [],
      );
      await assert.rejects(collect({ from: '2026-06-31', to: '2026-07-01', format: 'csv' }), /YYYY-MM-DD/);
    });

    test('review: decisions apply once, to readings under review only, each audited', async () => {
      const res = await reviewReadings(
        t.db.kysely,
        [
          { id: reviewId, decision: 'rejected', note: 'опечатка' },
          { id: 999_999, decision: 'accepted' },
        ],
        {
          now: () => t.clock.now(),
          operator: 'ivanova',
        },
      );
      assert.deepEqual(
        res.map((r) => r.result),
        ['done', 'not_found'],
      );
      const again = await reviewReadings(t.db.kysely, [{ id: reviewId, decision: 'accepted' }], {
        now: () => t.clock.now(),
        operator: 'x',
      });
      assert.equal(again[0]!.result, 'not_under_review');
      const row = await t.db.kysely
        .selectFrom('readings')
        .select('status')
        .where('id', '=', reviewId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'rejected');
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('event', '=', 'reading_review')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.outcome, 'rejected');
      assert.equal(audit[0]!.account_number, DEMO_ACCOUNT.number);
      assert.deepEqual(JSON.parse(audit[0]!.details!), {
        readingId: reviewId,
        operator: 'ivanova',
        note: 'опечатка',
        before: { status: 'review', heldFor: 'rollover' },
        after: { status: 'rejected', reviewReason: 'опечатка' },
      });
    });

    test('decisions CSV: header id,decision[,note]; Russian words too; bad lines name their line', () => {
      assert.deepEqual(
        parseDecisionsCsv('\ufeffid,decision,note\n12,accept,\n13,Отклонить,"двойной, повтор"\n'),
        [
          { id: 12, decision: 'accepted' },
          { id: 13, decision: 'rejected', note: 'двойной, повтор' },
        ],
      );
      assert.throws(() => parseDecisionsCsv('id,decision\n12,maybe\n'), /line 2: decision "maybe"/);
      assert.throws(
        () => parseDecisionsCsv('id,decision\nabc,accept\n'),
        /line 2: "abc" is not a reading id/,
      );
    });
  });
}

describe('the CLI commands', () => {
  test(
    'migrate, seed-demo, readings-export and readings-review run as commands with exit codes',
    { timeout: 120_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-cli-'));
      const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent' };
      const cli = (...args: string[]) => run(process.execPath, portalArgs('cli', args), { env });
      try {
        assert.match(
          (await cli('migrate')).stdout,
          /applied: 2026112701_initial, 2026112702_reading_submissions/,
        );
        assert.match((await cli('migrate')).stdout, /up to date/);
        assert.match((await cli('seed-demo')).stdout, /demo data created/);
        const out = path.join(dir, 'r.csv');
        const year = Number(dateInZone(new Date(), 'Asia/Krasnoyarsk').slice(0, 4)); // as seed-demo sees it
        const exp = await cli(
          'readings-export',
          '--from',
          `${year - 1}-01-01`,
          '--to',
          `${year}-12-31`,
          '--out',
          out,
        );
        assert.match(exp.stderr, /exported 22 readings/);
        assert.equal(fs.readFileSync(out, 'utf8').trim().split('\n').length, 23);
        await assert.rejects(
          cli('readings-export', '--from', '2026-01-01'),
          (e: { code: number }) => e.code === 2,
        );
        await assert.rejects(
          cli('readings-review', '--accept', '1'),
          (e: { code: number; stdout: string }) => e.code === 1 && /not_under_review/.test(e.stdout),
        );
        await assert.rejects(cli('no-such-command'), (e: { code: number }) => e.code === 2);
        // Misspelt options and stray arguments are refused (exit 2) before anything is done.
        const usage = (message: RegExp) => (e: { code: number; stderr: string }) =>
          e.code === 2 && message.test(e.stderr);
        await assert.rejects(cli('migrate', '--bogus'), usage(/Unknown option '--bogus'/));
        await assert.rejects(cli('seed-demo', 'extra'), usage(/Unexpected argument 'extra'/));
        await assert.rejects(cli('quickstart', '--port=4000'), usage(/Unknown option '--port'/));
        await assert.rejects(cli('generate', '--acounts', '5'), usage(/Unknown option '--acounts'/));
        await assert.rejects(cli('close-month', '2026-01', '2026-02'), usage(/one period/));
        await assert.rejects(
          cli(
            'readings-export',
            '--from',
            `${year}-01-01`,
            '--to',
            `${year}-12-31`,
            '--channel',
            'internet,nonsense',
          ),
          usage(/unknown --channel nonsense: the channels are internet, grid/),
        );
        const internet = await cli(
          'readings-export',
          '--from',
          `${year - 1}-01-01`,
          '--to',
          `${year}-12-31`,
          '--channel',
          'internet',
        );
        // Only the internet ones: some, but fewer than all 22 (the demo history has other channels too).
        const exported = Number(/exported (\d+) readings/.exec(internet.stderr)?.[1]);
        assert.ok(exported > 0 && exported < 22, internet.stderr);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
