/**
 * Fast TrueType subsets for pdfkit. pdfkit asks the font for `createSubset()`, feeds it the glyph
 * ids a document uses (`includeGlyph`, which returns the id inside the subset) and embeds what
 * `encode()` returns as the FontFile2 of a CIDFontType2 with Identity CID-to-GID mapping.
 *
 * fontkit's own subsetter re-decodes and re-encodes the hinting tables and glyph headers through
 * its generic struct library for every document (about 4 ms a bill). Here the font file is read
 * once per process into raw slices, and a subset is assembled by copying bytes: the glyphs' own
 * outlines and instructions unchanged (composite glyphs get their component ids renumbered), the
 * hinting tables (cvt, fpgm, prep) verbatim, and fresh head/hhea/maxp/loca/hmtx. The result is
 * the same kind of font file fontkit writes (the tables the PDF specification requires for an
 * embedded TrueType font, no cmap), just built without the struct machinery.
 */

interface TableSlice {
  offset: number;
  length: number;
}

interface GlyphEntry {
  bytes: Uint8Array;
  /** Byte positions (in `bytes`) of component glyph ids, and the ids, for a composite glyph. */
  components: Array<{ pos: number; gid: number }>;
}

// Composite glyph flags (OpenType 'glyf' table).
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;

/** The raw tables of one TrueType font, read once; glyphs are sliced out on first use and kept. */
export class TrueTypeSource {
  private readonly data: DataView;
  private readonly tables = new Map<string, TableSlice>();
  private readonly glyphs = new Map<number, GlyphEntry>();
  private readonly locaLong: boolean;
  private readonly numGlyphs: number;
  private readonly numberOfHMetrics: number;

  constructor(private readonly bytes: Uint8Array) {
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = this.data.getUint32(0);
    if (version !== 0x00010000 && version !== 0x74727565) {
      throw new Error('not a TrueType font (glyf outlines)');
    }
    const numTables = this.data.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const rec = 12 + i * 16;
      const tag = String.fromCharCode(
        bytes[rec] ?? 0,
        bytes[rec + 1] ?? 0,
        bytes[rec + 2] ?? 0,
        bytes[rec + 3] ?? 0,
      );
      this.tables.set(tag, { offset: this.data.getUint32(rec + 8), length: this.data.getUint32(rec + 12) });
    }
    for (const tag of ['head', 'hhea', 'maxp', 'loca', 'glyf', 'hmtx']) {
      if (!this.tables.has(tag)) {
        throw new Error(`font has no ${tag} table`);
      }
    }
    this.locaLong = this.data.getInt16(this.table('head').offset + 50) === 1;
    this.numGlyphs = this.data.getUint16(this.table('maxp').offset + 4);
    this.numberOfHMetrics = this.data.getUint16(this.table('hhea').offset + 34);
  }

  private table(tag: string): TableSlice {
    const t = this.tables.get(tag);
    if (!t) {
      throw new Error(`font has no ${tag} table`);
    }
    return t;
  }

  /** A copy of a whole table, or null when the font has none. */
  rawTable(tag: string): Uint8Array | null {
    const t = this.tables.get(tag);
    return t ? this.bytes.slice(t.offset, t.offset + t.length) : null;
  }

  /** Advance width and left side bearing, in font units. */
  metrics(gid: number): { advance: number; lsb: number } {
    const hmtx = this.table('hmtx').offset;
    const n = this.numberOfHMetrics;
    if (gid < n) {
      return { advance: this.data.getUint16(hmtx + gid * 4), lsb: this.data.getInt16(hmtx + gid * 4 + 2) };
    }
    return {
      advance: this.data.getUint16(hmtx + (n - 1) * 4),
      lsb: this.data.getInt16(hmtx + n * 4 + (gid - n) * 2),
    };
  }

  glyph(gid: number): GlyphEntry {
    let entry = this.glyphs.get(gid);
    if (entry) {
      return entry;
    }
    if (!Number.isInteger(gid) || gid < 0 || gid >= this.numGlyphs) {
      throw new RangeError(`no glyph ${gid}`);
    }
    const loca = this.table('loca').offset;
    const start = this.locaLong
      ? this.data.getUint32(loca + gid * 4)
      : this.data.getUint16(loca + gid * 2) * 2;
    const end = this.locaLong
      ? this.data.getUint32(loca + gid * 4 + 4)
      : this.data.getUint16(loca + gid * 2 + 2) * 2;
    const glyf = this.table('glyf').offset;
    const bytes = this.bytes.slice(glyf + start, glyf + end);
    const components: GlyphEntry['components'] = [];
    if (bytes.length >= 10) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (view.getInt16(0) < 0) {
        let pos = 10;
        let flags: number;
        do {
          flags = view.getUint16(pos);
          components.push({ pos: pos + 2, gid: view.getUint16(pos + 2) });
          pos += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
          if (flags & WE_HAVE_A_SCALE) {
            pos += 2;
          } else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) {
            pos += 4;
          } else if (flags & WE_HAVE_A_TWO_BY_TWO) {
            pos += 8;
          }
        } while (flags & MORE_COMPONENTS);
      }
    }
    entry = { bytes, components };
    this.glyphs.set(gid, entry);
    return entry;
  }
}

