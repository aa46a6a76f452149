/**
 * A thin layer over pdfkit for forms laid out on a fixed grid: single-line text that shrinks (and,
 * as a last resort, is cut with '…') to fit its cell, boxes, rules, and the vector QR code.
 * Everything is placed by absolute coordinates in points, top-left origin; pdfkit's flowing text
 * and automatic page breaks are never used, so a long value cannot push the form onto a page 2.
 */
import zlib from 'node:zlib';
import type PDFDocument from 'pdfkit';
import { lazyRequire } from '../../../platform/lazy.ts';
import { paymentQrMatrix } from './bill-qr.ts';
import type { FontPair, FontSource } from './pdf-fonts.ts';

const pdfkit = lazyRequire<typeof PDFDocument>('pdfkit');

export type Align = 'left' | 'right' | 'center';

export interface TextOptions {
  size?: number;
  bold?: boolean;
  align?: Align;
  /** Cell width: the text shrinks to fit it, down to minSize, then is cut. Required for right/center. */
  width?: number;
  minSize?: number;
}

export const A4 = { width: 595.28, height: 841.89 } as const;

export interface DocumentMeta {
  title: string;
  /** Fixed creation date, so the same bill gives the same bytes. */
  createdOn: string;
}

export class Sheet {
  readonly doc: PDFKit.PDFDocument;
  private currentFont = '';
  private currentSize = 0;
  private qrCount = 0;

  constructor(
    private readonly fonts: FontPair,
    meta: DocumentMeta,
  ) {
    this.doc = new (pdfkit())({
      size: 'A4',
      margin: 0,
      // No default font: pdfkit would otherwise parse Helvetica's metrics for every document.
      font: null as unknown as string,
      info: {
        Title: meta.title,
        Producer: 'lk-energosbyt',
        CreationDate: new Date(`${meta.createdOn}T00:00:00Z`),
      },
    });
    this.doc.registerFont('regular', pdfkitFont(fonts.regular));
    this.doc.registerFont('bold', pdfkitFont(fonts.bold));
  }

