import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { testDialects, textOf } from '../../../test/helpers.ts';
import { parse, type SmtpSink } from '../../../test/mail-support.ts';
import { mailFixture } from './mail-fixture.db.test.ts';

// Internationalised addresses (issue 20, fault 10): the domain goes out as punycode, so any SMTP
// server takes `user@пример.рф`; a mailbox with letters beyond ASCII before the `@`
// (`иванов@почта.рф`) needs a server that offers SMTPUTF8, and otherwise is refused with a message.

/** The SMTP peer's EHLO reply, read off the wire: what it advertises. */
async function ehloOf(sink: SmtpSink): Promise<string> {
  const url = new URL(sink.url);
  const socket = new Socket();
  let text = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(Number(url.port), url.hostname, resolve);
  });
  socket.on('data', (d: Buffer) => {
    text += d.toString();
    if (/^220 /m.test(text) && !text.includes('EHLO sent')) {
      text += '\nEHLO sent\n';
      socket.write('EHLO test.local\r\n');
    }
  });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (/^250 /m.test(text.split('EHLO sent')[1] ?? '')) {
        clearInterval(check);
        resolve();
      }
    }, 10);
  });
  socket.end('QUIT\r\n');
  return text.split('EHLO sent')[1]!;
}

for (const dialect of await testDialects()) {
  describe(`internationalised addresses, the SMTP server offering SMTPUTF8 (${dialect})`, () => {
    const f = mailFixture(dialect);
    before(async () => {
      assert.match(await ehloOf(f.sink), /^250[ -]SMTPUTF8/m, 'the peer advertises SMTPUTF8');
    });

    test('иванов@почта.рф is saved and gets its confirmation; the domain travels as punycode', async () => {
      const { agent } = await f.session('c');
      const link = await f.saveAndGetLink(agent, 'Иванов@Почта.РФ');
      assert.equal((await f.subscription('c'))?.email, 'иванов@почта.рф');
      const [message] = f.sentTo('иванов@почта.рф');
      assert.ok(message, 'sent');
      assert.equal(message.smtpUtf8, true, 'with SMTPUTF8');
      assert.match((await parse(message).then((m) => m.text)) ?? '', /mail\/confirm\//);
      const page = await agent.get(link);
      assert.equal(page.statusCode, 200);
      const done = await agent.post(link, {});
      assert.equal(done.statusCode, 303, done.body);
      assert.notEqual((await f.subscription('c'))?.confirmed_at ?? null, null);
    });

    test('user@пример.рф and its punycode spelling are one address', async () => {
      const { agent } = await f.session('d');
      await f.saveAndGetLink(agent, 'user@xn--e1afmkfd.xn--p1ai');
      assert.equal((await f.subscription('d'))?.email, 'user@пример.рф');
      const sent = f.sentTo('user@пример.рф');
      assert.equal(sent.length, 1);
      // smtp-server shows the domain decoded; the envelope needed no SMTPUTF8, so it was punycode.
      assert.equal(sent[0]!.smtpUtf8, false, 'the domain went as punycode');
      const again = await agent.post('/cabinet/email', {
        email: 'user@пример.рф',
        subscribed: 'yes',
        action: 'save',
      });
      assert.equal(again.statusCode, 303);
      assert.equal(f.sentTo('user@пример.рф').length, 1, 'the same address: no new confirmation');
    });
  });

  describe(`internationalised addresses, the SMTP server without SMTPUTF8 (${dialect})`, () => {
    const f = mailFixture(dialect, { smtpUtf8: false });
    before(async () => {
      assert.doesNotMatch(await ehloOf(f.sink), /SMTPUTF8/, 'the peer does not advertise SMTPUTF8');
    });

    test('иванов@почта.рф is refused with a Russian message next to the field; nothing stored or sent', async () => {
      const { agent } = await f.session('e');
      const sent = f.sink.received.length;
      const res = await agent.post('/cabinet/email', {
        email: 'иванов@почта.рф',
        subscribed: 'yes',
        action: 'save',
      });
      assert.equal(res.statusCode, 400);
      const m = /id="mail-email-error"[^>]*>([^<]*)</.exec(res.body);
      assert.match(
        textOf(m?.[1] ?? ''),
        /не может отправить письмо на адрес с нелатинскими .* буквами до знака «@»/,
      );
      assert.equal(await f.subscription('e'), undefined);
      assert.equal(f.sink.received.length, sent);
    });

    test('user@пример.рф needs no SMTPUTF8: saved and sent to the punycode domain', async () => {
      const { agent } = await f.session('f');
      await f.saveAndGetLink(agent, 'user@пример.рф');
      assert.equal((await f.subscription('f'))?.email, 'user@пример.рф');
      const sent = f.sentTo('user@пример.рф');
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.smtpUtf8, false, 'the domain went as punycode');
    });
  });
}
