import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { Value } from 'typebox/value';

// The repository's root (or a production install's) from both src/platform and dist/platform.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Built by scripts/build-assets.mjs (npm run build, npm start, npm test): hashed files and their manifest. */
export const ASSETS_DIR = path.join(ROOT, 'dist', 'assets');
export const ASSETS_MANIFEST = path.join(ROOT, 'dist', 'assets-manifest.json');
/** The URL prefix of the files under ASSETS_DIR; their names change with their contents. */
export const ASSETS_PREFIX = '/assets/';

const Manifest = Type.Record(Type.String(), Type.String({ pattern: '^/assets/' }));

let manifest: ReadonlyMap<string, string> | undefined;

/**
 * The build's manifest, logical name (`css/site.css`) → URL (`/assets/css/site-K4Z6BH6Y.css`),
 * read once. Kept in the module rather than passed to every view: it is a constant of the build,
 * like the views' own markup.
 */
export function assetManifest(): ReadonlyMap<string, string> {
  if (manifest === undefined) {
    let text: string;
    try {
      text = fs.readFileSync(ASSETS_MANIFEST, 'utf8');
    } catch (err) {
      throw new Error(
        `${ASSETS_MANIFEST} is missing: build the browser assets first (npm run build:static, or npm run build)`,
        { cause: err },
      );
    }
    const parsed: unknown = JSON.parse(text);
    if (!Value.Check(Manifest, parsed)) {
      throw new Error(`${ASSETS_MANIFEST} is not an asset manifest: build the assets again`);
    }
    manifest = new Map(Object.entries(parsed));
  }
  return manifest;
}

/**
 * The URL of a built asset by its logical name: `css/site.css`, `js/reading-form.js` (from
 * reading-form.browser.ts), `vendor/leaflet/leaflet.js`. An unknown name is a programming error.
 */
export function assetPath(name: string): string {
  const url = assetManifest().get(name);
  if (url === undefined) {
    throw new Error(`no asset named ${name} (see ${ASSETS_MANIFEST})`);
  }
  return url;
}
