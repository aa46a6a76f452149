import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  addMayNormCharge,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { addProfile, profileSession } from '../../../test/profile-support.ts';
import { parse, startSmtpSink, type SmtpSink } from '../../../test/mail-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// Attaching an account to a profile with a proof (the last bill's sum to pay or the last
// payment, within a rouble), the limits on failures, the e-mail, and detaching.

const PAGE = '/cabinet/profile/accounts';
/** Paid 1 234,56 on 20 May; no charge. */
const PAID = { number: '1000000072', surname: 'Петрова', address: 'г. Абакан, ул. Пушкина, 7' };
/** May closed by the norm: 161,00 to pay; no payment. */
const BILLED = { number: '1000000089', surname: 'Сидоренко' };
/** Paid 500,00: the accounts the limits are tried on (no other test fails on them). */
const GUARDED = { number: '1000000110', surname: 'Охраняева' };
const GUARDED2 = { number: '1000000127', surname: 'Стражева' };
/** Paid 700,00: the account two profiles of a family attach, one after the other. */
const FAMILY = { number: '1000000141', surname: 'Семейкина' };
/** Paid 300,00: attached by one form sent twice at once. */
const TWICE = { number: '1000000158', surname: 'Дважды' };
const WRONG = 'Номер лицевого счёта, фамилия или сумма указаны неверно.';

