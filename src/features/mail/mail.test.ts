import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  asciiDomain,
  maskEmail,
  needsSmtpUtf8,
  parseEmail,
  parseMailbox,
  scrubEmails,
} from './email-address.ts';
import { classifySendError } from './transport.ts';
import { parseDsn } from './dsn.ts';
import { backoffMs } from './mail.worker.ts';
import { progressBar, readingsLastDate } from './mailing.ts';
import { emailHash, isToken, newConfirmToken, unsubscribeToken } from './tokens.ts';
import { loadConfig } from '../../app/config.ts';

test('parseEmail: normalises good addresses', () => {
  assert.deepEqual(parseEmail('  Ivanov.P@Mail.RU '), { ok: true, email: 'ivanov.p@mail.ru' });
  assert.deepEqual(parseEmail("o'hara+bills@sub.example.co.uk"), {
    ok: true,
    email: "o'hara+bills@sub.example.co.uk",
  });
  assert.deepEqual(parseEmail('ivan@почта.рф'), { ok: true, email: 'ivan@почта.рф' });
  // One address, however its domain is spelt: kept in Unicode, sent as punycode.
  assert.deepEqual(parseEmail('ivan@xn--80a1acny.xn--p1ai'), { ok: true, email: 'ivan@почта.рф' });
  assert.deepEqual(parseEmail('Иванов@ПОЧТА.РФ'), { ok: true, email: 'иванов@почта.рф' });
  assert.deepEqual(parseEmail('user@пример.рф'), { ok: true, email: 'user@пример.рф' });
  assert.equal(asciiDomain('иванов@почта.рф'), 'иванов@xn--80a1acny.xn--p1ai');
  assert.equal(needsSmtpUtf8('иванов@почта.рф'), true);
  assert.equal(needsSmtpUtf8('user@пример.рф'), false);
});

test('parseEmail: a Russian message for each kind of mistake', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /Введите адрес/],
    ['   ', /Введите адрес/],
    ['ivanov.mail.ru', /нет знака «@»/],
    ['a@b@c.ru', /один знак «@»/],
    ['@mail.ru', /не полностью/],
    ['ivanov@', /не полностью/],
    ['иван"ов@mail.ru', /допускаются буквы, цифры/],
    ['ivanov@xn--zz.ru', /имя почтового сервера/],
    ['iva..nov@mail.ru', /дважды подряд/],
    ['ivanov.@mail.ru', /последней/],
    ['ivanov@mail', /имя почтового сервера/],
    ['ivanov@-mail.ru', /имя почтового сервера/],
    ['ivanov@mail.r', /имя почтового сервера/],
    ['ivanov@[127.0.0.1]', /имя почтового сервера/],
    ['ivanov@127.0.0.1', /имя почтового сервера/],
    ['iva nov@mail.ru', /пробелов/],
    ['ivanov@mail.ru\r\nBcc: x@y.ru', /пробелов/],
    ['ivanov@mail.ru\u0000', /пробелов/],
    [`${'a'.repeat(65)}@mail.ru`, /допускаются буквы, цифры/],
    [`a@${'b'.repeat(250)}.ru`, /слишком длинный/],
  ];
  for (const [input, message] of cases) {
    const r = parseEmail(input);
    assert.equal(r.ok, false, input);
    if (!r.ok) {
      assert.match(r.message, message, JSON.stringify(input));
    }
  }
});

test('parseEmail: whatever it accepts is safe in a header and round-trips', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.emailAddress()), (s) => {
      const r = parseEmail(s);
      if (!r.ok) {
        return;
      }
      assert.doesNotMatch(r.email, /[\s<>",;\\]/u);
      assert.equal(r.email.split('@').length, 2);
      assert.deepEqual(parseEmail(r.email), r, 'idempotent');
    }),
    { numRuns: 2000 },
  );
});