/** One document's subset; the interface pdfkit's EmbeddedFont expects of fontkit's subsets. */
export class TrueTypeSubset {
  readonly glyphs: number[] = [];
  private readonly mapping = new Map<number, number>();
  /** pdfkit checks this to choose between CFF and TrueType embedding. */
  readonly cff = undefined;

  constructor(private readonly source: TrueTypeSource) {
    this.includeGlyph(0); // .notdef always comes first
  }

  includeGlyph(glyph: number | { id: number }): number {
    const gid = typeof glyph === 'number' ? glyph : glyph.id;
    let id = this.mapping.get(gid);
    if (id === undefined) {
      id = this.glyphs.length;
      this.glyphs.push(gid);
      this.mapping.set(gid, id);
    }
    return id;
  }

  encode(): Uint8Array {
    const src = this.source;
    const parts: Uint8Array[] = [];
    const offsets: number[] = [];
    let offset = 0;
    // Components may add glyphs while we go, hence no for-of.
    for (let i = 0; i < this.glyphs.length; i++) {
      const entry = src.glyph(this.glyphs[i] ?? 0);
      let bytes = entry.bytes;
      if (entry.components.length > 0) {
        bytes = bytes.slice();
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (const c of entry.components) {
          view.setUint16(c.pos, this.includeGlyph(c.gid));
        }
      }
      offsets.push(offset);
      parts.push(bytes);
      offset += bytes.length;
      const pad = (4 - (bytes.length % 4)) % 4;
      if (pad) {
        parts.push(new Uint8Array(pad));
        offset += pad;
      }
    }
    offsets.push(offset);
    const n = this.glyphs.length;

    const glyf = concat(parts, offset);
    const loca = new Uint8Array((n + 1) * 4);
    const locaView = new DataView(loca.buffer);
    offsets.forEach((o, i) => locaView.setUint32(i * 4, o));
    const hmtx = new Uint8Array(n * 4);
    const hmtxView = new DataView(hmtx.buffer);
    this.glyphs.forEach((gid, i) => {
      const m = src.metrics(gid);
      hmtxView.setUint16(i * 4, m.advance);
      hmtxView.setInt16(i * 4 + 2, m.lsb);
    });

    const head = required(src.rawTable('head'), 'head');
    const headView = new DataView(head.buffer, head.byteOffset, head.byteLength);
    headView.setUint32(8, 0); // checkSumAdjustment: not needed inside a PDF
    headView.setInt16(50, 1); // long loca offsets
    const hhea = required(src.rawTable('hhea'), 'hhea');
    new DataView(hhea.buffer, hhea.byteOffset, hhea.byteLength).setUint16(34, n);
    const maxp = required(src.rawTable('maxp'), 'maxp');
    new DataView(maxp.buffer, maxp.byteOffset, maxp.byteLength).setUint16(4, n);

    const all: Array<[string, Uint8Array | null]> = [
      ['cvt ', src.rawTable('cvt ')],
      ['fpgm', src.rawTable('fpgm')],
      ['glyf', glyf],
      ['head', head],
      ['hhea', hhea],
      ['hmtx', hmtx],
      ['loca', loca],
      ['maxp', maxp],
      ['prep', src.rawTable('prep')],
    ];
    return sfnt(all.filter((t): t is [string, Uint8Array] => t[1] !== null));
  }
}

function required(t: Uint8Array | null, tag: string): Uint8Array {
  if (!t) {
    throw new Error(`font has no ${tag} table`);
  }
  return t;
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An sfnt file from tables already sorted by tag: directory, then each table 4-byte aligned. */
function sfnt(tables: Array<[string, Uint8Array]>): Uint8Array {
  const numTables = tables.length;
  const dirLength = 12 + numTables * 16;
  const total = tables.reduce((a, [, t]) => a + Math.ceil(t.length / 4) * 4, dirLength);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  view.setUint32(0, 0x00010000);
  view.setUint16(4, numTables);
  view.setUint16(6, searchRange);
  view.setUint16(8, entrySelector);
  view.setUint16(10, numTables * 16 - searchRange);
  let at = dirLength;
  tables.forEach(([tag, t], i) => {
    const rec = 12 + i * 16;
    for (let k = 0; k < 4; k++) {
      out[rec + k] = tag.charCodeAt(k);
    }
    out.set(t, at);
    view.setUint32(rec + 4, checksum(view, at, t.length));
    view.setUint32(rec + 8, at);
    view.setUint32(rec + 12, t.length);
    at += Math.ceil(t.length / 4) * 4;
  });
  return out;
}

function checksum(view: DataView, offset: number, length: number): number {
  let sum = 0;
  const end = offset + Math.ceil(length / 4) * 4;
  for (let i = offset; i < end; i += 4) {
    sum = (sum + view.getUint32(i)) >>> 0;
  }
  return sum;
}
