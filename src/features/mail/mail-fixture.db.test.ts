import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, addAccount, createTestApp, type TestApp } from '../../../test/helpers.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import type { Dialect } from '../../platform/db/connect.ts';
import { closeMonth } from '../billing/close-month.ts';
import { systemClock, type Clock } from '../../platform/clock.ts';
import type { MailConfig } from './mail.config.ts';
import { runMailWorker, type WorkerStats } from './mail.worker.ts';
import { createMailTransport } from './transport.ts';
import {
  confirmPathOf,
  startSmtpSink,
  type Received,
  type SinkOptions,
  type SmtpSink,
} from '../../../test/mail-support.ts';

// The setup the mail feature's *.db.test.ts files share: a portal with eight accounts and a closed
// June, an SMTP peer, and the steps the tests take. It holds no test itself; its name ends in
// .test.ts so that, like the tests, it stays out of the dependency rules (it imports test/ and
// the demo data, which the feature's own code may not).

export const HOUR = 3_600_000;

/** How mailparser gives the List-* headers. */
export type ListHeaders = { unsubscribe?: { url?: string }; 'unsubscribe-post'?: { name?: string } };

export const people = {
  demo: { number: DEMO_ACCOUNT.number, surname: DEMO_ACCOUNT.surname },
  b: { number: '1000000101', surname: 'Петрова' },
  c: { number: '1000000102', surname: 'Сидоров' },
  d: { number: '1000000103', surname: 'Кузнецова' },
  e: { number: '1000000104', surname: 'Смирнов' },
  f: { number: '1000000105', surname: 'Попова' },
  g: { number: '1000000106', surname: 'Волков' },
  h: { number: '1000000107', surname: 'Зайцева' },
} as const;
export type Who = keyof typeof people;

export interface MailFixture {
  /** The app and the SMTP peer: set by the fixture's before() hook. */
  readonly t: TestApp;
  readonly sink: SmtpSink;
  /** Account ids by person. */
  readonly ids: Record<string, number>;
  /** Logs `who` in and opens the main page. */
  session: (who: Who) => Promise<{ agent: Agent; html: string }>;
  /** The account's mail_subscriptions row. */
  subscription: (who: Who) => ReturnType<typeof subscriptionOf>;
  sentTo: (address: string) => Received[];
  /** Saves an address through the form and returns the path of the link in the e-mail that arrives. */
  saveAndGetLink: (agent: Agent, email: string, subscribed?: boolean) => Promise<string>;
  /** Runs a worker until the outbox is empty (short back-off). */
  drain: (overrides?: Partial<MailConfig>, clock?: Clock) => Promise<WorkerStats>;
}

function subscriptionOf(t: TestApp, accountId: number) {
  return t.db.kysely
    .selectFrom('mail_subscriptions')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/**
 * Registers the before/after hooks that build and close the portal in the calling describe(),
 * and returns what its tests use. `sinkOptions` lets a test file make the SMTP peer refuse; `env`
 * adds settings.
 */
export function mailFixture(
  dialect: Dialect,
  sinkOptions: SinkOptions = {},
  env: Record<string, string> = {},
): MailFixture {
  let t: TestApp | undefined;
  let sink: SmtpSink | undefined;
  const ids: Record<string, number> = {};
  const app = () => t ?? assert.fail('the fixture is set up in before()');
  const smtp = () => sink ?? assert.fail('the fixture is set up in before()');

  before(async () => {
    sink = await startSmtpSink(sinkOptions);
    t = await createTestApp(dialect, {
      env: { SMTP_URL: sink.url, MAIL_FROM: 'ОАО «Хакасэнергосбыт» <noreply@khakensb.test>', ...env },
    });
    await addPeople(t, ids);
    // June closed, so that every account has a bill to mail.
    const { config, clock } = t;
    await closeMonth(t.db, {
      period: '2026-06',
      currentPeriod: '2026-07',
      limits: config.billing,
      readingsLastDay: config.readingsLastDay,
      now: () => clock.now(),
    });
  });
  after(async () => {
    await t?.close();
    await sink?.close();
  });

  return {
    get t() {
      return app();
    },
    get sink() {
      return smtp();
    },
    ids,
    async session(who) {
      const p = people[who];
      const agent = new Agent(app().app, `10.50.${Number(p.number.slice(-2))}.1`);
      assert.equal((await agent.login(p.number, p.surname)).statusCode, 303);
      const page = await agent.get('/cabinet');
      assert.equal(page.statusCode, 200);
      return { agent, html: page.body };
    },
    subscription: (who) => subscriptionOf(app(), ids[who]!),
    sentTo: (address) => smtp().received.filter((m) => m.rcpt.includes(address)),
    async saveAndGetLink(agent, email, subscribed = true) {
      const before = smtp().received.length;
      const res = await agent.post('/cabinet/email', {
        email,
        ...(subscribed ? { subscribed: 'yes' } : {}),
        action: 'save',
      });
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, '/cabinet?mail=sent#mail-form');
      await smtp().waitFor(before + 1);
      return confirmPathOf(smtp().received[before]!);
    },
    drain: (overrides = {}, clock = systemClock) => drainOutbox(app(), overrides, clock),
  };
}

/** The demo account (seeded) and seven more, each with a meter. */
async function addPeople(t: TestApp, ids: Record<string, number>): Promise<void> {
  const demo = await t.db.kysely
    .selectFrom('accounts')
    .select('id')
    .where('number', '=', DEMO_ACCOUNT.number)
    .executeTakeFirstOrThrow();
  ids.demo = Number(demo.id);
  for (const [k, p] of Object.entries(people)) {
    if (k === 'demo') {
      continue;
    }
    ids[k] = await addAccount(t.db, {
      number: p.number,
      surname: p.surname,
      serial: `77${p.number.slice(-4)}`,
    });
  }
}

function drainOutbox(t: TestApp, overrides: Partial<MailConfig>, clock: Clock): Promise<WorkerStats> {
  const mail = { ...t.config.mail, pollMs: 50, retryBaseMs: 40, retryMaxMs: 200, ...overrides };
  const transport = createMailTransport(mail);
  return runMailWorker({
    db: t.db,
    transport,
    mail,
    publicUrl: t.config.publicUrl,
    dueDay: t.config.billing.dueDay,
    timeZone: t.config.timeZone,
    readingsLastDay: t.config.readingsLastDay,
    clock,
    drain: true,
  }).finally(() => transport.close());
}
