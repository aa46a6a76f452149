import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { unsupportedNode } from '../platform/config.ts';
import { loadConfig } from './config.ts';

test('defaults: port 3000, SQLite in ./data, Krasnoyarsk time, 30 min / 12 h sessions', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.sqlitePath, path.resolve('data', 'portal.db'));
  assert.equal(c.timeZone, 'Asia/Krasnoyarsk');
  assert.equal(c.session.idleMs, 30 * 60_000);
  assert.equal(c.session.absoluteMs, 12 * 3_600_000);
  assert.equal(c.publicUrl, 'http://localhost:3000');
  assert.equal(c.https, false);
  assert.equal(c.demoMode, false);
});

test('values from the environment are typed and checked', () => {
  const c = loadConfig({
    PORT: '8080',
    DATABASE_URL: 'postgres://u@db/portal',
    PUBLIC_URL: 'https://lk.example.ru/',
    SUPPLIER_TIME_ZONE: 'Europe/Moscow',
    SESSION_IDLE_MINUTES: '15',
    DEMO_MODE: 'true',
  });
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, 'postgres://u@db/portal');
  assert.equal(c.publicUrl, 'https://lk.example.ru');
  assert.equal(c.https, true);
  assert.equal(c.session.idleMs, 15 * 60_000);
  assert.equal(c.demoMode, true);
});

test('bad values stop the boot with a message naming the variable', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
  assert.throws(() => loadConfig({ SUPPLIER_TIME_ZONE: 'Mars/Olympus' }), /SUPPLIER_TIME_ZONE/);
  assert.throws(() => loadConfig({ SESSION_IDLE_MINUTES: '0' }), /SESSION_IDLE_MINUTES/);
  // A setting with a few allowed values says which, once (not once per value).
  assert.throws(
    () => loadConfig({ LOG_LEVEL: 'loud' }),
    (e: Error) =>
      e.message ===
      'bad configuration: LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace, silent',
  );
  assert.throws(
    () => loadConfig({ PAYMENT_GATEWAY: 'visa', PORT: 'x' }),
    (e: Error) =>
      /PAYMENT_GATEWAY must be one of: sandbox, rbs/.test(e.message) &&
      /PORT must be integer/.test(e.message),
  );
  assert.equal(loadConfig({ LOG_LEVEL: 'debug', PAYMENT_GATEWAY: 'sandbox' }).logLevel, 'debug');
});

test('PAYMENT_NO_COMMISSION: off unless set, a yes/no checked at boot', () => {
  assert.equal(loadConfig({}).payments.noCommission, false);
  assert.equal(loadConfig({ PAYMENT_NO_COMMISSION: 'true' }).payments.noCommission, true);
  assert.equal(loadConfig({ PAYMENT_NO_COMMISSION: 'false' }).payments.noCommission, false);
  assert.throws(() => loadConfig({ PAYMENT_NO_COMMISSION: 'maybe' }), /PAYMENT_NO_COMMISSION/);
});

test('СБП: on by default, its QR living PAYMENT_SBP_QR_MINUTES (1 to 1440), checked at boot', () => {
  assert.deepEqual(loadConfig({}).payments.sbp, { enabled: true, qrSeconds: 600 });
  assert.deepEqual(loadConfig({ PAYMENT_SBP: 'false', PAYMENT_SBP_QR_MINUTES: '3' }).payments.sbp, {
    enabled: false,
    qrSeconds: 180,
  });
  assert.throws(() => loadConfig({ PAYMENT_SBP_QR_MINUTES: '0' }), /PAYMENT_SBP_QR_MINUTES/);
  assert.throws(() => loadConfig({ PAYMENT_SBP: 'perhaps' }), /PAYMENT_SBP/);
});

test('the readings window: its first day, not after its last', () => {
  const window = (env: Record<string, string>) => {
    const c = loadConfig(env);
    return [c.readingsFirstDay, c.readingsLastDay];
  };
  assert.deepEqual(window({}), [15, 25]);
  assert.deepEqual(window({ READINGS_FIRST_DAY: '1', READINGS_LAST_DAY: '31' }), [1, 31]);
  assert.deepEqual(window({ READINGS_FIRST_DAY: '20', READINGS_LAST_DAY: '20' }), [20, 20]);
  assert.throws(
    () => loadConfig({ READINGS_FIRST_DAY: '26' }),
    /READINGS_FIRST_DAY \(26\) must not be after READINGS_LAST_DAY \(25\)/,
  );
  assert.throws(() => loadConfig({ READINGS_FIRST_DAY: '0' }), /READINGS_FIRST_DAY/);
});

