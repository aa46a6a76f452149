// Writes samples/registry-generic.xlsx: a payment registry of the generic profile as a workbook,
// the way an agent's Excel export looks (a header row naming the columns, a date cell, number
// cells for the sums, one amount typed as text). The committed file was made by this script:
//   node scripts/make-xlsx-sample.mjs
// exceljs writes it, as it reads it (no hand-made ZIP); the dates inside are fixed, so that the
// workbook's content does not change from one run to the next.
import path from 'node:path';
import ExcelJS from 'exceljs';

const file = path.join(import.meta.dirname, '../samples/registry-generic.xlsx');
const when = new Date(Date.UTC(2026, 5, 8, 3, 0, 0));
const wb = new ExcelJS.Workbook();
wb.creator = 'lk-energosbyt samples';
wb.created = when;
wb.modified = when;
const ws = wb.addWorksheet('Реестр');
ws.addRow([
  'date',
  'operation_id',
  'account',
  'name',
  'address',
  'period',
  'amount',
  'commission',
  'reading1',
]);
ws.addRow([
  new Date(Date.UTC(2026, 5, 8)),
  'X-3001',
  '1705057190',
  'Иванов Пётр Сергеевич',
  'г. Черногорск, ул. Бограда 71',
  '06.2026',
  420.5,
  4.2,
  null,
]);
ws.addRow(['08.06.2026', 'X-3002', 1705057190, 'Иванов Пётр Сергеевич', '', '', '99.99', 0, null]);
ws.addRow([
  new Date(Date.UTC(2026, 5, 9)),
  'X-3003',
  '1799999999',
  'Петрова Анна Ивановна',
  'г. Черногорск, ул. Советская 1',
  '06.2026',
  1000,
  10,
  null,
]);
ws.getColumn(1).numFmt = 'dd.mm.yyyy';
await wb.xlsx.writeFile(file);
console.log(`written ${file}`);