test('masking: never the full address', () => {
  assert.equal(maskEmail('ivanov@mail.ru'), 'i***@mail.ru');
  assert.equal(maskEmail('x@mail.ru'), '***@mail.ru');
  assert.equal(maskEmail('nonsense'), '***');
  assert.equal(
    scrubEmails('550 5.1.1 <ivanov@mail.ru>: Recipient address rejected; cc petrov@yandex.ru'),
    '550 5.1.1 <i***@mail.ru>: Recipient address rejected; cc p***@yandex.ru',
  );
});

test('parseMailbox: the configured sender', () => {
  assert.deepEqual(parseMailbox('ОАО «Хакасэнергосбыт» <noreply@khakensb.ru>'), {
    name: 'ОАО «Хакасэнергосбыт»',
    address: 'noreply@khakensb.ru',
  });
  assert.deepEqual(parseMailbox('"Личный кабинет" <lk@example.ru>'), {
    name: 'Личный кабинет',
    address: 'lk@example.ru',
  });
  assert.deepEqual(parseMailbox('noreply@localhost'), { name: null, address: 'noreply@localhost' });
  assert.equal(parseMailbox('nobody'), null);
  assert.equal(parseMailbox('a <b@c> d'), null);
});

test('SMTP errors: 5xx to the message is permanent; 4xx, 503, session and connection errors are not', () => {
  const e = (o: object) => classifySendError(Object.assign(new Error('x'), o));
  assert.equal(e({ responseCode: 550, command: 'RCPT TO' }).permanent, true);
  assert.equal(e({ responseCode: 552, command: 'DATA' }).permanent, true);
  assert.equal(e({ responseCode: 554, command: 'MAIL FROM' }).permanent, true);
  assert.equal(e({ responseCode: 451, command: 'RCPT TO' }).permanent, false);
  assert.equal(e({ responseCode: 421, command: 'DATA' }).permanent, false);
  assert.equal(e({ responseCode: 503, command: 'RCPT TO' }).permanent, false);
  assert.equal(
    e({ responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH' }).permanent,
    false,
    'a refused login is our configuration, not the message',
  );
  assert.equal(e({ responseCode: 554, command: 'CONN' }).permanent, false);
  assert.equal(e({ code: 'ECONNECTION' }).permanent, false);
  assert.equal(classifySendError(new Error('boom <a.b@c.ru>')).message, 'boom <a***@c.ru>');
});

test('SMTP errors: a permanent refusal of RCPT TO or DATA is a bounce, of MAIL FROM is not', () => {
  const e = (o: object) => classifySendError(Object.assign(new Error('x'), o));
  assert.equal(e({ responseCode: 550, command: 'RCPT TO' }).bounced, true);
  assert.equal(e({ responseCode: 554, command: 'DATA' }).bounced, true);
  assert.equal(e({ responseCode: 553, command: 'MAIL FROM' }).bounced, false, 'our sender was refused');
  assert.equal(e({ responseCode: 450, command: 'RCPT TO' }).bounced, false, 'a 4xx is retried');
  assert.equal(e({ responseCode: 503, command: 'RCPT TO' }).bounced, false);
  assert.equal(e({ code: 'ETIMEDOUT' }).bounced, false);
});

test('back-off doubles from the base up to the cap', () => {
  const mail = { retryBaseMs: 60_000, retryMaxMs: 3_600_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 7, 8, 50].map((a) => backoffMs(mail, a)),
    [60_000, 120_000, 240_000, 480_000, 3_600_000, 3_600_000, 3_600_000],
  );
});

test('the progress bar and the readings window', () => {
  assert.equal(progressBar(0, 0, 10), '[██████████] 100% 0/0');
  assert.equal(progressBar(1, 3, 10), '[███░░░░░░░] 33% 1/3');
  assert.equal(progressBar(1000, 1000, 4), '[████] 100% 1000/1000');
  assert.equal(readingsLastDate('2026-02', 30), '2026-02-28');
  assert.equal(readingsLastDate('2026-06', 25), '2026-06-25');
});

test('tokens: 256 random bits; the unsubscribe token depends on the account, the address and the key', () => {
  const a = newConfirmToken();
  assert.ok(isToken(a));
  assert.notEqual(a, newConfirmToken());
  assert.ok(!isToken(`${a}x`) && !isToken('../../etc') && !isToken(''));
  const t = unsubscribeToken('k', 1, 'a@b.ru');
  assert.ok(isToken(t));
  assert.notEqual(t, unsubscribeToken('k', 2, 'a@b.ru'));
  assert.notEqual(t, unsubscribeToken('k', 1, 'c@b.ru'));
  assert.notEqual(t, unsubscribeToken('k2', 1, 'a@b.ru'));
  assert.notEqual(emailHash('k', 'a@b.ru'), emailHash('k2', 'a@b.ru'));
});

test('mail configuration is checked at boot', () => {
  const base = { DATA_DIR: '/tmp/lk-test' };
  const c = loadConfig(base);
  assert.equal(c.mail.smtpUrl, undefined);
  assert.equal(c.mail.emlDir, '/tmp/lk-test/outbox-eml');
  assert.equal(c.mail.senderName, 'ОАО «Хакасэнергосбыт»');
  assert.equal(c.mail.confirmTtlMs, 24 * 3_600_000);
  assert.equal(
    loadConfig({ ...base, SMTP_URL: 'smtps://u:p@smtp.example.ru:465' }).mail.smtpUrl,
    'smtps://u:p@smtp.example.ru:465',
  );
  assert.throws(() => loadConfig({ ...base, SMTP_URL: 'http://x' }), /SMTP_URL/);
  assert.throws(() => loadConfig({ ...base, MAIL_FROM: 'nobody' }), /MAIL_FROM/);
  assert.throws(
    () => loadConfig({ ...base, MAIL_LEASE_SECONDS: '30', MAIL_SMTP_TIMEOUT_SECONDS: '30' }),
    /MAIL_SMTP_TIMEOUT_SECONDS/,
  );
  assert.throws(() => loadConfig({ ...base, MAIL_REMINDER_DAY: '27' }), /MAIL_REMINDER_DAY/);
  assert.throws(() => loadConfig({ ...base, MAIL_CONCURRENCY: '0' }), /MAIL_CONCURRENCY/);
});

test('parseDsn: the returned message/rfc822, each recipient block, only 5.x.x failures', async () => {
  const dsn = [
    'From: MAILER-DAEMON@mx.example.ru',
    'Subject: Delivery Status Notification (Failure)',
    'In-Reply-To: <reminder-2026-07-5@khakensb.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary=XYZ',
    '',
    '--XYZ',
    'Content-Type: text/plain',
    '',
    'Delivery failed.',
    '--XYZ',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.ru',
    '',
    'Original-Recipient: rfc822; Ivanov@Example.RU',
    'Final-Recipient: rfc822; ivan@other.example.ru',
    'Action: failed',
    'Status: 5.2.2 (mailbox full)',
    'Diagnostic-Code: smtp; 552-5.2.2 The mailbox of ivanov@example.ru',
    '  is full',
    '',
    'Final-Recipient: rfc822; late@example.ru',
    'Action: delayed',
    'Status: 4.4.1',
    '',
    'Final-Recipient: rfc822; soft@example.ru',
    'Action: failed',
    'Status: 4.0.0',
    '',
    '--XYZ',
    'Content-Type: message/rfc822',
    '',
    'Message-ID: <bill-2026-06-17@khakensb.test>',
    'Subject: test',
    '',
    'The bill.',
    '--XYZ--',
    '',
  ].join('\r\n');
  assert.deepEqual(await parseDsn(Buffer.from(dsn)), {
    kind: 'dsn',
    messageIds: ['<bill-2026-06-17@khakensb.test>', '<reminder-2026-07-5@khakensb.test>'],
    failures: [
      {
        recipient: 'ivanov@example.ru',
        status: '5.2.2',
        diagnostic: '552-5.2.2 The mailbox of i***@example.ru is full',
      },
    ],
  });
  assert.deepEqual(await parseDsn(Buffer.from('Subject: Re: bill\r\n\r\nThanks')), { kind: 'not-dsn' });
  assert.deepEqual(await parseDsn(Buffer.alloc(0)), { kind: 'not-dsn' });
});
