import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { bulkAccounts } from '../../../test/db.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { subscribeAccounts } from '../../../test/mail-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { formatInteger, formatKwhRu, formatRublesRu } from '../../domain/format.ts';
import { runNextClosingJob } from '../../features/billing/closing-job.ts';

// The accountant's month closing page: who may open it, the start asked twice, one closing at a
// time, the progress while it runs, the summary equal to the charges, and the confirmation that is
// audited and queues the bill mailing. Both the start and the confirmation need a reason.

const ACCOUNTS = 30;
/** Accounts without a May reading but with four months of readings before: charged the п.59 average. */
const AVERAGED = 4;
const START_REASON = 'График закрытия, приказ № 12';
const CONFIRM_REASON = 'Итоги сверены с отчётом';

/** `s` as a pattern in which any space (the figures' no-break ones too) may be missing or another. */
const loose = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s/g, '\\s?');

for (const dialect of await testDialects()) {
  describe(`month closing in the back office (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let accountantId: number;
    let operator: Agent;
    let admin: Agent;

    const jobs = () => t.db.kysely.selectFrom('closing_jobs').selectAll().orderBy('id').execute();
    const runJob = (batchSize = 10) =>
      runNextClosingJob(
        {
          db: t.db,
          clock: t.clock,
          timeZone: t.config.timeZone,
          limits: t.config.billing,
          readingsLastDay: t.config.readingsLastDay,
        },
        { owner: 'test', leaseMs: 60_000, batchSize },
      );

    before(async () => {
      t = await createTestApp(dialect, { demo: false });
      await ensureReferenceData(t.db.kysely, 2026);
      await bulkAccounts(t.db, ACCOUNTS, '2026-04');
      // A third of those accounts send no May reading and have one reading only: the norm (п.60).
      // Four of them get a December reading too, four months of history: the average (п.59).
      const silent = await t.db.kysely
        .selectFrom('readings as r')
        .select(['r.account_id', 'r.meter_id', 'r.value1'])
        .where('r.reading_date', '=', '2026-04-20')
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('readings as m')
                .select('m.id')
                .whereRef('m.account_id', '=', 'r.account_id')
                .where('m.reading_date', '>', '2026-04-20'),
            ),
          ),
        )
        .orderBy('r.account_id')
        .limit(AVERAGED)
        .execute();
      assert.equal(silent.length, AVERAGED);
      await t.db.kysely
        .insertInto('readings')
        .values(
          silent.map((r) => ({
            account_id: Number(r.account_id),
            meter_id: Number(r.meter_id),
            reading_date: '2025-12-20',
            value1: Number(r.value1) - 400,
            channel: 'bill',
            status: 'accepted',
            submitted_at: 0,
          })),
        )
        .execute();
      const ids = await t.db.kysely.selectFrom('accounts').select('id').orderBy('id').limit(12).execute();
      await subscribeAccounts(
        t.db,
        ids.map((r) => Number(r.id)),
      );
      const a = await staffAgent(t, 'buh', ['accountant'], '10.0.0.8');
      accountant = a.agent;
      accountantId = a.id;
      operator = (await staffAgent(t, 'oper', ['operator'], '10.0.0.9')).agent;
      admin = (await staffAgent(t, 'adm', ['admin'], '10.0.0.10')).agent;
    });
    after(async () => t.close());

    test('only accountants open it; the start page links them to it', async () => {
      assert.equal((await operator.get('/office/closing')).statusCode, 403);
      assert.equal((await admin.get('/office/closing')).statusCode, 403);
      const start = await operator.post('/office/closing', {
        period: '2026-05',
        confirm: 'yes',
        reason: START_REASON,
      });
      assert.equal(start.statusCode, 403);
      assert.equal((await jobs()).length, 0);
      assert.match((await accountant.get('/office')).body, /href="\/office\/closing"/);
      assert.doesNotMatch((await operator.get('/office')).body, /href="\/office\/closing"/);
      const page = await accountant.get('/office/closing');
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Следующий месяц к закрытию: 2026 Май/);
      assert.match(textOf(page.body), /2026 Апрель закрыт/);
      assert.equal(page.headers.refresh, undefined);
    });

    test('the start is asked again and stores nothing until confirmed; a period not closable is refused', async () => {
      const ask = await accountant.post('/office/closing', { period: '2026-05' });
      assert.equal(ask.statusCode, 200);
      assert.match(textOf(ask.body), /Закрыть месяц 2026 Май\?/);
      assert.match(ask.body, /name="confirm" value="yes"/);
      assert.match(ask.body, /<label for="closing-reason">Основание/);
      assert.equal((await jobs()).length, 0);
      for (const [period, message] of [
        ['2026-06', /2026 Июнь ещё не закончился/],
        ['2026-04', /2026 Апрель уже закрыт/],
        ['май', /Период не распознан/],
      ] as const) {
        const res = await accountant.post('/office/closing', {
          period,
          confirm: 'yes',
          reason: START_REASON,
        });
        assert.equal(res.statusCode, 409, period);
        assert.match(textOf(res.body), message);
      }
      const noCsrf = await accountant.post('/office/closing', {
        period: '2026-05',
        confirm: 'yes',
        reason: START_REASON,
        _csrf: '',
      });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal((await jobs()).length, 0);
    });

    test('the start without a reason is asked again with the message, keeps what was typed, queues nothing', async () => {
      for (const reason of [undefined, '', '   \n\t ']) {
        const form = { period: '2026-05', confirm: 'yes', ...(reason === undefined ? {} : { reason }) };
        const res = await accountant.post('/office/closing', form);
        assert.equal(res.statusCode, 400, JSON.stringify(reason));
        assert.match(textOf(res.body), /Закрыть месяц 2026 Май\?/);
        assert.match(res.body, /id="closing-reason-error"[^>]*>[^<]*Укажите причину/);
        assert.match(res.body, /id="closing-reason"[^>]*aria-invalid="true"/);
      }
      const typed = await accountant.post('/office/closing', {
        period: '2026-05',
        confirm: 'yes',
        reason: 'x'.repeat(501),
      });
      assert.equal(typed.statusCode, 400);
      assert.match(textOf(typed.body), /не больше 500 символов/);
      assert.match(typed.body, /value="x{501}"/);
      assert.equal((await jobs()).length, 0);
      assert.equal((await auditRows(t, 'closing.start')).length, 0);
      // A period that cannot be closed is refused for that first, whatever the reason.
      const early = await accountant.post('/office/closing', { period: '2026-06', confirm: 'yes' });
      assert.equal(early.statusCode, 409);
      assert.match(textOf(early.body), /2026 Июнь ещё не закончился/);
    });

    test('confirmed, it is queued and audited with its reason; a second start is refused while it runs', async () => {
      const res = await accountant.post('/office/closing', {
        period: '2026-05',
        confirm: 'yes',
        reason: `  ${START_REASON}\n`,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/office/closing');
      const [job] = await jobs();
      assert.equal(job?.state, 'queued');
      assert.equal(Number(job?.requested_by), accountantId);
      const audit = await auditRows(t, 'closing.start');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.staffUserId, accountantId);
      assert.equal(audit[0]!.ip, '10.0.0.8');
      assert.deepEqual(audit[0]!.details, {
        target: '2026-05',
        reason: START_REASON,
        before: { job: null },
        after: { job: Number(job.id), state: 'queued' },
      });
      // Brought up to date by a link; by the browser itself only when asked to (no meta refresh).
      const page = await accountant.get('/office/closing');
      assert.match(textOf(page.body), /Закрытие в очереди/);
      assert.match(page.body, /href="\/office\/closing">Обновить</);
      assert.equal(page.headers.refresh, undefined);
      assert.doesNotMatch(page.body, /http-equiv/);
      const auto = await accountant.get('/office/closing?auto=1');
      assert.equal(auto.headers.refresh, '5; url=/office/closing?auto=1');
      assert.match(auto.body, /href="\/office\/closing">Не обновлять автоматически</);
      const again = await accountant.post('/office/closing', {
        period: '2026-05',
        confirm: 'yes',
        reason: START_REASON,
      });
      assert.equal(again.statusCode, 409);
      assert.match(textOf(again.body), /Уже идёт закрытие \(2026 Май\): дождитесь его окончания\./);
      assert.equal((await jobs()).length, 1);
    });

    test('while it runs: accounts done of total, the rate and the time left', async () => {
      const now = t.clock.now().getTime();
      await t.db.kysely
        .updateTable('closing_jobs')
        .set({
          state: 'running',
          total: ACCOUNTS,
          done: 12,
          run_done_from: 0,
          run_started_at: now - 4000,
          progress_at: now,
        })
        .execute();
      const page = textOf((await accountant.get('/office/closing')).body);
      assert.match(page, /Лицевых счетов: 12 из 30 \(40%\); счетов в секунду: 3; осталось около 6 с\./);
      await t.db.kysely
        .updateTable('closing_jobs')
        .set({ state: 'queued', total: 0, done: 0, run_started_at: null, progress_at: null })
        .execute();
    });

    test('done: the summary equals the charges, and confirming it is audited and queues the bills', async () => {
      assert.equal(await runJob(), true);
      const page = await accountant.get('/office/closing?auto=1');
      assert.equal(page.headers.refresh, undefined, 'no reloading once the closing is done');
      const charges = await t.db.kysely
        .selectFrom('charges')
        .select(['method', 'kwh', 'amount_kop', 'odn_kop', 'recalc_kop'])
        .where('period', '=', '2026-05')
        .execute();
      const sum = (rows: typeof charges) => rows.reduce((a, r) => a + Number(r.amount_kop), 0);
      const total = charges.reduce(
        (a, r) => a + Number(r.amount_kop) + Number(r.odn_kop) + Number(r.recalc_kop),
        0,
      );
      const text = textOf(page.body);
      for (const [method, title] of [
        ['readings', 'по показаниям'],
        ['average', 'по среднему \\(п\\. 59\\)'],
        ['norm', 'по нормативу \\(п\\. 60\\)'],
      ] as const) {
        const rows = charges.filter((c) => c.method === method);
        assert.ok(rows.length > 0, method);
        if (method === 'average') {
          assert.equal(rows.length, AVERAGED);
          // 400 kWh over the four months from 20 December to 20 April, about 100 a month.
          assert.ok(
            rows.every((r) => Number(r.kwh) >= 95 && Number(r.kwh) <= 105),
            'the average kWh',
          );
        }
        const kwh = rows.reduce((a, r) => a + Number(r.kwh), 0);
        const figures = `${formatInteger(rows.length)} ${formatKwhRu(kwh)} ${formatRublesRu(sum(rows))}`;
        assert.match(text, new RegExp(`${title} ${loose(figures)}`));
      }
      assert.match(text, new RegExp(`Всего ${ACCOUNTS} .*? ${loose(formatRublesRu(total))}`));
      assert.match(text, /Итоги закрытия: 2026 Май/);
      assert.equal(
        (await t.db.kysely.selectFrom('mail_outbox').select('id').where('period', '=', '2026-05').execute())
          .length,
        0,
      );

      const job = (await jobs())[0]!;
      const confirmUrl = `/office/closing/${job.id}/confirm`;
      assert.equal((await operator.post(confirmUrl, { reason: CONFIRM_REASON })).statusCode, 403);
      assert.match(page.body, /<label for="confirm-reason">Основание/);
      for (const reason of [undefined, ' \n ']) {
        const refused = await accountant.post(confirmUrl, reason === undefined ? {} : { reason });
        assert.equal(refused.statusCode, 400);
        assert.match(refused.body, /id="confirm-reason-error"[^>]*>[^<]*Укажите причину/);
        assert.match(textOf(refused.body), /Итоги закрытия: 2026 Май/);
        assert.doesNotMatch(textOf(refused.body), /Итоги подтверждены/);
      }
      const long = await accountant.post(confirmUrl, { reason: 'я'.repeat(600) });
      assert.equal(long.statusCode, 400);
      assert.match(long.body, /value="я{600}"/);
      assert.equal((await jobs())[0]!.confirmed_at, null);
      assert.equal((await auditRows(t, 'closing.confirm')).length, 0);
      assert.equal(
        (await t.db.kysely.selectFrom('mail_outbox').select('id').where('period', '=', '2026-05').execute())
          .length,
        0,
      );
      const res = await accountant.post(confirmUrl, { reason: CONFIRM_REASON });
      assert.equal(res.statusCode, 200);
      assert.match(textOf(res.body), /Итоги за 2026 Май подтверждены\. Квитанций в очереди рассылки: 12\./);
      assert.match(textOf(res.body), /Итоги подтверждены/);
      const outbox = await t.db.kysely
        .selectFrom('mail_outbox')
        .select(['kind', 'status'])
        .where('period', '=', '2026-05')
        .execute();
      assert.equal(outbox.length, 12);
      assert.ok(outbox.every((m) => m.kind === 'bill' && m.status === 'queued'));
      const audit = await auditRows(t, 'closing.confirm');
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.staffUserId, accountantId);
      assert.equal(audit[0]!.details!.reason, CONFIRM_REASON);
      assert.deepEqual(audit[0]!.details!.before, { confirmed: false });
      const after = audit[0]!.details!.after as {
        summary: { totalKop: number; accounts: number };
        billsQueued: number;
      };
      assert.equal(after.summary.totalKop, total);
      assert.equal(after.summary.accounts, ACCOUNTS);
      assert.equal(after.billsQueued, 12);

      const twice = await accountant.post(confirmUrl, { reason: CONFIRM_REASON });
      assert.equal(twice.statusCode, 409);
      assert.match(textOf(twice.body), /уже подтверждены/);
      assert.equal((await auditRows(t, 'closing.confirm')).length, 1);
      const next = textOf((await accountant.get('/office/closing')).body);
      assert.match(next, /Следующий месяц к закрытию: 2026 Июнь|Закрывать пока нечего/);
    });
  });
}
