import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { isSecretSetting, settingsInEffect, urlWithoutCredentials } from './settings.ts';

test('a URL is shown without its user, password, query and fragment', () => {
  assert.equal(
    urlWithoutCredentials('postgres://u:p4ss@db:5432/lk?sslpassword=x#f'),
    'postgres://db:5432/lk',
  );
  assert.equal(urlWithoutCredentials('smtp://user:pass@smtp.example:587'), 'smtp://smtp.example:587');
  assert.equal(urlWithoutCredentials('https://lk.example.ru/'), 'https://lk.example.ru');
  assert.equal(
    urlWithoutCredentials('https://bank.example/payment/rest/'),
    'https://bank.example/payment/rest/',
  );
  // Not a URL with a host: nothing of it is shown.
  assert.equal(urlWithoutCredentials('p4ss'), null);
  assert.equal(urlWithoutCredentials('mailto:u:p4ss'), null);
});

test('secret by name whatever the schema says, or by the schema flag', () => {
  for (const name of ['RBS_PASSWORD', 'APP_SECRET', 'METRICS_TOKEN', 'RBS_CALLBACK_KEY', 'KEY']) {
    assert.equal(isSecretSetting(name, Type.String()), true, name);
  }
  assert.equal(isSecretSetting('RBS_USERNAME', Type.String({ secret: true })), true);
  assert.equal(isSecretSetting('RBS_USERNAME', Type.String()), false);
  assert.equal(isSecretSetting('PORT', Type.Integer({ secret: false })), false);
});

test('each setting: description, given or default, the value in effect, secrets and URLs masked', () => {
  const schema = {
    PORT: Type.Integer({ default: 3000, description: 'порт' }),
    LIMIT: Type.Integer({ default: 5 }),
    SOME_TOKEN: Type.Optional(Type.String({ description: 'токен' })),
    OTHER_KEY: Type.Optional(Type.String()),
    DB_URL: Type.Optional(Type.String()),
    FLAG: Type.Boolean({ default: false }),
  };
  const [section] = settingsInEffect(
    [{ title: 'Группа', schema }],
    { LIMIT: '7', SOME_TOKEN: 'tok-123', DB_URL: 'postgres://a:b@h/d', FLAG: 'true' },
    { PORT: 3000, LIMIT: 7, SOME_TOKEN: 'tok-123', DB_URL: 'postgres://a:b@h/d', FLAG: true },
  );
  assert.equal(section?.title, 'Группа');
  assert.deepEqual(section?.settings, [
    { name: 'PORT', description: 'порт', given: false, secret: false, shown: '3000' },
    { name: 'LIMIT', description: null, given: true, secret: false, shown: '7' },
    { name: 'SOME_TOKEN', description: 'токен', given: true, secret: true, shown: null },
    { name: 'OTHER_KEY', description: null, given: false, secret: true, shown: null },
    { name: 'DB_URL', description: null, given: true, secret: false, shown: 'postgres://h/d' },
    { name: 'FLAG', description: null, given: true, secret: false, shown: 'true' },
  ]);
});
