import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createTestApp, testDialects } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

const TOKEN = 'metrics-token-for-the-tests-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** A metric's value in Prometheus's text format, by its name and labels as written. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const dialect of await testDialects()) {
  describe(`metrics (${dialect})`, () => {
    test('/metrics is not served without METRICS_TOKEN', async () => {
      const t = await createTestApp(dialect);
      try {
        const res = await t.app.inject({ url: '/metrics', headers: AUTH });
        assert.equal(res.statusCode, 404);
      } finally {
        await t.close();
      }
    });

    test('/metrics refuses a missing or wrong token', async () => {
      const t = await createTestApp(dialect, { env: { METRICS_TOKEN: TOKEN } });
      try {
        for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }]) {
          const res = await t.app.inject({ url: '/metrics', headers });
          assert.equal(res.statusCode, 401);
          assert.equal(res.headers['www-authenticate'], 'Bearer');
          assert.doesNotMatch(res.body, /lk_|nodejs_/);
        }
      } finally {
        await t.close();
      }
    });

    test('requests by route pattern and status, the pool, the event loop, queues and orders', async () => {
      const t = await createTestApp(dialect, { env: { METRICS_TOKEN: TOKEN } });
      try {
        const agent = new Agent(t.app);
        assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
        assert.equal((await agent.get('/cabinet')).statusCode, 200);
        const secret = 'Zm9vYmFyLXNlY3JldC10b2tlbi1vZi00My1jaGFycw';
        await agent.get(`/mail/confirm/${secret}`);
        await agent.get('/no-such-page-12345');
        const accountId = Number(
          (
            await t.db.kysely
              .selectFrom('accounts')
              .select('id')
              .where('number', '=', DEMO_ACCOUNT.number)
              .executeTakeFirstOrThrow()
          ).id,
        );
        await t.db.kysely
          .insertInto('mail_outbox')
          .values(
            ['2026-03', '2026-04', '2026-05'].map((period) => ({
              account_id: accountId,
              period,
              kind: 'bill',
              status: 'queued',
              next_attempt_at: 0,
              created_at: 0,
              updated_at: 0,
            })),
          )
          .execute();
        await t.db.kysely
          .insertInto('billing_periods')
          .values({ period: '2026-06', status: 'closing', started_at: 1_781_000_000_000 })
          .execute();

        const res = await t.app.inject({ url: '/metrics', headers: AUTH });
        assert.equal(res.statusCode, 200);
        assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
        const text = res.body;
        assert.equal(
          valueOf(
            text,
            'lk_http_request_duration_seconds_count{method="GET",route="/cabinet",status_code="200"}',
          ),
          2, // the login page, then the cabinet
        );
        assert.equal(
          valueOf(
            text,
            'lk_http_request_duration_seconds_count{method="POST",route="/login",status_code="303"}',
          ),
          1,
        );
        assert.ok(text.includes('route="/mail/confirm/:token"'));
        assert.ok(text.includes('route="(not found)",status_code="404"'));
        assert.ok(!text.includes(secret) && !text.includes('no-such-page'), 'no raw URL in the labels');
        assert.equal(valueOf(text, 'lk_mail_outbox_messages{status="queued"}'), 3);
        assert.equal(valueOf(text, 'lk_mail_outbox_messages{status="sending"}'), 0);
        assert.equal(valueOf(text, 'lk_billing_closing_periods'), 1);
        assert.equal(valueOf(text, 'lk_billing_closing_started_timestamp_seconds'), 1_781_000_000);
        assert.match(text, /^# TYPE lk_payment_orders gauge$/m);
        assert.ok((valueOf(text, 'nodejs_eventloop_lag_p99_seconds') ?? -1) >= 0);
        if (dialect === 'postgres') {
          assert.ok((valueOf(text, 'lk_db_pool_connections') ?? 0) >= 1);
          assert.equal(valueOf(text, 'lk_db_pool_waiting_requests'), 0);
        } else {
          assert.ok((valueOf(text, 'lk_db_sqlite_size_bytes') ?? 0) > 4096);
        }
        assert.equal(valueOf(text, 'lk_metrics_collect_failures_total'), undefined);
      } finally {
        await t.close();
      }
    });
  });
}
