import fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';

/**
 * The report of an import: one CSV row per rejected line or note, with the line number and a
 * message in Russian, written as the file is read (never collected in memory). UTF-8 with a BOM
 * and `;`, as spreadsheets in Russia open it. Every cell that a spreadsheet would take for a
 * formula is neutralised, since messages quote the file's own text.
 */

export const REPORT_COLUMNS = ['Строка', 'Результат', 'Поле', 'Сообщение'] as const;

export type ReportKind = 'отклонена' | 'замечание' | 'файл отклонён';

export interface ReportRow {
  /** The line of the file; null for the file as a whole. */
  line: number | null;
  kind: ReportKind;
  field?: string;
  message: string;
}

/** A cell that a spreadsheet would not run: `=`, `+`, `-`, `@` (and tab, CR) at its start get an apostrophe. */
export function neutraliseCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export interface ReportWriter {
  write(row: ReportRow): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
  close(): Promise<void>;
}

export function openReport(path: string): ReportWriter {
  const out = fs.createWriteStream(path);
  const csv = stringify({ delimiter: ';', bom: true, header: true, columns: [...REPORT_COLUMNS] });
  csv.pipe(out);
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    async write(r) {
      rows++;
      const ok = csv.write(
        [r.line === null ? '' : String(r.line), r.kind, r.field ?? '', r.message].map(neutraliseCell),
      );
      if (!ok) {
        await once(csv, 'drain');
      }
    },
    async close() {
      csv.end();
      await once(out, 'close');
    },
  };
}
