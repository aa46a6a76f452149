// Builds what browsers load into dist/assets/, each file named by its content's hash, and
// dist/assets-manifest.json (logical name → URL), which the portal reads once at start
// (src/platform/assets.ts) and serves as immutable. Nothing is bundled at request time, and a
// production install needs neither esbuild nor tsx.
//
//   public/css/*.css            → css/<name>-<hash>.css   (minified)
//   public/js/*.js              → js/<name>-<hash>.js     (minified)
//   src/**/<name>.browser.ts    → js/<name>-<hash>.js     (bundled with the domain code it imports)
//   leaflet's dist/ files       → vendor/leaflet-<hash>/  (as published: Leaflet finds its marker
//                                  images by their unchanged names next to leaflet.css)
//
// Usage: node scripts/build-assets.mjs [--root DIR] [--out DIR]
//   --root  the source tree (default: this repository); --out  where dist/ goes (default: ROOT/dist)
// Files from earlier builds are left in place: their names are their contents, and a server
// started before this build may still send pages that name them. `npm run build` starts from an
// empty dist/.
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const URL_PREFIX = '/assets/';
/** Leaflet's files that its script and stylesheet use at run time (source maps are left out). */
const LEAFLET_FILES = ['leaflet.js', 'leaflet.css', 'images'];

/** esbuild entry points: every stylesheet and script of public/, every *.browser.ts of src/. */
function entryPoints(root) {
  const entries = [];
  for (const [dir, ext, outDir] of [
    ['public/css', '.css', 'css'],
    ['public/js', '.js', 'js'],
  ]) {
    for (const file of readdirOrEmpty(path.join(root, dir)).filter((f) => f.endsWith(ext))) {
      entries.push({ in: path.join(root, dir, file), out: `${outDir}/${path.basename(file, ext)}` });
    }
  }
  const src = path.join(root, 'src');
  for (const file of fs.readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.browser.ts')) {
      entries.push({ in: path.join(src, file), out: `js/${path.basename(file, '.browser.ts')}` });
    }
  }
  const outs = entries.map((e) => e.out).sort();
  const twice = outs.find((out, i) => out === outs[i - 1]);
  if (twice) {
    throw new Error(`two sources would both be ${twice}: rename one`);
  }
  return entries;
}

function readdirOrEmpty(dir) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** Bundles and minifies the entries; returns logical name → URL from esbuild's metafile. */
async function buildBundles(root, assetsDir) {
  const entries = entryPoints(root);
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: assetsDir,
    entryNames: '[dir]/[name]-[hash]',
    bundle: true,
    format: 'iife',
    target: ['es2019'],
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outOf = new Map(entries.map((e) => [path.relative(root, e.in), e.out]));
  const manifest = {};
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    const out = meta.entryPoint === undefined ? undefined : outOf.get(meta.entryPoint);
    if (out === undefined) {
      continue;
    }
    const ext = path.extname(output);
    manifest[`${out}${ext}`] =
      URL_PREFIX + path.relative(assetsDir, path.resolve(root, output)).split(path.sep).join('/');
  }
  return manifest;
}

/** Copies Leaflet's files into a folder named by the hash of all of them. */
function copyLeaflet(root, assetsDir) {
  const require = createRequire(path.join(root, 'package.json'));
  const from = path.dirname(require.resolve('leaflet/dist/leaflet.js'));
  const files = LEAFLET_FILES.flatMap((name) =>
    fs.statSync(path.join(from, name)).isDirectory()
      ? fs.readdirSync(path.join(from, name)).map((f) => path.join(name, f))
      : [name],
  ).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`).update(fs.readFileSync(path.join(from, file)));
  }
  const folder = `vendor/leaflet-${hash.digest('hex').slice(0, 10)}`;
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(assetsDir, folder, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(assetsDir, folder, file));
  }
  return {
    'vendor/leaflet/leaflet.css': `${URL_PREFIX}${folder}/leaflet.css`,
    'vendor/leaflet/leaflet.js': `${URL_PREFIX}${folder}/leaflet.js`,
  };
}

/** Builds the assets of the tree at `root` into `outDir`/assets and writes the manifest beside. */
export async function buildAssets({ root, outDir }) {
  const assetsDir = path.join(outDir, 'assets');
  fs.mkdirSync(assetsDir, { recursive: true });
  const bundles = await buildBundles(root, assetsDir);
  const manifest = { ...bundles, ...copyLeaflet(root, assetsDir) };
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  // Written whole, then renamed: a server starting meanwhile reads the old manifest or the new one.
  const file = path.join(outDir, 'assets-manifest.json');
  fs.writeFileSync(`${file}.${process.pid}`, `${JSON.stringify(sorted, null, 2)}\n`);
  fs.renameSync(`${file}.${process.pid}`, file);
  return sorted;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' } } });
  const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const outDir = path.resolve(values.out ?? path.join(root, 'dist'));
  const started = performance.now();
  const manifest = await buildAssets({ root, outDir });
  const ms = Math.round(performance.now() - started);
  console.log(
    `assets: ${Object.keys(manifest).length} built into ${path.relative(process.cwd(), outDir) || '.'}/assets in ${ms} ms`,
  );
}
