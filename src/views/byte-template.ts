/**
 * A page encoded to UTF-8 once, with gaps for the values that differ per response (a CSRF token,
 * a form key), so that a response is a copy of bytes and a few short writes rather than a new
 * rendering and encoding of the whole markup.
 *
 * It is made from the markup rendered with a marker in place of each value (`slotMarker`). The
 * maker must check the result (see `verifiedTemplate`): a marker could also come from the data.
 */
export class ByteTemplate<S extends string> {
  private constructor(
    /** The page without its gaps. */
    private readonly bytes: Buffer,
    /** Where each value goes, in order of `at` (a byte offset in `bytes`). */
    private readonly gaps: ReadonlyArray<{ at: number; slot: S }>,
    /** The byte range in `bytes` of the piece given as a Buffer (see `of`). */
    readonly piece: { start: number; end: number },
  ) {}

  /**
   * Joins markup pieces: strings with markers (`slotMarker(name)`) where the values go, and one
   * piece already encoded (a Buffer, taken as it is: no gaps in it), whose place `piece` gives.
   */
  static of<S extends string>(pieces: ReadonlyArray<string | Buffer>, slots: readonly S[]): ByteTemplate<S> {
    const markers = new RegExp(slots.map((s) => escapeRegExp(slotMarker(s))).join('|'), 'g');
    const byMarker = new Map(slots.map((s) => [slotMarker(s), s] as const));
    const chunks: Buffer[] = [];
    const gaps: Array<{ at: number; slot: S }> = [];
    let at = 0;
    let piece = { start: 0, end: 0 };
    for (const p of pieces) {
      if (Buffer.isBuffer(p)) {
        piece = { start: at, end: at + p.length };
        chunks.push(p);
        at += p.length;
        continue;
      }
      let last = 0;
      for (const m of p.matchAll(markers)) {
        const text = Buffer.from(p.slice(last, m.index));
        chunks.push(text);
        at += text.length;
        gaps.push({ at, slot: byMarker.get(m[0])! });
        last = m.index + m[0].length;
      }
      const text = Buffer.from(p.slice(last));
      chunks.push(text);
      at += text.length;
    }
    // One exact allocation of its own (not a slice of a shared pool) for the whole entry.
    const bytes = Buffer.allocUnsafeSlow(at);
    let n = 0;
    for (const c of chunks) n += c.copy(bytes, n);
    return new ByteTemplate(bytes, gaps, piece);
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes.length;
  }

  /** The piece given as a Buffer, without a copy. */
  pieceBytes(): Buffer {
    return this.bytes.subarray(this.piece.start, this.piece.end);
  }

  /** The page with `values` in its gaps, as one new buffer. */
  fill(values: Readonly<Record<S, string>>): Buffer {
    let total = this.bytes.length;
    for (const g of this.gaps) total += Buffer.byteLength(values[g.slot]);
    const out = Buffer.allocUnsafe(total);
    let from = 0;
    let n = 0;
    for (const g of this.gaps) {
      n += this.bytes.copy(out, n, from, g.at);
      n += out.write(values[g.slot], n);
      from = g.at;
    }
    this.bytes.copy(out, n, from);
    return out;
  }
}

/** What stands for a slot's value in markup rendered for a template; NUL is not in any markup of ours. */
export function slotMarker(slot: string): string {
  return `\u0000${slot}\u0000`;
}

/**
 * A template made from `render(values)` rendered with markers, if filling it gives exactly what
 * rendering with the values gives (checked with `probe`); else null, and the caller renders
 * each response in full. The check fails when the data itself holds a marker.
 */
export function verifiedTemplate<S extends string>(
  slots: readonly S[],
  render: (values: Readonly<Record<S, string>>) => ReadonlyArray<string | Buffer>,
  probe: Readonly<Record<S, string>>,
): ByteTemplate<S> | null {
  const markers = Object.fromEntries(slots.map((s) => [s, slotMarker(s)])) as Record<S, string>;
  const template = ByteTemplate.of(render(markers), slots);
  const direct = Buffer.concat(render(probe).map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  return template.fill(probe).equals(direct) ? template : null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
