// End-to-end: an accountant closes a month from the back office, in Chromium (see support.ts,
// office-support.ts; JavaScript stays on for axe-core, the pages have no script). The demo's last
// closed month is opened again in the server's database (its charges removed), so that it is the
// month to close. The accountant starts the closing, confirms the question (a reason is asked for
// first), sees the closing's progress (the accounts done of the total, the rate, the time left:
// see `holdByDeadRunner`), asks the page to reload itself (the listening server's job runs the
// closing), then the summary, whose total is the charges' sum, and confirms it (a reason is asked
// for first). axe-core checks each page on the way, at a desktop's and a phone's width.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import path from 'node:path';
import { formatDecimalRu, formatInteger, formatRublesRu } from '../../src/domain/format.ts';
import { periodTitle } from '../../src/domain/dates.ts';
import { browserSuite, runScenario, SKIP, squash, type Server } from './support.ts';
import { accessible, enroll, isExpectedConsoleError, logIn, staffAdd, totpCode } from './office-support.ts';

/** Opens the demo's last closed month again; returns it. */
function reopenLastMonth(server: Server): string {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    const { period } = db
      .prepare(`select max(period) as period from billing_periods where status = 'closed'`)
      .get() as { period: string };
    db.transaction(() => {
      db.prepare('delete from charges where period = ?').run(period);
      db.prepare('delete from billing_periods where period = ?').run(period);
      db.prepare('update recalculations set applied_period = null where applied_period = ?').run(period);
    })();
    return period;
  } finally {
    db.close();
  }
}

/** The job as a runner that died leaves it: its figures, and when its lease ends. */
const DEAD_RUNNER = { total: 3000, done: 1000, runMs: 4000, leaseMs: 8000 };

/**
 * The demo has one account, which the server's own runner closes in one batch and records only
 * when it is done: nothing in between to show. So the job the accountant queues is held, as it is
 * inserted (a trigger: no race with the server's runner), as a runner of another instance leaves
 * it when it dies: claimed DEAD_RUNNER.runMs earlier, with the progress of a population of
 * DEAD_RUNNER.total accounts recorded (the figures the page must show), its lease running out
 * DEAD_RUNNER.leaseMs after the request. Its position (after_id) stays 0, so the server's runner,
 * taking the closing over when the lease ends, closes every account from the first and records
 * its own figures.
 */
function holdByDeadRunner(server: Server): void {
  const db = new Database(path.join(server.dataDir, 'portal.db'));
  try {
    db.exec(
      `create trigger dead_runner after insert on closing_jobs begin
         update closing_jobs set state = 'running', runs = 1, lease_owner = 'dead-runner:1',
           run_started_at = new.requested_at - ${DEAD_RUNNER.runMs}, run_done_from = 0,
           progress_at = new.requested_at, total = ${DEAD_RUNNER.total}, done = ${DEAD_RUNNER.done},
           lease_until = new.requested_at + ${DEAD_RUNNER.leaseMs}
         where id = new.id;
       end`,
    );
  } finally {
    db.close();
  }
}

/** The period's charges summed, as the summary's total must say. */
function chargedTotal(server: Server, period: string): { accounts: number; totalKop: number } {
  const db = new Database(path.join(server.dataDir, 'portal.db'), { readonly: true });
  try {
    return db
      .prepare(
        `select count(*) as accounts, sum(amount_kop + odn_kop + recalc_kop) as totalKop from charges where period = ?`,
      )
      .get(period) as { accounts: number; totalKop: number };
  } finally {
    db.close();
  }
}

describe('an accountant closes a month from the back office', { skip: SKIP }, () => {
  const suite = browserSuite();

  test('start, the question, the progress, the summary and its confirmation', async (t) => {
    const server = suite.server();
    const period = reopenLastMonth(server);
    holdByDeadRunner(server);
    const enrollment = await staffAdd(server, 'buh-vera', 'Бухгалтерова Вера', ['accountant']);
    await runScenario(
      t,
      suite.browser(),
      { label: 'office-closing', jsEnabled: true, isExpectedConsoleError },
      async (page) => {
        const { secret } = await enroll(page, server.url, enrollment, false);
        await logIn(page, server.url, 'buh-vera', () => totpCode(secret), false);
        await page.getByRole('heading', { name: 'Сводка', level: 1 }).waitFor();
        await page.getByRole('link', { name: 'Открыть закрытие месяца' }).click();
        await page.getByRole('heading', { name: 'Закрытие месяца', level: 1 }).waitFor();
        assert.equal(squash(await page.locator('#closable').innerText()), periodTitle(period));
        await accessible(page, 'closing: the start');

        await page.getByRole('button', { name: 'Закрыть месяц' }).click();
        await page.getByRole('heading', { name: `Закрыть месяц ${periodTitle(period)}?` }).waitFor();
        await accessible(page, 'closing: the question');
        // Without a reason the question comes back with the message next to the field.
        await page.getByRole('button', { name: 'Да, закрыть' }).click();
        await page.locator('#closing-reason-error').waitFor();
        assert.match(squash(await page.locator('#closing-reason-error').innerText()), /Укажите причину/);
        await accessible(page, 'closing: the question without a reason');
        await page.getByLabel(/Основание/).fill('График закрытия месяца');
        await page.getByRole('button', { name: 'Да, закрыть' }).click();

        // The job's progress; asked to, the page reloads itself (no script) until the summary is there.
        await page.locator('#closing-progress').waitFor();
        assert.match(
          squash(await page.locator('#closing-progress').innerText()),
          new RegExp(`Идёт закрытие: ${periodTitle(period)}`),
        );
        // 1 000 accounts in 4 s: 250 a second, so 8 s for the other 2 000.
        const held = DEAD_RUNNER;
        const rate = (held.done * 1000) / held.runMs;
        assert.equal(
          squash(await page.locator('#closing-figures').innerText()),
          squash(
            `Лицевых счетов: ${formatInteger(held.done)} из ${formatInteger(held.total)}` +
              ` (${Math.floor((held.done * 100) / held.total)}%); счетов в секунду: ${formatDecimalRu(rate * 10, 1)};` +
              ` осталось около ${(held.total - held.done) / rate} с.`,
          ),
        );
        await accessible(page, 'closing: the progress');
        await page.getByRole('link', { name: /Обновлять автоматически/ }).click();
        await page.locator('#closing-summary').waitFor({ timeout: 60_000 });
        const charged = chargedTotal(server, period);
        assert.ok(charged.accounts > 0);
        const total = squash(await page.locator('#closing-total').innerText());
        assert.ok(
          total.includes(squash(formatRublesRu(charged.totalKop))),
          `${total} vs ${charged.totalKop}`,
        );
        await accessible(page, 'closing: the summary');

        await page.getByRole('button', { name: 'Подтвердить итоги' }).click();
        await page.locator('#confirm-reason-error').waitFor();
        assert.match(squash(await page.locator('#confirm-reason-error').innerText()), /Укажите причину/);
        await accessible(page, 'closing: the confirmation without a reason');
        await page.getByLabel(/Основание/).fill('Итоги сверены с отчётом');
        await page.getByRole('button', { name: 'Подтвердить итоги' }).click();
        await page.locator('#closing-done').waitFor();
        assert.match(squash(await page.locator('#closing-done').innerText()), /подтверждены/);
        assert.match(squash(await page.locator('#closing-confirmed').innerText()), /Итоги подтверждены/);
        await accessible(page, 'closing: confirmed');
      },
    );
  });
});
