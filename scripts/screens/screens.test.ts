// docs/screens/, the README and `npm run screens`'s list agree: every picture the README shows is
// there and made by the script, every one the script makes is shown, and they stay small. Reads
// files only: no browser, no server (run.ts makes the pictures; `npm test` never runs it).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_PAGE_HEIGHT, SCREENS, SCREENS_DIR, SIZES, referencedScreens } from './screens.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = path.join(ROOT, SCREENS_DIR);
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const MADE = SCREENS.map((s) => s.file);
/** docs/screens/ as a whole, so that the README stays light to load and the repository to clone. */
const MAX_TOTAL_BYTES = 2.5 * 1024 * 1024;

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const head = readFileSync(file).subarray(0, 24);
  assert.deepEqual([...head.subarray(1, 4)], [0x50, 0x4e, 0x47], `${file} is a PNG`);
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

describe('the screenshots in docs/screens', () => {
  test('finds the pictures and links of a Markdown text', () => {
    const md =
      '![a](docs/screens/a.png) [b](./docs/screens/b.png), ![a again](docs/screens/a.png) (docs/screens/c.png)';
    assert.deepEqual(referencedScreens(md), ['a.png', 'b.png']);
  });

  test('the script makes each file once', () => {
    assert.equal(new Set(MADE).size, MADE.length, JSON.stringify(MADE));
  });

  test('every file the README references is in docs/screens and made by the script', () => {
    const referenced = referencedScreens(README);
    const present = new Set(readdirSync(DIR));
    assert.deepEqual(
      referenced.filter((f) => !present.has(f)),
      [],
      'referenced but missing',
    );
    assert.deepEqual(
      referenced.filter((f) => !MADE.includes(f)),
      [],
      'referenced but not made by the script',
    );
  });

  test('every screen the script makes is referenced by the README, with the command that remakes them', () => {
    const referenced = new Set(referencedScreens(README));
    assert.deepEqual(
      MADE.filter((f) => !referenced.has(f)),
      [],
      'made but not referenced',
    );
    assert.match(README, /npm run screens/);
  });

  test('docs/screens holds only what the script makes, each of its size, under 2.5 MB in all', () => {
    assert.deepEqual(readdirSync(DIR).sort(), [...MADE].sort());
    let total = 0;
    for (const screen of SCREENS) {
      const file = path.join(DIR, screen.file);
      total += readFileSync(file).length;
      if (screen.kind === 'page') {
        const { width, height } = pngSize(file);
        const window = SIZES[screen.size];
        assert.equal(width, window.width, screen.file);
        const most = screen.extent === 'top' ? window.height : MAX_PAGE_HEIGHT[screen.size];
        assert.ok(height >= window.height && height <= most, `${screen.file}: ${height} px high`);
      }
    }
    assert.ok(total <= MAX_TOTAL_BYTES, `docs/screens: ${total} bytes`);
  });
});
