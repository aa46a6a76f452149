import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { lazyRequire } from '../../../platform/lazy.ts';
import type { BillDocument, SlipDocument } from './bill.model.ts';
import { renderBillPdf } from './bill-pdf.ts';
import { renderSlipPdf } from './slip-pdf.ts';
import type { PdfTask } from './pdf.worker.ts';

const piscina = lazyRequire<typeof import('piscina')>('piscina');

/** Renders bills and slips for the web server. */
export interface PdfRenderer {
  bill(doc: BillDocument): Promise<Buffer>;
  slip(doc: SlipDocument): Promise<Buffer>;
  /** Ends the worker threads (waiting for the PDFs under way). */
  close(): Promise<void>;
}

/**
 * PDF_THREADS when not set: a thread per core. The event loop's own work between bills is light,
 * and the operating system shares the cores. bench journey --full on 2 cores: with 1 thread 50
 * customers/s were held with every target (at 70/s the bill's p99 was 1.07 s); with 2 threads
 * 70/s (bill p99 48 ms, pages 21 ms), for about 80 MB more at the peak.
 */
export function defaultPdfThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Bills and slips rendered in `threads` worker threads (piscina), or in the caller's thread with 0.
 *
 * Why threads: a bill costs about 12 ms of CPU in bench pdf (pdfkit, fontkit's subsetting, the
 * QR code's mask choice in `qrcode`). Rendered on the event loop, each one holds up every other request for that
 * long, and the month-end journey (bench journey: log in, main page, a reading, the bill, log out)
 * spends most of its server time there: one thread could not both serve the pages and render
 * 100 bills a second. The pool starts on the first PDF, so a process that renders none (most
 * requests are pages) holds no thread, and its threads end when idle.
 */
export function pdfRenderer(threads: number): PdfRenderer {
  if (threads === 0) {
    return { bill: renderBillPdf, slip: renderSlipPdf, close: () => Promise.resolve() };
  }
  let pool: Piscina<PdfTask, Uint8Array> | null = null;
  const run = async (task: PdfTask): Promise<Buffer> => {
    pool ??= new (piscina().Piscina)<PdfTask, Uint8Array>({
      // The worker module beside this one: TypeScript under tsx, JavaScript in a build.
      filename: new URL(`./pdf.worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url)
        .href,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
    const bytes = await pool.run(task);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  return {
    bill: (doc) => run({ kind: 'bill', doc }),
    slip: (doc) => run({ kind: 'slip', doc }),
    async close() {
      await pool?.close();
    },
  };
}
