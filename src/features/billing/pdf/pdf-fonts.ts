/**
 * Fonts for bills and slips: DejaVu Sans Condensed and its bold (Cyrillic, Latin, №, ₽, ², −),
 * subset at build time by scripts/build-fonts.mjs to the characters a bill can hold, and embedded
 * by pdfkit's own font embedding (a subset of the glyphs each document uses, with a ToUnicode map,
 * so the text can be copied and searched).
 *
 * Each font is parsed once per process and the parsed font is handed to every document (pdfkit's
 * registerFont takes a fontkit font as well as a file): parsing it for each document made
 * bench/pdf.ts about a fifth slower. Sharing it needs one step first (see openFont): fontkit
 * caches glyphs by id, and a glyph it first meets as a component of another while subsetting
 * (the C inside Ç) is cached with no character; every later document's ToUnicode map would then
 * lose that character (fontkit issue #154). fontkit also caches glyph metrics on the parsed font;
 * the build-time subset bounds that cache to its 1,600 glyphs.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Fontkit from 'fontkit';
import { lazyRequire } from '../../../platform/lazy.ts';

const fontkit = lazyRequire<typeof Fontkit>('fontkit');

/** The fonts of a document's two roles: our embedded fonts, or standard fonts' names. */
export interface FontPair {
  regular: FontSource;
  bold: FontSource;
}
export type FontSource = string | PdfFont;

/** A parsed font for pdfkit, and a fast measure of the width pdfkit will give a text in it. */
export interface PdfFont {
  font: Fontkit.Font;
  /** Advance width of `text` in thousandths of an em (pdfkit's unit before × size / 1000). */
  measure(text: string): number;
}

/** pdfkit's built-in Helvetica: no embedding, no Cyrillic. Only for the speed baseline in bench/. */
export const HELVETICA: FontPair = { regular: 'Helvetica', bold: 'Helvetica-Bold' };

const FILES = { regular: 'bill-regular.ttf', bold: 'bill-bold.ttf' } as const;

/** Where scripts/build-fonts.mjs writes the subsets: <project>/generated/fonts, from src/ or dist/. */
const DIR = new URL('../../../../generated/fonts/', import.meta.url);

let embedded: FontPair | undefined;

/** The regular and bold fonts, parsed on first use and shared by every document. */
export function embeddedFonts(): FontPair {
  embedded ??= { regular: openFont(fontFile('regular')), bold: openFont(fontFile('bold')) };
  return embedded;
}

/** The subset font file of a role. */
export function fontFile(role: keyof typeof FILES): string {
  return fileURLToPath(new URL(FILES[role], DIR));
}

/** A font file parsed for pdfkit; the error names the command that makes missing files. */
export function openFont(file: string): PdfFont {
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} is missing: the fonts of bills are made by \`node scripts/build-fonts.mjs\` ` +
        '(npm run build, npm test and npm run quickstart run it)',
    );
  }
  const font = fontkit().create(fs.readFileSync(file));
  if (!('glyphForCodePoint' in font)) {
    throw new Error(`${file} is a font collection, not a font`);
  }
  // Each glyph looked up by its character before any subsetting, so that the cache holds every
  // glyph with its character (fontkit issue #154, see above).
  for (const codePoint of font.characterSet) {
    font.glyphForCodePoint(codePoint);
  }
  return { font, measure: measurer(font) };
}

/**
 * Text widths without laying out the whole text: the sum of each character's width as fontkit's
 * layout gives it (its glyph's advance; zero for the invisible characters layout hides, such as a
 * soft hyphen). As the subset has no kerning or other positioning tables (see build-fonts.mjs),
 * that sum is the width pdfkit draws. Widths are kept per code point for the process; the cap
 * only matters for text full of odd characters.
 */
function measurer(font: Fontkit.Font): (text: string) => number {
  const advances = new Map<number, number>();
  const scale = 1000 / font.unitsPerEm;
  return (text: string): number => {
    let w = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) ?? 0;
      if (cp > 0xffff) {
        i++;
      }
      let a = advances.get(cp);
      if (a === undefined) {
        a = font.layout(String.fromCodePoint(cp)).advanceWidth * scale;
        if (advances.size < 4096) {
          advances.set(cp, a);
        }
      }
      w += a;
    }
    return w;
  };
}
