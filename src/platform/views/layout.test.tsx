import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assetPath } from '../assets.ts';
import { CABINET_CRUMBS, FAVICON, Layout } from './layout.tsx';
import { renderPage } from './render.ts';

/** What a browser reads back from escaped text or a quoted attribute value. */
function unescape(s: string): string {
  return s.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_, n: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[n]!,
  );
}

test('the frame: head, skip link, header with the logout form, breadcrumbs, main, footer, in this order', () => {
  const page = renderPage(
    <Layout
      title="Личный кабинет"
      supplierName="ООО «Энергосбыт»"
      crumbs={CABINET_CRUMBS}
      logout={{ csrfToken: 'tok' }}
      scripts={['js/print.js']}
      styles={['css/payments.css']}
    >
      <p id="content">x</p>
    </Layout>,
  );
  assert.ok(page.startsWith('<!doctype html><html lang="ru"><head><meta charset="utf-8"/>'));
  assert.match(page, /<title>Личный кабинет — ООО «Энергосбыт»<\/title>/);
  assert.ok(page.includes(`<link rel="stylesheet" href="${assetPath('css/site.css')}"/>`));
  assert.ok(page.includes(`<link rel="icon" href="${FAVICON}" type="image/svg+xml"/>`));
  assert.ok(
    page.includes(
      `<link rel="stylesheet" href="${assetPath('css/payments.css')}"/><script src="${assetPath('js/print.js')}" defer></script></head>`,
    ),
  );
  const order = [
    '<body><a class="skip-link" href="#main">Перейти к содержанию</a><header class="site-header">',
    '<form method="post" action="/logout" class="logout-form"><input type="hidden" name="_csrf" value="tok"/>',
    '<nav class="breadcrumbs" aria-label="Вы здесь"><ol><li><a href="/">Главная</a></li>',
    '<li><span class="crumb-sep" aria-hidden="true"> → </span><span aria-current="page">Личный кабинет</span></li>',
    '<main id="main" tabindex="-1"><p id="content">x</p></main>',
    '<footer class="site-footer"><p>ООО «Энергосбыт» · <a href="/privacy">',
  ].map((s) => page.indexOf(s));
  assert.ok(
    order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
    `${order.join(', ')}\n${page}`,
  );
  assert.ok(page.endsWith('</footer></body></html>'));
});

test('no logout form and no breadcrumbs unless asked for', () => {
  const page = renderPage(<Layout title="Главная" supplierName="S" />);
  assert.doesNotMatch(page, /logout-form|breadcrumbs|<script/);
});

test('texts and attribute values are escaped, and read back as they were', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (text, attr) => {
      const page = renderPage(<Layout title={text} supplierName="S" logout={{ csrfToken: attr }} />);
      const title = /<title>([^<]*)<\/title>/.exec(page);
      assert.ok(title, page);
      assert.equal(unescape(title[1]!), `${text} — S`);
      // An empty value is written as a bare attribute, which HTML reads as "".
      const value = /name="_csrf" value(?:="([^"]*)")?\/>/.exec(page);
      assert.ok(value, page);
      assert.equal(unescape(value[1] ?? ''), attr);
    }),
  );
});
