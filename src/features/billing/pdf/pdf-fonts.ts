/**
 * Fonts for bills and slips: DejaVu Sans Condensed from the `dejavu-fonts-ttf` package (Cyrillic,
 * Latin, №, ₽, ², −), embedded as subsets with a ToUnicode map so the text can be copied and
 * searched.
 *
 * Why this module exists: handing pdfkit a TTF buffer makes it parse the 700 KB font anew for
 * every document and shape every word through OpenType GSUB/GPOS — about 35 ms a bill, most of
 * the budget. Instead the font is parsed once per process and the parsed object is shared by all
 * documents (pdfkit accepts any object with a fontkit-like `layout`). Its `layout` is replaced by
 * a plain cmap lookup: a bill needs no ligatures, contextual forms or kerning, and the lookup is
 * several times faster than shaping. And its subsetter is replaced by one that copies bytes (see
 * ttf-subset.ts) instead of re-encoding tables. Each document still embeds its own subset (only
 * the glyphs it uses) with pdfkit's ToUnicode map, so the output is ordinary and extractable.
 *
 * Memory: fontkit caches parsed glyphs on the shared font object; that cache is bounded by the
 * glyphs a bill can use (a few hundred), so it does not grow with the number of documents.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as Fontkit from 'fontkit';
import { lazyRequire } from '../../../platform/lazy.ts';
import { TrueTypeSource, TrueTypeSubset } from './ttf-subset.ts';

const fontkit = lazyRequire<typeof Fontkit>('fontkit');

/** What pdfkit's `registerFont` gets for each role: a parsed font, or a standard font's name. */
export interface FontPair {
  regular: FontSource;
  bold: FontSource;
}
export type FontSource = string | PdfFont;

/** A parsed font prepared for pdfkit, plus a fast width measure. */
export type PdfFont = Fontkit.Font & {
  /** Advance width of `text` in thousandths of an em (pdfkit's unit before × size / 1000). */
  measure(text: string): number;
};

/** pdfkit's built-in Helvetica: no embedding, no Cyrillic. Only for the speed baseline in bench/. */
export const HELVETICA: FontPair = { regular: 'Helvetica', bold: 'Helvetica-Bold' };

const FILES = { regular: 'DejaVuSansCondensed.ttf', bold: 'DejaVuSansCondensed-Bold.ttf' } as const;

let embedded: FontPair | undefined;

/** DejaVu Sans Condensed regular and bold, parsed on first use and shared by every document. */
export function embeddedFonts(): FontPair {
  embedded ??= { regular: loadFont('regular'), bold: loadFont('bold') };
  return embedded;
}

/** Where the TTF of a role is: inside the dejavu-fonts-ttf package, never a system font. */
export function fontFile(role: keyof typeof FILES): string {
  return createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${FILES[role]}`);
}

function loadFont(role: keyof typeof FILES): PdfFont {
  const file = fontFile(role);
  const bytes = fs.readFileSync(file);
  const font = fontkit().create(bytes);
  if (!('glyphForCodePoint' in font)) {
    throw new Error(`${file} is a font collection, not a font`);
  }
  return forPdf(font, new TrueTypeSource(bytes));
}

interface Position {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}

/**
 * The same font, with two methods replaced. `layout` maps each code point to its glyph and
 * advances by the glyph's width; pdfkit scales the returned positions in place, so every call
 * returns fresh objects and `advanceWidth` is read from them (as fontkit's GlyphRun does).
 * `createSubset` returns the byte-copying subsetter of ttf-subset.ts.
 */
function forPdf(font: Fontkit.Font, source: TrueTypeSource): PdfFont {
  const layout = (text: string) => {
    const glyphs: Fontkit.Glyph[] = [];
    const positions: Position[] = [];
    for (const ch of text) {
      const glyph = font.glyphForCodePoint(ch.codePointAt(0) ?? 0);
      glyphs.push(glyph);
      positions.push({ xAdvance: glyph.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 });
    }
    return {
      glyphs,
      positions,
      get advanceWidth(): number {
        let w = 0;
        for (const p of positions) {
          w += p.xAdvance;
        }
        return w;
      },
    };
  };
  const createSubset = () => new TrueTypeSubset(source);

  // Widths per code point, kept for the process; the cap only matters for text full of odd characters.
  const advances = new Map<number, number>();
  const scale = 1000 / font.unitsPerEm;
  const measure = (text: string): number => {
    let w = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) ?? 0;
      if (cp > 0xffff) {
        i++;
      }
      let a = advances.get(cp);
      if (a === undefined) {
        a = font.glyphForCodePoint(cp).advanceWidth * scale;
        if (advances.size < 4096) {
          advances.set(cp, a);
        }
      }
      w += a;
    }
    return w;
  };
  // Everything else (cmap, metrics, tables) comes from the parsed font itself.
  return Object.assign(Object.create(font) as Fontkit.Font, { layout, createSubset, measure });
}
