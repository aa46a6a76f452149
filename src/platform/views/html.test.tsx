import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeHtml, fromPreact, html } from './html.ts';
import { utf8 } from './render.ts';

test('text and attribute values are escaped; markup from templates is not escaped again', () => {
  const name = `<script>alert("x")</script> & 'q'`;
  const row = html`<td title="${name}">${name}</td>`;
  assert.equal(
    row.value,
    '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</td>',
  );
  assert.equal(html`<tr>${row}</tr>`.value, `<tr>${row.value}</tr>`);
});

test('lists are joined, nothing renders as JSX does (null, undefined, booleans), numbers as digits', () => {
  const items = ['a<b', html`<b>c</b>`, 0, null, undefined, false, true, [1, ['&']]];
  assert.equal(html`<p>${items}</p>`.value, '<p>a&lt;b<b>c</b>01&amp;</p>');
  assert.equal(html`${-12.5}|${''}`.value, '-12.5|');
});

test('escaped text never contains markup characters, and reads back as the original', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const e = html`${s}`.value;
      assert.ok(!/[<>"']/.test(e));
      const back = e.replace(
        /&(lt|gt|quot|#39|amp);/g,
        (_, n: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[n]!,
      );
      assert.equal(back, s);
      assert.equal(escapeHtml(s), e);
    }),
  );
});

test('Preact output is taken as markup: Preact escaped it', () => {
  const node = <p title={'"x"'}>{'<y>'}</p>;
  assert.equal(html`<div>${fromPreact(node)}</div>`.value, '<div><p title="&quot;x&quot;">&lt;y></p></div>');
});

test('a page is encoded as Buffer.from encodes it, whatever its characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      assert.deepEqual(utf8(s), Buffer.from(s));
    }),
  );
  assert.equal(utf8('Ёж 🙂 ₽').toString(), 'Ёж 🙂 ₽');
});
