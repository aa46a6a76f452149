import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, addAccount, createTestApp, recordIssued, type TestApp } from '../../../test/helpers.ts';
import { parse, startSmtpSink, type Received, type SmtpSink } from '../../../test/mail-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import type { Dialect } from '../../platform/db/connect.ts';

// The setup the profile's *.db.test.ts files share: a portal with a few accounts and an SMTP
// peer, and the steps the tests take. It holds no test itself; its name ends in .test.ts so
// that, like the tests, it stays out of the dependency rules (it imports test/).

export const people = {
  demo: { number: DEMO_ACCOUNT.number, surname: DEMO_ACCOUNT.surname },
  b: { number: '1000000201', surname: 'Петрова' },
  c: { number: '1000000202', surname: 'Сидоров' },
  d: { number: '1000000203', surname: 'Кузнецова' },
} as const;
export type Who = keyof typeof people;

/** A password no list has, long enough: the tests' good one (noted for the leak scan). */
export const GOOD = 'Шесть-ежей-в-тумане-42';
export const OTHER = 'Синий-трактор-едет-7';

export interface ProfileFixture {
  readonly t: TestApp;
  readonly sink: SmtpSink;
  ids: Record<string, number>;
  /** Logs `who` in by account number and surname. */
  cabinet(who: Who, ip?: string): Promise<Agent>;
  /** Makes a profile from `who`'s session and returns the received e-mail. */
  create(who: Who, email: string, password?: string): Promise<{ agent: Agent; mail: Received }>;
  /** A profile made, confirmed by its link: ready to log in. */
  confirmed(who: Who, email: string, password?: string): Promise<void>;
  /** Logs in by e-mail and password from a new browser. */
  login(
    email: string,
    password: string,
    ip?: string,
  ): Promise<{ agent: Agent; status: number; body: string }>;
  /** The portal's path in the e-mail's link (/profile/confirm/… or /profile/reset/…). */
  linkOf(mail: Received): Promise<string>;
  /** The messages to an address. */
  sentTo(address: string): Received[];
  profileRow(email: string): Promise<{ id: number; email_confirmed_at: number | null } | undefined>;
}

export function profileFixture(dialect: Dialect, env: Record<string, string> = {}): ProfileFixture {
  let t: TestApp | undefined;
  let sink: SmtpSink | undefined;
  const ids: Record<string, number> = {};
  const app = () => t ?? assert.fail('set up in before()');
  const smtp = () => sink ?? assert.fail('set up in before()');
  recordIssued('profile password', GOOD);
  recordIssued('profile password', OTHER);

  before(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(dialect, {
      env: { SMTP_URL: sink.url, MAIL_FROM: 'ОАО «Хакасэнергосбыт» <noreply@khakensb.test>', ...env },
    });
    for (const [who, p] of Object.entries(people)) {
      ids[who] =
        who === 'demo'
          ? Number(
              (
                await t.db.kysely
                  .selectFrom('accounts')
                  .select('id')
                  .where('number', '=', p.number)
                  .executeTakeFirstOrThrow()
              ).id,
            )
          : await addAccount(t.db, {
              number: p.number,
              surname: p.surname,
              serial: `77${p.number.slice(-4)}`,
            });
    }
  });
  after(async () => {
    await t?.close();
    await sink?.close();
  });

  const f: ProfileFixture = {
    get t() {
      return app();
    },
    get sink() {
      return smtp();
    },
    ids,
    async cabinet(who, ip = `10.70.${Number(people[who].number.slice(-2))}.1`) {
      const agent = new Agent(app().app, ip);
      assert.equal((await agent.login(people[who].number, people[who].surname)).statusCode, 303);
      return agent;
    },
    async create(who, email, password = GOOD) {
      const agent = await f.cabinet(who);
      await agent.get('/cabinet/profile');
      const before = smtp().received.length;
      const res = await agent.post('/cabinet/profile', { email, password, repeat: password });
      assert.equal(res.statusCode, 303, res.body);
      // The first message to this address since: a message an earlier test's form sent in the
      // background (a reset link, say) may arrive in between.
      const to = email.trim().toLowerCase();
      const ownMail = () =>
        smtp()
          .received.slice(before)
          .find((m) => m.rcpt.includes(to));
      for (let n = before + 1; !ownMail(); n += 1) {
        await smtp().waitFor(n);
      }
      return { agent, mail: ownMail()! };
    },
    async confirmed(who, email, password = GOOD) {
      const { mail } = await f.create(who, email, password);
      const path = await f.linkOf(mail);
      const a = new Agent(app().app, '10.71.0.1');
      await a.get(path);
      assert.equal((await a.post(path, {})).statusCode, 303);
    },
    async login(email, password, ip = '10.72.0.1') {
      const agent = new Agent(app().app, ip);
      await agent.get('/profile/login');
      const res = await agent.post('/profile/login', { consent: 'yes', email, password });
      return { agent, status: res.statusCode, body: res.body };
    },
    async linkOf(mail) {
      const text = (await parse(mail)).text ?? '';
      const m = /https?:\/\/[^/\s]+(\/profile\/(?:confirm|reset)\/[A-Za-z0-9_-]{43})/.exec(text);
      assert.ok(m, `no link in: ${text}`);
      return m[1]!;
    },
    sentTo: (address) => smtp().received.filter((m) => m.rcpt.includes(address)),
    async profileRow(email) {
      const r = await app()
        .db.kysely.selectFrom('profiles')
        .select(['id', 'email_confirmed_at'])
        .where('email', '=', email)
        .executeTakeFirst();
      return r && { id: Number(r.id), email_confirmed_at: r.email_confirmed_at };
    },
  };
  return f;
}