  /** Ends the document and resolves with its bytes. */
  finish(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(chunks)));
      this.doc.on('error', reject);
      this.doc.end();
    });
  }

  private use(bold: boolean, size: number): void {
    const name = bold ? 'bold' : 'regular';
    if (name !== this.currentFont) {
      this.doc.font(name);
      this.currentFont = name;
    }
    if (size !== this.currentSize) {
      this.doc.fontSize(size);
      this.currentSize = size;
    }
  }

  /** Width of `s` in points at the given font and size. */
  measure(s: string, size: number, bold = false): number {
    const font: FontSource = bold ? this.fonts.bold : this.fonts.regular;
    // Our fonts know their widths without laying the text out; a standard font asks pdfkit.
    if (typeof font !== 'string') {
      return (font.measure(s) * size) / 1000;
    }
    this.use(bold, size);
    return this.doc.widthOfString(s);
  }

  /**
   * One line of text with its top at y. With a width it is aligned in and fitted to the cell.
   * Returns the width actually drawn.
   */
  text(s: string, x: number, y: number, o: TextOptions = {}): number {
    const bold = o.bold ?? false;
    let size = o.size ?? 8;
    if (s === '') {
      return 0;
    }
    let w = this.measure(s, size, bold);
    let shown = s;
    if (o.width !== undefined && w > o.width) {
      const minSize = o.minSize ?? Math.min(size, 5.5);
      size = Math.max(minSize, Math.floor((size * o.width * 10) / w) / 10);
      w = this.measure(shown, size, bold);
      while (w > o.width && shown.length > 1) {
        shown = shown.slice(0, -2) + '…';
        w = this.measure(shown, size, bold);
      }
    }
    let left = x;
    if (o.width !== undefined && o.align === 'right') {
      left = x + o.width - w;
    } else if (o.width !== undefined && o.align === 'center') {
      left = x + (o.width - w) / 2;
    }
    this.use(bold, size);
    // textWidth and wordCount are what pdfkit would otherwise measure again for this fragment.
    const options: PDFKit.Mixins.TextOptions & { textWidth: number; wordCount: number } = {
      lineBreak: false,
      textWidth: w,
      wordCount: 1,
    };
    this.doc.text(shown, left, y, options);
    return w;
  }

  /** Text wrapped at word boundaries into at most maxLines lines of the given width; returns the height used. */
  paragraph(
    s: string,
    x: number,
    y: number,
    width: number,
    o: { size: number; bold?: boolean; align?: Align; maxLines: number; leading?: number },
  ): number {
    const bold = o.bold ?? false;
    const lines: string[] = [];
    let line = '';
    for (const word of s.split(/\s+/)) {
      const tryLine = line === '' ? word : `${line} ${word}`;
      if (line !== '' && this.measure(tryLine, o.size, bold) > width && lines.length < o.maxLines - 1) {
        lines.push(line);
        line = word;
      } else {
        line = tryLine;
      }
    }
    if (line !== '') {
      lines.push(line);
    }
    const leading = o.leading ?? o.size * 1.2;
    lines.forEach((l, i) =>
      this.text(l, x, y + i * leading, { size: o.size, bold, width, align: o.align ?? 'left' }),
    );
    return lines.length * leading;
  }

  rect(x: number, y: number, w: number, h: number, lineWidth = 0.5): void {
    this.doc.lineWidth(lineWidth).rect(x, y, w, h).stroke();
  }

  hline(x1: number, x2: number, y: number, lineWidth = 0.5): void {
    this.doc.lineWidth(lineWidth).moveTo(x1, y).lineTo(x2, y).stroke();
  }

  vline(x: number, y1: number, y2: number, lineWidth = 0.5): void {
    this.doc.lineWidth(lineWidth).moveTo(x, y1).lineTo(x, y2).stroke();
  }

  dashedLine(x1: number, x2: number, y: number): void {
    this.doc.lineWidth(0.5).dash(3, { space: 3 }).moveTo(x1, y).lineTo(x2, y).stroke().undash();
  }

  fill(x: number, y: number, w: number, h: number, color: string): void {
    this.doc.save().rect(x, y, w, h).fill(color).restore();
  }

  /**
   * The QR code as vector graphics (filled rectangles in one path, no image). `size` is the side
   * of the symbol without the quiet zone; the caller keeps 4 modules of white around it.
   */
  qr(payload: string, x: number, y: number, size: number): void {
    const { size: n, data: dark } = paymentQrMatrix(payload);
    // Dark modules become rectangles: run right as far as the row stays dark, then down as far
    // as the whole run stays dark. Fewer, larger rectangles than one per module or per run, and
    // no seams inside a block when rasterized. Written in module units under a scaling transform:
    // small integers, one string.
    const covered = new Uint8Array(n * n);
    const ops: string[] = [];
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const at = row * n + col;
        if (!dark[at] || covered[at]) {
          continue;
        }
        let w = 1;
        while (col + w < n && dark[at + w] && !covered[at + w]) {
          w++;
        }
        let h = 1;
        while (row + h < n && allDark(dark, (row + h) * n + col, w)) {
          h++;
        }
        // This row is done with once col moves past the run; only the rows below need marking.
        for (let r = 1; r < h; r++) {
          covered.fill(1, (row + r) * n + col, (row + r) * n + col + w);
        }
        ops.push(`${col} ${row} ${w} ${h} re`);
        col += w - 1;
      }
    }
    // The path goes into a form XObject of its own, deflated here at the fastest level: digits
    // compress slowly at pdfkit's default level, and these 25 KB were a tenth of a bill's time.
    // A stream whose Filter is already set is written by pdfkit as it is.
    const form = this.doc.ref({
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, n, n],
      Resources: {},
      Filter: 'FlateDecode',
    });
    form.end(zlib.deflateSync(Buffer.from(`0 0 0 rg\n${ops.join('\n')}\nf`, 'latin1'), { level: 1 }));
    const name = `QR${++this.qrCount}`;
    const xobjects = this.doc.page.xobjects as Record<string, unknown>; // where pdfkit keeps a page's images too
    xobjects[name] = form;
    const m = size / n;
    this.doc.save().transform(m, 0, 0, m, x, y).addContent(`/${name} Do`).restore();
  }
}

/** pdfkit's types list files and names only; at run time it takes a parsed fontkit font as well. */
function pdfkitFont(source: FontSource): PDFKit.Mixins.PDFFontSource {
  return typeof source === 'string' ? source : (source.font as unknown as PDFKit.Mixins.PDFFontSource);
}

function allDark(dark: Uint8Array, from: number, length: number): boolean {
  for (let i = from; i < from + length; i++) {
    if (!dark[i]) {
      return false;
    }
  }
  return true;
}
