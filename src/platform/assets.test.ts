import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assetPath } from './assets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs the build script as `npm run build` does, on the tree at `root`; returns its manifest. */
function buildAssets(root: string, out: string): Record<string, string> {
  const res = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts/build-assets.mjs'), '--root', root, '--out', out],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(fs.readFileSync(path.join(out, 'assets-manifest.json'), 'utf8')) as Record<
    string,
    string
  >;
}

test('a changed source changes the hash of the files built from it, and of no other', () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-assets-'));
  try {
    for (const dir of ['public', 'src']) {
      fs.cpSync(path.join(ROOT, dir), path.join(tree, dir), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    const before = buildAssets(tree, path.join(tree, 'one'));

    fs.appendFileSync(path.join(tree, 'public/css/site.css'), '\n.probe-rule { color: red }\n');
    // The domain code the reading form's script shares with the server: a change there must reach
    // browsers too.
    fs.appendFileSync(
      path.join(tree, 'src/domain/consumption.ts'),
      '\n(globalThis as { probe?: number }).probe = 1;\n',
    );
    const after = buildAssets(tree, path.join(tree, 'two'));

    assert.deepEqual(Object.keys(after), Object.keys(before));
    const changed = Object.keys(before).filter((name) => before[name] !== after[name]);
    assert.deepEqual(changed.sort(), ['css/site.css', 'js/reading-form.js']);
    const css = fs.readFileSync(path.join(tree, 'two', after['css/site.css']!), 'utf8');
    assert.match(css, /\.probe-rule\{color:red\}/);
    const js = fs.readFileSync(path.join(tree, 'two', after['js/reading-form.js']!), 'utf8');
    assert.match(js, /probe=1/);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test('the manifest names every built file by logical name, each file hashed', () => {
  const url =
    /^\/assets\/(?:(?:css|js)\/[\w-]+-[A-Z0-9]{8}\.(?:css|js)|vendor\/leaflet-[0-9a-f]{10}\/leaflet\.(?:css|js))$/;
  for (const name of [
    'css/site.css',
    'css/payments.css',
    'js/print.js',
    'js/offices-map.js',
    'js/reading-form.js',
    'vendor/leaflet/leaflet.css',
    'vendor/leaflet/leaflet.js',
  ]) {
    assert.match(assetPath(name), url, name);
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', assetPath(name))), name);
  }
  assert.throws(() => assetPath('css/no-such.css'), /no asset named css\/no-such\.css/);
});