test('the login limits grow from one browser to one address to everyone', () => {
  const limits = (env: Record<string, string>) => {
    const l = loadConfig(env).loginLimits;
    return [l.maxFailures, l.addressMaxFailures, l.accountMaxFailures];
  };
  assert.deepEqual(limits({}), [5, 10, 20]);
  assert.deepEqual(
    limits({ LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '3', LOGIN_ACCOUNT_MAX_FAILURES: '3' }),
    [3, 3, 3],
  );
  assert.throws(
    () => loadConfig({ LOGIN_MAX_FAILURES: '11' }),
    /LOGIN_MAX_FAILURES \(11\) ≤ LOGIN_ADDRESS_MAX_FAILURES \(10\) ≤ LOGIN_ACCOUNT_MAX_FAILURES \(20\)/,
  );
  assert.throws(() => loadConfig({ LOGIN_ACCOUNT_MAX_FAILURES: '9' }), /LOGIN_ACCOUNT_MAX_FAILURES \(9\)/);
});

test('the Node.js version is checked at boot: 20.19 or later', () => {
  for (const v of ['20.19.0', '20.20.2', '21.0.0', '22.12.0', '24.1.0']) {
    assert.equal(unsupportedNode(v), null, v);
  }
  for (const v of ['20.18.3', '20.10.0', '18.20.4']) {
    assert.match(unsupportedNode(v) ?? '', /20\.19\.0 or later is required; this is /, v);
  }
  assert.equal(unsupportedNode(), null); // the Node.js running these tests
});

test('observability: /metrics off without a token, a short token refused, load shedding at 1 s', () => {
  const c = loadConfig({});
  assert.equal(c.observability.metricsToken, null);
  assert.deepEqual(c.observability.pressure, {
    maxEventLoopDelayMs: 1000,
    maxEventLoopUtilization: 0,
    sampleIntervalMs: 1000,
  });
  const token = 'a'.repeat(32);
  assert.equal(loadConfig({ METRICS_TOKEN: token }).observability.metricsToken, token);
  assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN must NOT have fewer than 32/);
  assert.throws(
    () => loadConfig({ PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '1.5' }),
    /PRESSURE_MAX_EVENT_LOOP_UTILIZATION must be <= 1/,
  );
});

test('settings in effect: each variable once, in its feature group, given or default', () => {
  const c = loadConfig({ SESSION_IDLE_MINUTES: '15', RBS_PASSWORD: 'pw-of-the-bank' });
  const names = c.settings.flatMap((g) => g.settings.map((s) => s.name));
  // Two schemas declaring one variable would check it by whichever came last.
  assert.equal(new Set(names).size, names.length, 'no variable in two schemas');
  const find = (name: string) => c.settings.flatMap((g) => g.settings).find((s) => s.name === name);
  assert.deepEqual(find('SESSION_IDLE_MINUTES')?.given, true);
  assert.equal(find('SESSION_IDLE_MINUTES')?.shown, '15');
  assert.equal(find('SESSION_ABSOLUTE_HOURS')?.shown, '12');
  assert.deepEqual(find('RBS_PASSWORD'), {
    name: 'RBS_PASSWORD',
    description: 'Пароль магазина в шлюзе банка',
    given: true,
    secret: true,
    shown: null,
  });
  assert.ok(!JSON.stringify(c.settings).includes('pw-of-the-bank'));
  assert.equal(
    c.settings.find((g) => g.settings.some((s) => s.name === 'SMTP_URL'))?.title,
    'Счета по электронной почте',
  );
});

test('every setting says in Russian what it is, for the admin’s settings page', () => {
  const missing = loadConfig({})
    .settings.flatMap((g) => g.settings)
    .filter((s) => s.description === null || !/[а-яё]/i.test(s.description))
    .map((s) => s.name);
  assert.deepEqual(missing, []);
});
