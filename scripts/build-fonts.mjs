// Subsets the fonts of bills and slips (DejaVu Sans Condensed and its bold, from the
// dejavu-fonts-ttf package) to the characters a bill can hold, with subset-font (HarfBuzz's
// hb-subset), into generated/fonts/. pdfkit embeds them with its own font embedding; see
// src/features/billing/pdf/pdf-fonts.ts, which names this script when the files are missing.
// Usage: node scripts/build-fonts.mjs   (npm run build, npm test and npm run quickstart run it)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const OUT = path.join(import.meta.dirname, '..', 'generated', 'fonts');
const FONTS = {
  'bill-regular.ttf': 'dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf',
  'bill-bold.ttf': 'dejavu-fonts-ttf/ttf/DejaVuSansCondensed-Bold.ttf',
};

// What a bill prints: the form's Russian text, figures, requisites and URLs, and customers' names
// and addresses as imported, which may be written in any language of the region's people or
// carry a foreign name. Whole blocks, so that no letter of a language is half there. A character
// outside these prints as the font's empty box (.notdef) and the bill is made as usual.
const RANGES = [
  [0x0020, 0x007e], // Basic Latin
  [0x00a0, 0x00ff], // Latin-1: « » ² ° § ± × ÷, no-break space, Western European letters
  [0x0100, 0x024f], // Latin Extended-A and -B: Central European, Baltic, Turkish, Romanian
  [0x0259, 0x0259], // ə (Azerbaijani, in the IPA block)
  [0x0300, 0x036f], // combining marks: й and ё typed as и + ◌̆ and е + ◌̈
  [0x0370, 0x03ff], // Greek (also letters used as signs: Δ, Ω, μ)
  [0x0400, 0x052f], // Cyrillic: Ё ё, Khakass Ӧ Ӱ Ӌ Ғ Ң І, Ukrainian, Belarusian, Tatar, Kazakh, Tuvan
  [0x1e00, 0x1eff], // Latin Extended Additional (Vietnamese)
  [0x2000, 0x206f], // General Punctuation: spaces, dashes ‐ – — ―, quotes „ “ ” ‘ ’, …, •, ‰, ′ ″
  [0x20a0, 0x20bf], // currency signs: ₽, €, ₸, ₴
  [0x2100, 0x214f], // letterlike symbols: №, ℃, ™
  [0x2190, 0x2199], // arrows
  [0x2212, 0x2212], // − (minus sign)
  [0x2248, 0x2248], // ≈
  [0x2260, 0x2265], // ≠ ≤ ≥
  [0xfffd, 0xfffd], // �, the replacement character of a badly decoded import
];

function characters() {
  let s = '';
  for (const [from, to] of RANGES) {
    for (let cp = from; cp <= to; cp++) {
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

const sources = Object.fromEntries(
  Object.entries(FONTS).map(([name, id]) => [name, fs.readFileSync(require.resolve(id))]),
);
// The fonts are made again when this script or a source font changes. By content, not by date:
// npm gives every file of a package the same old date.
const hash = createHash('sha256').update(fs.readFileSync(import.meta.filename));
for (const bytes of Object.values(sources)) {
  hash.update(bytes);
}
const key = hash.digest('hex');
const stamp = path.join(OUT, 'source.sha256');
const made = (name) => fs.existsSync(path.join(OUT, name));
if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key && Object.keys(FONTS).every(made)) {
  process.exit(0);
}

// Loaded only when there is work: a test run whose fonts are up to date does not wait for it.
const { default: subsetFont } = await import('subset-font');
fs.mkdirSync(OUT, { recursive: true });
fs.rmSync(stamp, { force: true });
const text = characters();
for (const [name, bytes] of Object.entries(sources)) {
  const subset = await subsetFont(bytes, text, {
    targetFormat: 'sfnt',
    // Bills are set glyph by glyph at each glyph's own advance, with no kerning, ligatures or
    // contextual forms, as they always were; without these tables pdfkit's layout (fontkit's)
    // does just that, and the widths measured to fit text into cells are exactly those drawn.
    keepFeatures: [],
    dropTables: ['GSUB', 'GPOS', 'GDEF', 'kern', 'MATH', 'FFTM'],
  });
  const to = path.join(OUT, name);
  // Written whole and then renamed, so that a process reading the font never sees half a file.
  fs.writeFileSync(`${to}.tmp`, subset);
  fs.renameSync(`${to}.tmp`, to);
  console.log(`fonts: ${path.relative(process.cwd(), to)}, ${subset.length} bytes, from ${FONTS[name]}`);
}
fs.writeFileSync(stamp, key);
