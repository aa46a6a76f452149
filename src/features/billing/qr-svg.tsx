import type { QrMatrix } from './pdf/bill-qr.ts';

/** A QR symbol as one SVG path (with the 4-module quiet zone), crisp at any print size. */
export function QrSvg({ matrix, label, class: cls }: { matrix: QrMatrix; label: string; class?: string }) {
  const { size, data } = matrix;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (data[y * size + x]) {
        d += `M${x + 4} ${y + 4}h1v1h-1z`;
      }
    }
  }
  const full = size + 8;
  return (
    <svg
      class={cls ?? 'qr'}
      viewBox={`0 0 ${full} ${full}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
    >
      <rect width={full} height={full} class="qr-bg" />
      <path d={d} class="qr-fg" />
    </svg>
  );
}
