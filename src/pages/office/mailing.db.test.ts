import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { bulkAccounts } from '../../../test/db.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';

// The accountant's bill mailing: each period's counts by state (bounced among them), the latest
// errors, and the failed bills of a period queued again with a mandatory reason, audited; the
// bounced ones are not.

for (const dialect of await testDialects()) {
  describe(`bill mailing in the back office (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let operator: Agent;
    let numbers: string[];

    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      const k = t.db.kysely;
      await ensureReferenceData(k, 2026);
      await bulkAccounts(t.db, 7, '2026-03');
      const accounts = await k.selectFrom('accounts').select(['id', 'number']).orderBy('id').execute();
      numbers = accounts.map((a) => a.number);
      const now = t.clock.now().getTime();
      const row = (i: number, period: string, status: string, lastError: string | null = null) => ({
        period,
        kind: 'bill',
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        account_id: Number(accounts[i]!.id),
        status,
        last_error: lastError,
        attempts: status === 'failed' ? 5 : 0,
      });
      await k
        .insertInto('mail_outbox')
        .values([
          row(0, '2026-05', 'sent'),
          row(1, '2026-05', 'sent'),
          row(2, '2026-05', 'sent'),
          row(3, '2026-05', 'failed', '550 mailbox unavailable: i***@example.ru'),
          row(4, '2026-05', 'failed', '550 mailbox unavailable: p***@example.ru'),
          row(5, '2026-05', 'queued'),
          row(6, '2026-05', 'bounced', '550 5.1.1 <e***@example.ru>: Recipient address rejected'),
          ...[0, 1, 2, 3].map((i) => row(i, '2026-04', 'sent')),
        ])
        .execute();
      accountant = (await staffAgent(t, 'buh', ['accountant'], '10.0.0.8')).agent;
      operator = (await staffAgent(t, 'oper', ['operator'], '10.0.0.9')).agent;
    });
    after(async () => t.close());

    async function counts(period: string) {
      const rows = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['status', 'attempts'])
        .where('period', '=', period)
        .execute();
      const by: Record<string, number> = {};
      for (const r of rows) {
        by[r.status] = (by[r.status] ?? 0) + 1;
      }
      return { by, attempts: rows.map((r) => Number(r.attempts)).sort() };
    }

    test('each period newest first with its counts, the latest errors, and a retry form where bills failed', async () => {
      const res = await accountant.get('/office/mailing');
      assert.equal(res.statusCode, 200);
      const rows = [...res.body.matchAll(/<tr><td data-label="Период">.*?<\/tr>/g)].map((m) =>
        [...m[0].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => textOf(c[1]!)),
      );
      assert.deepEqual(rows, [
        ['2026 Май', '7', '1', '3', '2', '0', '1'],
        ['2026 Апрель', '4', '0', '4', '0', '0', '0'],
      ]);
      assert.match(textOf(res.body), /Не отправлено\s+Отменено\s+Отказ получателя/);
      assert.match(
        textOf(res.body),
        new RegExp(`${numbers[3]}: 550 mailbox unavailable: i\\*\\*\\*@example\\.ru`),
      );
      assert.match(res.body, /name="period" value="2026-05"/);
      assert.doesNotMatch(res.body, /name="period" value="2026-04"/);
    });

    test('a retry without a reason is refused next to its field and changes nothing', async () => {
      const before = await counts('2026-05');
      const res = await accountant.post('/office/mailing/retry', { period: '2026-05', reason: '  ' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /id="retry-2026-05-error"[^>]*>Укажите причину/);
      assert.deepEqual(await counts('2026-05'), before);
      const bad = await accountant.post('/office/mailing/retry', { period: '2026-5', reason: 'x' });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(await counts('2026-05'), before);
    });

    test('a retry queues the failed bills again, attempts afresh, not the bounced, and is audited with its reason', async () => {
      const res = await accountant.post('/office/mailing/retry', {
        period: '2026-05',
        reason: 'SMTP-сервер починили',
      });
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /2026 Май: снова в очереди 2\./);
      const after = await counts('2026-05');
      assert.deepEqual(after.by, { sent: 3, queued: 3, bounced: 1 });
      assert.deepEqual(after.attempts, [0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual((await counts('2026-04')).by, { sent: 4 });
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .innerJoin('staff_users', 'staff_users.id', 'audit_log.staff_user_id')
        .select(['staff_users.login', 'audit_log.details', 'audit_log.ip'])
        .where('event', '=', 'mailing.retry')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.login, 'buh');
      assert.equal(audit[0]!.ip, '10.0.0.8');
      assert.deepEqual(JSON.parse(audit[0]!.details!), {
        reason: 'SMTP-сервер починили',
        target: '2026-05',
        before: { failed: 2 },
        after: { queued: 2 },
      });
    });

    test('an operator may not open it or retry', async () => {
      assert.equal((await operator.get('/office/mailing')).statusCode, 403);
      const res = await operator.post('/office/mailing/retry', { period: '2026-04', reason: 'x' });
      assert.equal(res.statusCode, 403);
    });
  });
}