for (const dialect of await testDialects()) {
  describe(`profile accounts: attach with a proof, detach (${dialect})`, () => {
    let t: TestApp;
    let sink: SmtpSink;
    let n = 0;
    /** A new profile with the demo account, logged in (a new profile keeps the limits apart). */
    const newProfile = async () => {
      n += 1;
      const p = await addProfile(t.db, { email: `user${n}@mail.ru`, accounts: [DEMO_ACCOUNT.number] });
      const s = await profileSession(t, p, { ip: `10.1.0.${n}` });
      return { ...p, ...s };
    };
    const attempt = (agent: Awaited<ReturnType<typeof newProfile>>['agent'], form: Record<string, string>) =>
      agent.post(PAGE, form);
    const attached = async (profileId: number) =>
      (
        await t.db.kysely
          .selectFrom('profile_accounts')
          .innerJoin('accounts', 'accounts.id', 'profile_accounts.account_id')
          .select(['accounts.number', 'profile_accounts.attached_by'])
          .where('profile_accounts.profile_id', '=', profileId)
          .orderBy('accounts.number')
          .execute()
      ).map((r) => `${r.number}:${r.attached_by}`);

    before(async () => {
      sink = await startSmtpSink();
      t = await createTestApp(dialect, { env: { SMTP_URL: sink.url, MAIL_FROM: 'noreply@khakensb.test' } });
      await addAccount(t.db, { ...PAID, serial: '720072', payments: [['2026-05-20', 123456]] });
      const billed = await addAccount(t.db, { ...BILLED, serial: '890089' });
      await addMayNormCharge(t.db, billed);
      await addAccount(t.db, { ...GUARDED, serial: '110110', payments: [['2026-06-01', 50000]] });
      await addAccount(t.db, { ...GUARDED2, serial: '127127', payments: [['2026-06-01', 50000]] });
      await addAccount(t.db, { ...FAMILY, serial: '141141', payments: [['2026-06-02', 70000]] });
      await addAccount(t.db, { ...TWICE, serial: '158158', payments: [['2026-06-03', 30000]] });
    });
    after(async () => {
      await t.close();
      await sink.close();
    });

    test('a session of the manual login is told to use a profile, with the link', async () => {
      const { agent } = await openCabinet(t.app, '10.9.0.1', DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname);
      const res = await agent.get(PAGE);
      assert.equal(res.statusCode, 403);
      assert.match(textOf(res.body), /Вы вошли по номеру лицевого счёта и фамилии/);
      assert.match(res.body, /href="\/cabinet\/profile"/);
      const post = await agent.post(PAGE, { number: PAID.number, surname: PAID.surname, amount: '1234,56' });
      assert.equal(post.statusCode, 403);
    });

    test('the last payment within a rouble attaches the account; the profile gets an e-mail', async () => {
      const p = await newProfile();
      const page = await p.agent.get(PAGE);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), new RegExp(`${DEMO_ACCOUNT.number} .* И\\*{3,}`));
      assert.doesNotMatch(page.body, new RegExp(DEMO_ACCOUNT.surname));
      const sent = sink.received.length;
      const res = await attempt(p.agent, { number: PAID.number, surname: ' петрова ', amount: '1235,55' });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `${PAGE}?attached=${PAID.number}`);
      assert.deepEqual(await attached(p.profileId), [`${PAID.number}:proof`, `${DEMO_ACCOUNT.number}:login`]);
      const after = textOf((await p.agent.get(res.headers.location)).body);
      assert.match(after, new RegExp(`Лицевой счёт ${PAID.number} добавлен в профиль`));
      assert.match(after, /ул\. Пушкина, 7 П\*{3,}/);
      await sink.waitFor(sent + 1);
      const mail = await parse(sink.received[sent]!);
      assert.deepEqual(sink.received[sent]!.rcpt, [p.email]);
      assert.match(mail.subject ?? '', new RegExp(`Лицевой счёт ${PAID.number} добавлен`));
      assert.match(mail.text ?? '', /http:\/\/localhost:3000\/cabinet\/profile\/accounts/);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details'])
        .where('event', '=', 'profile_attach')
        .where('account_number', '=', PAID.number)
        .execute();
      assert.deepEqual(
        audit.map((a) => a.outcome),
        ['success'],
      );
      // A notice typed into the address announces nothing.
      const forged = await p.agent.get(`${PAGE}?attached=${BILLED.number}`);
      assert.doesNotMatch(textOf(forged.body), /добавлен в профиль/);
      // Attaching it again: the profile has it already.
      const again = await attempt(p.agent, { number: PAID.number, surname: PAID.surname, amount: '1234,56' });
      assert.equal(again.statusCode, 200);
      assert.match(textOf(again.body), new RegExp(`Лицевой счёт ${PAID.number} уже есть в профиле`));
    });

    test('a second profile attaches an account: the first is told who, masked, with the way to remove it', async () => {
      const first = await newProfile();
      const proof = { number: FAMILY.number, surname: FAMILY.surname, amount: '700' };
      let sent = sink.received.length;
      assert.equal((await attempt(first.agent, proof)).statusCode, 303);
      await sink.waitFor(sent + 1);
      assert.deepEqual(
        sink.received.slice(sent).map((m) => m.rcpt),
        [[first.email]],
        'the first profile: its own e-mail only',
      );
      const second = await newProfile();
      sent = sink.received.length;
      assert.equal((await attempt(second.agent, proof)).statusCode, 303);
      await sink.waitFor(sent + 2);
      const mails = sink.received.slice(sent);
      assert.deepEqual(
        mails.map((m) => m.rcpt),
        [[second.email], [first.email]],
      );
      const notice = await parse(mails[1]!);
      assert.match(notice.subject ?? '', new RegExp(`${FAMILY.number}: доступ получил ещё один профиль`));
      const text = notice.text ?? '';
      assert.match(text, /u\*{3}@m\*{3}\.ru/);
      assert.ok(!text.includes(second.email), 'the newcomer masked');
      assert.match(text, /http:\/\/localhost:3000\/cabinet\/access/);
    });

    test("the last bill's sum to pay attaches too; a payment or bill more than a rouble off does not", async () => {
      const p = await newProfile();
      const off = await attempt(p.agent, {
        number: BILLED.number,
        surname: BILLED.surname,
        amount: '159,99',
      });
      assert.equal(off.statusCode, 400);
      assert.match(textOf(off.body), new RegExp(WRONG));
      const ok = await attempt(p.agent, { number: BILLED.number, surname: BILLED.surname, amount: '160' });
      assert.equal(ok.statusCode, 303);
      assert.deepEqual(await attached(p.profileId), [
        `${BILLED.number}:proof`,
        `${DEMO_ACCOUNT.number}:login`,
      ]);
    });

    test('a wrong number, surname or amount: one answer that does not say which; the form kept', async () => {
      const p = await newProfile();
      const bodies: string[] = [];
      for (const form of [
        { number: '1000000096', surname: PAID.surname, amount: '1234,56' },
        { number: PAID.number, surname: 'Петров', amount: '1234,56' },
        { number: PAID.number, surname: PAID.surname, amount: '1232,56' },
      ]) {
        const res = await attempt(p.agent, form);
        assert.equal(res.statusCode, 400);
        const text = textOf(res.body);
        assert.match(text, new RegExp(WRONG));
        assert.match(res.body, new RegExp(`id="attach-number"[^>]*value="${form.number}"`));
        assert.match(res.body, new RegExp(`value="${form.amount}"`));
        // The same words whatever was wrong, but for the count of attempts left.
        bodies.push(
          /Номер лицевого счёта, фамилия или сумма[^.]*\.[^.]*\./.exec(text)![0].replace(/\d+ попыт\S+/, ''),
        );
      }
      assert.equal(new Set(bodies).size, 1, bodies.join(' | '));
      assert.deepEqual(await attached(p.profileId), [`${DEMO_ACCOUNT.number}:login`]);
    });

    test('bad input: a message next to each field, what was typed kept, nothing counted', async () => {
      const p = await newProfile();
      const res = await attempt(p.agent, { number: '12ab', surname: '  ', amount: '12,345' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /id="attach-number-error"/);
      assert.match(res.body, /id="attach-surname-error"[^>]*>Введите фамилию владельца лицевого счёта\./);
      assert.match(res.body, /id="attach-amount-error"[^>]*>В сумме не может быть больше двух знаков/);
      assert.match(res.body, /value="12ab"/);
      const zero = await attempt(p.agent, { number: PAID.number, surname: PAID.surname, amount: '0' });
      assert.match(zero.body, /Сумма должна быть больше нуля/);
      const failures = await t.db.kysely
        .selectFrom('profile_attach_failures')
        .select('id')
        .where('profile_id', '=', p.profileId)
        .execute();
      assert.equal(failures.length, 0);
    });

    test('five failures on an account, from five profiles: a sixth profile is refused even when right', async () => {
      for (let i = 0; i < 5; i++) {
        const p = await newProfile();
        const res = await attempt(p.agent, {
          number: GUARDED2.number,
          surname: GUARDED2.surname,
          amount: '1',
        });
        assert.equal(res.statusCode, 400);
      }
      const p = await newProfile();
      const res = await attempt(p.agent, {
        number: GUARDED2.number,
        surname: GUARDED2.surname,
        amount: '500',
      });
      assert.equal(res.statusCode, 429);
      assert.match(textOf(res.body), /Слишком много неудачных попыток добавить счёт/);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select('outcome')
        .where('event', '=', 'profile_attach')
        .where('account_number', '=', GUARDED2.number)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.outcome),
        ['failure', 'failure', 'failure', 'failure', 'failure', 'locked'],
      );
    });

    test('detach: a confirmation step, then the account is gone; the last one cannot go, and the page says why', async () => {
      const p = await addProfile(t.db, {
        email: 'family@mail.ru',
        accounts: [DEMO_ACCOUNT.number, PAID.number],
      });
      // The session shows the account it detaches: it goes on showing the other one.
      const { agent } = await profileSession(t, p, { accountId: p.accountIds[1]!, ip: '10.2.0.1' });
      const page = await agent.get(PAGE);
      assert.match(page.body, new RegExp(`name="account" value="${PAID.number}"[^>]*>Убрать из профиля`));
      const ask = await agent.post(`${PAGE}/detach`, { account: PAID.number });
      assert.equal(ask.statusCode, 200);
      assert.match(textOf(ask.body), new RegExp(`Убрать счёт ${PAID.number} из профиля\\?`));
      assert.deepEqual(await attached(p.profileId), [`${PAID.number}:proof`, `${DEMO_ACCOUNT.number}:login`]);
      const done = await agent.post(`${PAGE}/detach`, { account: PAID.number, confirm: 'yes' });
      assert.equal(done.statusCode, 303);
      assert.deepEqual(await attached(p.profileId), [`${DEMO_ACCOUNT.number}:login`]);
      const cabinet = await agent.get('/cabinet');
      assert.equal(cabinet.statusCode, 200);
      assert.match(cabinet.body, new RegExp(DEMO_ACCOUNT.number));
      // The last account: no button, and a sent form is refused with the reason.
      const after = await agent.get(PAGE);
      assert.doesNotMatch(after.body, /Убрать из профиля/);
      assert.match(textOf(after.body), /Единственный счёт профиля убрать нельзя/);
      const last = await agent.post(`${PAGE}/detach`, { account: DEMO_ACCOUNT.number, confirm: 'yes' });
      assert.equal(last.statusCode, 409);
      assert.match(textOf(last.body), /единственный в профиле, его нельзя убрать/);
      assert.deepEqual(await attached(p.profileId), [`${DEMO_ACCOUNT.number}:login`]);
      // An account of no concern to the profile: 404, nothing removed anywhere.
      const other = await agent.post(`${PAGE}/detach`, { account: BILLED.number, confirm: 'yes' });
      assert.equal(other.statusCode, 404);
    });

    test('two detaches at once, of the two accounts: one goes, the other stays as the last', async () => {
      const p = await addProfile(t.db, {
        email: 'pair@mail.ru',
        accounts: [DEMO_ACCOUNT.number, PAID.number],
      });
      const one = await profileSession(t, p, { accountId: p.accountIds[0]!, ip: '10.2.1.1' });
      const two = await profileSession(t, p, { accountId: p.accountIds[1]!, ip: '10.2.1.2' });
      const answers = await Promise.all([
        one.agent.post(`${PAGE}/detach`, { account: PAID.number, confirm: 'yes' }),
        two.agent.post(`${PAGE}/detach`, { account: DEMO_ACCOUNT.number, confirm: 'yes' }),
      ]);
      // The other is refused as the last (409), or finds its session ended with the account it
      // showed (401): never a second 303.
      const codes = answers.map((r) => r.statusCode).sort();
      assert.equal(codes[0], 303, codes.join(' '));
      assert.ok(codes[1] === 409 || codes[1] === 401, codes.join(' '));
      assert.equal((await attached(p.profileId)).length, 1, 'the profile keeps one account');
    });

    test('the same proof sent twice at once: attached once, one e-mail', async () => {
      const p = await newProfile();
      const sent = sink.received.length;
      const proof = { number: TWICE.number, surname: TWICE.surname, amount: '300' };
      const answers = await Promise.all([attempt(p.agent, proof), attempt(p.agent, proof)]);
      assert.ok(answers.some((r) => r.statusCode === 303));
      await sink.waitFor(sent + 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(sink.received.slice(sent).filter((m) => m.rcpt.includes(p.email)).length, 1);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select('outcome')
        .where('event', '=', 'profile_attach')
        .where('account_number', '=', TWICE.number)
        .where('outcome', '=', 'success')
        .execute();
      assert.equal(audit.length, 1);
    });

    test('attempts sent at once are counted one after another: five failures, the rest refused', async () => {
      const p = await newProfile();
      const numbers = Array.from({ length: 8 }, (_, i) => `10000003${String(i).padStart(2, '0')}`);
      const res = await Promise.all(
        numbers.map((number) => attempt(p.agent, { number, surname: 'Чужой', amount: '1' })),
      );
      assert.deepEqual(res.map((r) => r.statusCode).sort(), [400, 400, 400, 400, 400, 429, 429, 429]);
      const failures = await t.db.kysely
        .selectFrom('profile_attach_failures')
        .select('id')
        .where('profile_id', '=', p.profileId)
        .execute();
      assert.equal(failures.length, 5);
    });

    test('five failures of a profile in a day: the sixth is refused even when right, until the day passes', async () => {
      const p = await newProfile();
      for (let i = 0; i < 5; i++) {
        // Five numbers: the account's own limit is not what refuses.
        const number = `10000002${String(i).padStart(2, '0')}`;
        const res = await attempt(p.agent, { number, surname: 'Чужой', amount: '1' });
        assert.equal(res.statusCode, 400);
        if (i === 4) {
          assert.match(textOf(res.body), /Попытки исчерпаны: повторите после \d\d\.\d\d\.\d{4}, \d\d:\d\d/);
        }
      }
      const right = { number: GUARDED.number, surname: GUARDED.surname, amount: '500,00' };
      const refused = await attempt(p.agent, right);
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) > 23 * 3600);
      assert.match(textOf(refused.body), /Слишком много неудачных попыток добавить счёт\. Повторите после/);
      assert.deepEqual(await attached(p.profileId), [`${DEMO_ACCOUNT.number}:login`]);
      // A day after the first failure (the session has idled out meanwhile: a new one).
      t.clock.advance(24 * 3_600_000 + 1000);
      const { agent } = await profileSession(t, p, { ip: '10.1.1.1' });
      assert.equal((await attempt(agent, right)).statusCode, 303);
    });
  });
}
