import type { BillDocument, SlipDocument } from './bill.model.ts';
import { renderBillPdf } from './bill-pdf.ts';
import { renderSlipPdf } from './slip-pdf.ts';

export type PdfTask = { kind: 'bill'; doc: BillDocument } | { kind: 'slip'; doc: SlipDocument };

/** A worker thread of the PDF pool (pdf-pool.ts): one bill or slip per task. */
export default async function renderPdf(task: PdfTask): Promise<Uint8Array> {
  return task.kind === 'bill' ? renderBillPdf(task.doc) : renderSlipPdf(task.doc);
}
