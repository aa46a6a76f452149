import { deflateSync } from 'node:zlib';
import type * as Fontkit from 'fontkit';
import { lazyRequire } from '../../platform/lazy.ts';

const fontkit = lazyRequire<typeof Fontkit>('fontkit');

/**
 * A very small raster canvas for the electronic check: filled rectangles and anti-aliased text,
 * encoded as an RGB PNG. Pure JavaScript: glyph outlines come from fontkit (the TTF of the
 * `dejavu-fonts-ttf` package), the coverage of each outline is computed exactly per pixel by
 * signed-area accumulation (the technique of font-rs), and zlib compresses the PNG.
 */

export type Rgb = readonly [number, number, number];

export class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 3;
        this.data[i] = c[0];
        this.data[i + 1] = c[1];
        this.data[i + 2] = c[2];
      }
    }
  }

  /** Blends `c` into the pixels by `alpha` (0..1 per pixel of a w×h mask placed at x, y). */
  blend(mask: Float32Array, stride: number, w: number, h: number, x: number, y: number, c: Rgb): void {
    for (let j = 0; j < h; j++) {
      const yy = y + j;
      if (yy < 0 || yy >= this.height) {
        continue;
      }
      for (let i = 0; i < w; i++) {
        const xx = x + i;
        if (xx < 0 || xx >= this.width) {
          continue;
        }
        const a = mask[j * stride + i]!;
        if (a <= 0) {
          continue;
        }
        const p = (yy * this.width + xx) * 3;
        for (let k = 0; k < 3; k++) {
          this.data[p + k] = Math.round(this.data[p + k]! * (1 - a) + c[k]! * a);
        }
      }
    }
  }

  toPng(): Buffer {
    const rowLen = this.width * 3 + 1;
    const raw = Buffer.alloc(rowLen * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * rowLen] = 0; // filter: none
      raw.set(this.data.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * rowLen + 1);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 6 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

// ---- Text

type Font = Fontkit.Font;

export function loadFont(bytes: Buffer): Font {
  const f = fontkit().create(bytes);
  if (!('glyphForCodePoint' in f)) {
    throw new Error('a font collection, not a font');
  }
  return f;
}

/** Width of `text` in pixels at `size` (advance widths, no kerning: a check needs none). */
export function measure(font: Font, text: string, size: number): number {
  let units = 0;
  for (const ch of text) {
    units += font.glyphForCodePoint(ch.codePointAt(0)!).advanceWidth;
  }
  return (units * size) / font.unitsPerEm;
}

/** Draws `text` with its baseline at y, starting at x. */
export function drawText(
  r: Raster,
  font: Font,
  text: string,
  x: number,
  y: number,
  size: number,
  color: Rgb,
): void {
  const scale = size / font.unitsPerEm;
  const ascent = Math.ceil(font.ascent * scale) + 2;
  const descent = Math.ceil(-font.descent * scale) + 2;
  const w = Math.ceil(measure(font, text, size)) + 4;
  const h = ascent + descent;
  const stride = w + 2;
  const acc = new Float32Array(stride * h + 2);
  const ox = x - Math.floor(x) + 1;
  let pen = 0;
  for (const ch of text) {
    const g = font.glyphForCodePoint(ch.codePointAt(0)!);
    const tx = (px: number) => ox + pen + px * scale;
    const ty = (py: number) => ascent - py * scale;
    let sx = 0;
    let sy = 0;
    let cx = 0;
    let cy = 0;
    for (const cmd of g.path.commands) {
      const a = cmd.args;
      switch (cmd.command) {
        case 'moveTo':
          sx = cx = tx(a[0]!);
          sy = cy = ty(a[1]!);
          break;
        case 'lineTo': {
          const nx = tx(a[0]!);
          const ny = ty(a[1]!);
          line(acc, stride, h, cx, cy, nx, ny);
          cx = nx;
          cy = ny;
          break;
        }
        case 'quadraticCurveTo': {
          const [qx, qy, nx, ny] = [tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!)];
          const n = Math.max(1, Math.ceil(Math.sqrt(Math.hypot(cx - 2 * qx + nx, cy - 2 * qy + ny) * 3)));
          let px = cx;
          let py = cy;
          for (let i = 1; i <= n; i++) {
            const t = i / n;
            const u = 1 - t;
            const x2 = u * u * cx + 2 * u * t * qx + t * t * nx;
            const y2 = u * u * cy + 2 * u * t * qy + t * t * ny;
            line(acc, stride, h, px, py, x2, y2);
            px = x2;
            py = y2;
          }
          cx = nx;
          cy = ny;
          break;
        }
        case 'bezierCurveTo': {
          const [ax, ay, bx, by, nx, ny] = [tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!), tx(a[4]!), ty(a[5]!)];
          const dd = Math.max(
            Math.hypot(cx - 2 * ax + bx, cy - 2 * ay + by),
            Math.hypot(ax - 2 * bx + nx, ay - 2 * by + ny),
          );
          const n = Math.max(1, Math.ceil(Math.sqrt(dd * 6)));
          let px = cx;
          let py = cy;
          for (let i = 1; i <= n; i++) {
            const t = i / n;
            const u = 1 - t;
            const x2 = u * u * u * cx + 3 * u * u * t * ax + 3 * u * t * t * bx + t * t * t * nx;
            const y2 = u * u * u * cy + 3 * u * u * t * ay + 3 * u * t * t * by + t * t * t * ny;
            line(acc, stride, h, px, py, x2, y2);
            px = x2;
            py = y2;
          }
          cx = nx;
          cy = ny;
          break;
        }
        case 'closePath':
          line(acc, stride, h, cx, cy, sx, sy);
          cx = sx;
          cy = sy;
          break;
      }
    }
    pen += g.advanceWidth * scale;
  }
  // Running sum along the rows: the coverage of each pixel (non-zero rule, clamped to 1).
  const mask = new Float32Array(stride * h);
  let sum = 0;
  for (let i = 0; i < mask.length; i++) {
    sum += acc[i]!;
    mask[i] = Math.min(1, Math.abs(sum));
  }
  r.blend(mask, stride, stride, h, Math.floor(x) - 1, Math.round(y) - ascent, color);
}

