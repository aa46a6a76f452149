// The profile's personal access tokens page (/cabinet/profile/tokens), on both databases: a token
// is shown once, stored as its SHA-256 only, works with authenticateBearer, is listed with its
// state and last use, and is revoked by its own profile only; refused forms keep what was typed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Agent, createTestApp, testDialects, textOf, type TestApp } from '../../../test/helpers.ts';
import {
  addProfile,
  bearerContext,
  profileAgent,
  shownToken,
  TOKENS,
} from '../../../test/api-tokens-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { authenticateBearer } from './bearer.ts';
import { MAX_ACTIVE_TOKENS } from './api-tokens.service.ts';

const DAY = 86_400_000;

for (const dialect of await testDialects()) {
  describe(`API tokens page (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    const make = (agent: Agent, form: Record<string, string>) => agent.post(TOKENS, form);

    test('a manual login (no profile) is led to the profile, and cannot make a token', async () => {
      const agent = new Agent(t.app, '10.40.0.1');
      assert.equal((await agent.login(DEMO_ACCOUNT.number, DEMO_ACCOUNT.surname)).statusCode, 303);
      const page = await agent.get(TOKENS);
      assert.equal(page.statusCode, 200);
      assert.match(textOf(page.body), /Токены доступа создаются в профиле/);
      assert.match(page.body, /href="\/cabinet\/profile"/);
      assert.doesNotMatch(page.body, /name="days"/);
      const post = await make(agent, { name: 'HA', days: '30' });
      assert.equal(post.statusCode, 403);
      assert.equal(shownToken(post.body), undefined);
      const n = await t.db.kysely.selectFrom('api_tokens').select('id').execute();
      assert.equal(n.length, 0);
    });

    test('made, shown once, stored hashed, accepted by authenticateBearer, audited without it', async () => {
      const p = await addProfile(t, 'once@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.2');
      const res = await make(agent, { name: 'Home Assistant', days: '90', readingsWrite: 'yes' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const token = shownToken(res.body);
      assert.ok(token, 'the page shows the token');
      assert.match(token, /^lk_[A-Za-z0-9_-]{43}$/);
      assert.match(textOf(res.body), /Токен показывается только один раз/);

      // Not on the list page, nor anywhere in the database but as its hash.
      const list = await agent.get(TOKENS);
      assert.ok(!list.body.includes(token));
      assert.match(
        textOf(list.body),
        /Home Assistant чтение, передача показаний .* не использовался действует/,
      );
      const rows = await t.db.kysely
        .selectFrom('api_tokens')
        .selectAll()
        .where('profile_id', '=', p.profileId)
        .execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(token.slice(3)));
      assert.equal(rows[0]!.token_hash, createHash('sha256').update(token).digest('hex'));
      assert.equal(Number(rows[0]!.expires_at) - Number(rows[0]!.created_at), 90 * DAY);
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .selectAll()
        .where('event', '=', 'api_token_create')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.outcome, 'success');
      assert.ok(!JSON.stringify(audit).includes(token.slice(3)));

      const auth = await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.7');
      assert.ok(auth.ok);
      assert.equal(auth.caller.profileId, p.profileId);
      assert.deepEqual([...auth.caller.scopes].sort(), ['read', 'readings:write']);
      // The last use is on the list: the time and the address.
      assert.match(textOf((await agent.get(TOKENS)).body), /Home Assistant .* адрес 192\.0\.2\.7 действует/);
    });

    test('without the box, a token may only read', async () => {
      const agent = await profileAgent(t, await addProfile(t, 'read@example.ru'), '10.40.0.3');
      const token = shownToken((await make(agent, { name: 'Бюджет', days: '30' })).body);
      const auth = await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.8');
      assert.ok(auth.ok);
      assert.deepEqual([...auth.caller.scopes], ['read']);
    });

    test('refused forms say why next to the field and keep what was typed; nothing is stored', async () => {
      const p = await addProfile(t, 'refused@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.4');
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ name: '   ', days: '30' }, /Укажите название токена/],
        [{ name: 'x'.repeat(101), days: '30' }, /Название не длиннее 100 символов \(сейчас 101\)/],
        [{ name: 'Два\nстроки', days: '30' }, /управляющие символы/],
        [{ name: 'Год и день', days: '366' }, /Больше года токен не действует/],
        [{ name: 'Два года', days: '730' }, /Больше года токен не действует/],
        [{ name: 'Без срока' }, /Выберите срок действия/],
        [{ name: 'Минус', days: '-30' }, /Выберите срок действия/],
      ];
      for (const [form, message] of cases) {
        const res = await make(agent, { ...form, readingsWrite: 'yes' });
        assert.equal(res.statusCode, 400, JSON.stringify(form));
        assert.match(textOf(res.body), message);
        assert.match(res.body, /class="field-error"/);
        assert.equal(shownToken(res.body), undefined);
        if (form.name !== undefined && !form.name.includes('\n')) {
          assert.ok(res.body.includes(`value="${form.name}"`), 'the name is kept');
        }
        assert.match(res.body, /name="readingsWrite" value="yes" checked/);
      }
      const n = await t.db.kysely
        .selectFrom('api_tokens')
        .select('id')
        .where('profile_id', '=', p.profileId)
        .execute();
      assert.equal(n.length, 0);
    });

    test(`at most ${MAX_ACTIVE_TOKENS} tokens in force; a revoked one frees a place`, async () => {
      const agent = await profileAgent(t, await addProfile(t, 'many@example.ru'), '10.40.0.5');
      for (let i = 0; i < MAX_ACTIVE_TOKENS; i++) {
        assert.equal((await make(agent, { name: `T${i}`, days: '30' })).statusCode, 200);
        await agent.get(TOKENS);
      }
      const over = await make(agent, { name: 'Лишний', days: '30' });
      assert.equal(over.statusCode, 400);
      assert.match(textOf(over.body), new RegExp(`уже ${MAX_ACTIVE_TOKENS} действующих токенов`));
      assert.ok(over.body.includes('value="Лишний"'));
      const id = /action="\/cabinet\/profile\/tokens\/(\d+)\/revoke"/.exec(over.body)![1]!;
      assert.equal((await agent.post(`${TOKENS}/${id}/revoke`, {})).statusCode, 303);
      await agent.get(TOKENS);
      assert.equal((await make(agent, { name: 'Лишний', days: '30' })).statusCode, 200);
    });

    test('revoked: 401 from then on, shown as «отозван», audited', async () => {
      const p = await addProfile(t, 'revoke@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.6');
      const created = await make(agent, { name: 'Старый', days: '30' });
      const token = shownToken(created.body)!;
      const list = await agent.get(TOKENS);
      const id = /action="\/cabinet\/profile\/tokens\/(\d+)\/revoke"/.exec(list.body)![1]!;
      const res = await agent.post(`${TOKENS}/${id}/revoke`, {});
      assert.equal(res.statusCode, 303);
      const after = await agent.get(res.headers.location as string);
      assert.match(textOf(after.body), /Токен отозван/);
      assert.match(textOf(after.body), /Старый .* отозван/);
      assert.doesNotMatch(after.body, new RegExp(`tokens/${id}/revoke`));
      const auth = await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.9');
      assert.deepEqual(auth, {
        ok: false,
        status: 401,
        detail:
          'Токен доступа отозван. Создайте новый токен в профиле Личного кабинета (раздел «Токены доступа»).',
      });
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['outcome', 'details'])
        .where('event', '=', 'api_token_revoke')
        .where('ip', '=', '10.40.0.6')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.outcome),
        ['success'],
      );
      // Again: nothing left to revoke.
      assert.equal((await agent.post(`${TOKENS}/${id}/revoke`, {})).statusCode, 404);
    });

    test('another profile cannot revoke my token: 404, and it still works', async () => {
      const mine = await addProfile(t, 'mine@example.ru');
      const me = await profileAgent(t, mine, '10.40.0.7');
      const token = shownToken((await make(me, { name: 'Мой', days: '30' })).body)!;
      const id = /action="\/cabinet\/profile\/tokens\/(\d+)\/revoke"/.exec((await me.get(TOKENS)).body)![1]!;

      const other = await profileAgent(t, await addProfile(t, 'other@example.ru'), '10.40.0.8');
      assert.doesNotMatch((await other.get(TOKENS)).body, /Мой/);
      const res = await other.post(`${TOKENS}/${id}/revoke`, {});
      assert.equal(res.statusCode, 404);
      assert.match(textOf(res.body), /Токен не найден/);
      for (const bad of ['0', '99999999', 'abc', '1e3']) {
        await other.get(TOKENS);
        assert.equal((await other.post(`${TOKENS}/${bad}/revoke`, {})).statusCode, 404, bad);
      }
      assert.ok((await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.10')).ok);
      assert.match(textOf((await me.get(TOKENS)).body), /Мой .* действует/);
    });

    test('a revoke without the CSRF token is refused and changes nothing', async () => {
      const p = await addProfile(t, 'csrf@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.9');
      const token = shownToken((await make(agent, { name: 'CSRF', days: '30' })).body)!;
      const id = /action="\/cabinet\/profile\/tokens\/(\d+)\/revoke"/.exec(
        (await agent.get(TOKENS)).body,
      )![1]!;
      agent.csrf = 'forged';
      assert.equal((await agent.post(`${TOKENS}/${id}/revoke`, {})).statusCode, 403);
      assert.ok((await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.11')).ok);
    });

    test('an unconfirmed profile cannot make a token; its tokens are refused', async () => {
      const p = await addProfile(t, 'unconfirmed@example.ru', { confirmed: false });
      const agent = await profileAgent(t, p, '10.40.0.10');
      const res = await make(agent, { name: 'Рано', days: '30' });
      assert.equal(res.statusCode, 400);
      assert.match(textOf(res.body), /не подтверждён/);
      assert.ok(res.body.includes('value="Рано"'));

      await t.db.kysely
        .updateTable('profiles')
        .set({ email_confirmed_at: 1 })
        .where('id', '=', p.profileId)
        .execute();
      await agent.get(TOKENS);
      const token = shownToken((await make(agent, { name: 'Рано', days: '30' })).body)!;
      await t.db.kysely
        .updateTable('profiles')
        .set({ email_confirmed_at: null })
        .where('id', '=', p.profileId)
        .execute();
      const auth = await authenticateBearer(bearerContext(t), `Bearer ${token}`, '192.0.2.12');
      assert.ok(!auth.ok && auth.status === 401 && /не подтверждён/.test(auth.detail));
    });

    test('fast-check: any form is a page with a message or the token, never a 5xx', async () => {
      const p = await addProfile(t, 'fuzz@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.12');
      const field = fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.constantFrom('30', '365', '366', '1e2', ' 90 '),
      );
      let made = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({ name: field, days: field, readingsWrite: field }, { requiredKeys: [] }),
          async (form) => {
            const res = await make(agent, form);
            assert.ok([200, 400].includes(res.statusCode), `${res.statusCode} for ${JSON.stringify(form)}`);
            if (res.statusCode === 200) {
              made++;
              assert.ok(shownToken(res.body));
              // Revoked at once, so that the limit of tokens in force is never what refuses.
              const id = /action="\/cabinet\/profile\/tokens\/(\d+)\/revoke"/.exec(
                (await agent.get(TOKENS)).body,
              )![1]!;
              assert.equal((await agent.post(`${TOKENS}/${id}/revoke`, {})).statusCode, 303);
            } else {
              assert.match(textOf(res.body), /Токен не создан/);
            }
            await agent.get(TOKENS);
          },
        ),
        { numRuns: 60 },
      );
      const rows = await t.db.kysely
        .selectFrom('api_tokens')
        .select('id')
        .where('profile_id', '=', p.profileId)
        .execute();
      assert.equal(rows.length, made);
    });

    test('an expired token is shown as «истёк»', async () => {
      const p = await addProfile(t, 'expired@example.ru');
      const agent = await profileAgent(t, p, '10.40.0.11');
      await make(agent, { name: 'Короткий', days: '30' });
      t.clock.advance(31 * DAY);
      try {
        const again = await profileAgent(t, p, '10.40.0.11');
        assert.match(textOf((await again.get(TOKENS)).body), /Короткий .* истёк/);
      } finally {
        t.clock.advance(-31 * DAY);
      }
    });
  });
}
