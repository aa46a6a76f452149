import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createTestApp, testDialects, type TestApp } from '../../../test/helpers.ts';
import { accountIdOf, addProfile, addToken, ApiClient, Contract } from '../../../test/api-support.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The README's «API» section, read from the README itself: its curl lines and its Home Assistant
// configuration run against the app, so that a renamed path or field breaks this test, not a
// customer's sensor.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HOST = 'https://lk.example.ru';

/** The README's «## API» section's code blocks of one language. */
function blocks(lang: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## API\n');
  assert.ok(start >= 0, 'the README has an «API» section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

interface Curl {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** The curl commands of the section's shell block (continued lines joined). */
function curls(): Curl[] {
  const sh = blocks('sh')
    .join('\n')
    .replace(/\\\n\s*/g, ' ');
  return sh
    .split('\n')
    .filter((l) => l.startsWith('curl '))
    .map((l) => ({
      method: / -X POST /.test(l) ? ('POST' as const) : ('GET' as const),
      path: /https:\/\/lk\.example\.ru(\S+)/.exec(l)![1]!,
      ...(/ -d '([^']*)'/.test(l) ? { body: / -d '([^']*)'/.exec(l)![1]! } : {}),
    }));
}

interface HaConfig {
  rest: Array<{ resource: string; sensor: Array<{ value_template: string }> }>;
  rest_command: Record<
    string,
    { url: string; method: string; payload: string; headers: Record<string, string> }
  >;
}

for (const dialect of await testDialects()) {
  describe(`the README's API examples (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;

    before(async () => {
      t = await createTestApp(dialect);
      const profile = await addProfile(t.db, 'r@example.ru', [await accountIdOf(t.db, DEMO_ACCOUNT.number)]);
      const token = await addToken(t.db, profile, {
        now: t.clock.now().getTime(),
        scopes: 'read,readings:write',
      });
      api = new ApiClient(t.app, await Contract.of(t.app), t.clock, token);
    });
    after(async () => t.close());

    test('every curl line works as written', async () => {
      const list = curls();
      assert.ok(list.length >= 4, `curl lines: ${list.length}`);
      assert.ok(list.some((c) => c.method === 'POST'));
      for (const c of list) {
        const res =
          c.method === 'POST'
            ? await api.post(c.path, c.body ?? '', { 'idempotency-key': `readme-${c.path}` })
            : await api.get(c.path);
        assert.equal(
          res.statusCode,
          c.method === 'POST' ? 201 : 200,
          `${c.method} ${c.path}: ${res.body.slice(0, 300)}`,
        );
      }
    });

    test("the Home Assistant sensor reads a field the balance has, and the command's body is a reading", async () => {
      const [yaml] = blocks('yaml');
      assert.ok(yaml);
      const ha = parse(yaml, { logLevel: 'silent' }) as HaConfig;
      const rest = ha.rest[0]!;
      assert.ok(rest.resource.startsWith(HOST));
      const balance = await api.get(rest.resource.slice(HOST.length));
      assert.equal(balance.statusCode, 200);
      const field = /value_json\.(\w+)/.exec(rest.sensor[0]!.value_template)![1]!;
      assert.equal(typeof balance.json<Record<string, unknown>>()[field], 'number', field);

      const commands = Object.values(ha.rest_command);
      assert.equal(commands.length, 1);
      const cmd = commands[0]!;
      assert.equal(cmd.method, 'post');
      assert.ok(cmd.url.startsWith(HOST));
      // Home Assistant renders the templates: the value a meter sensor gives, this month.
      const render = (s: string) =>
        s.replace(/\{\{[^}]*value[^}]*\}\}/g, '28480').replace(/\{\{[^}]*\}\}/g, '2026-06');
      const key = render(cmd.headers['Idempotency-Key']!);
      assert.match(key, /^[\x21-\x7e]{1,255}$/);
      const sent = await api.post(cmd.url.slice(HOST.length), render(cmd.payload), {
        'idempotency-key': key,
      });
      assert.equal(sent.statusCode, 201, sent.body);
      assert.deepEqual(sent.json<{ reading: { values: number[] } }>().reading.values, [28480]);
      // Called again with the same value (an automation run twice): the same reading, not another.
      const again = await api.post(cmd.url.slice(HOST.length), render(cmd.payload), {
        'idempotency-key': key,
      });
      assert.equal(again.headers['idempotent-replayed'], 'true');
    });
  });
}