/** Accumulates the signed area of one edge into `a` (font-rs's `draw_line`). */
function line(a: Float32Array, w: number, h: number, x0: number, y0: number, x1: number, y1: number): void {
  if (y0 === y1) {
    return;
  }
  let dir = 1;
  if (y0 > y1) {
    dir = -1;
    [x0, x1] = [x1, x0];
    [y0, y1] = [y1, y0];
  }
  const dxdy = (x1 - x0) / (y1 - y0);
  let x = x0;
  if (y0 < 0) {
    x -= y0 * dxdy;
  }
  const yEnd = Math.min(h, Math.ceil(y1));
  for (let y = Math.max(0, Math.floor(y0)); y < yEnd; y++) {
    const base = y * w;
    const dy = Math.min(y + 1, y1) - Math.max(y, y0);
    const xnext = x + dxdy * dy;
    const d = dy * dir;
    const xa = Math.max(0, Math.min(x, xnext));
    const xb = Math.min(w - 2, Math.max(x, xnext));
    const xaf = Math.floor(xa);
    const xbc = Math.ceil(xb);
    if (xbc <= xaf + 1) {
      const xmf = 0.5 * (x + xnext) - xaf;
      a[base + xaf] = a[base + xaf]! + d - d * xmf;
      a[base + xaf + 1] = a[base + xaf + 1]! + d * xmf;
    } else {
      const s = 1 / (xb - xa);
      const x0f = xa - xaf;
      const a0 = 0.5 * s * (1 - x0f) * (1 - x0f);
      const x1f = xb - xbc + 1;
      const am = 0.5 * s * x1f * x1f;
      a[base + xaf] = a[base + xaf]! + d * a0;
      if (xbc === xaf + 2) {
        a[base + xaf + 1] = a[base + xaf + 1]! + d * (1 - a0 - am);
      } else {
        const a1 = s * (1.5 - x0f);
        a[base + xaf + 1] = a[base + xaf + 1]! + d * (a1 - a0);
        for (let xi = xaf + 2; xi < xbc - 1; xi++) {
          a[base + xi] = a[base + xi]! + d * s;
        }
        const a2 = a1 + (xbc - xaf - 3) * s;
        a[base + xbc - 1] = a[base + xbc - 1]! + d * (1 - a2 - am);
      }
      a[base + xbc] = a[base + xbc]! + d * am;
    }
    x = xnext;
  }
}
