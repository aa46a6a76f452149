// Checks a started portal from outside, as CI does with the production install: it answers
// /readyz, serves the login page and the stylesheets it links, and serves the build's hashed
// stylesheet as immutable and compressed. Exits 1 with the reason when something is wrong.
//
// Usage: node scripts/smoke.mjs BASE_URL ASSETS_MANIFEST [--wait SECONDS]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { wait: { type: 'string' } } });
const [base, manifestFile] = positionals;
if (!base || !manifestFile) {
  console.error('usage: node scripts/smoke.mjs BASE_URL ASSETS_MANIFEST [--wait SECONDS]');
  process.exit(2);
}

function check(ok, what) {
  if (!ok) {
    console.error(`smoke: ${what}`);
    process.exit(1);
  }
  console.log(`smoke: ok: ${what}`);
}

async function waitForHealth(seconds) {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        console.log(`smoke: ok: ${base}/readyz answers`);
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      check(false, `${base}/readyz did not answer within ${seconds} s`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

await waitForHealth(Number(values.wait ?? 60));

const login = await fetch(`${base}/cabinet`);
const html = await login.text();
check(login.status === 200 && html.includes('Личный кабинет'), 'the login page is served');
const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]);
check(links.length > 0, 'the login page links a stylesheet');
for (const href of links) {
  const res = await fetch(new URL(href, base));
  check(res.status === 200 && /^text\/css/.test(res.headers.get('content-type') ?? ''), `${href} is served`);
}

const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const css = manifest['css/site.css'];
const res = await fetch(new URL(css, base), { headers: { 'accept-encoding': 'br' } });
check(res.status === 200, `${css} is served`);
check(/^text\/css/.test(res.headers.get('content-type') ?? ''), `${css} is text/css`);
check(res.headers.get('cache-control') === 'public, max-age=31536000, immutable', `${css} is immutable`);
check(res.headers.get('content-encoding') === 'br', `${css} is compressed with brotli`);
check((await res.text()).includes('.site-header'), `${css} decompresses to the stylesheet`);
