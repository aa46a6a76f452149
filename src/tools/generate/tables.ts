import { isoOfDay, periodOfMonth } from './calendar.ts';
import { FIRST_NAMES, PATRONYMICS, SURNAME_FORMS } from './names.ts';
import { SETTLEMENT_CODES } from './places.ts';

/**
 * The rows the model produces, kept as numbers: one Float64Array per table (row-major), and
 * the free text (addresses, charge details) as UTF-8 bytes in one buffer per table. Dates are
 * day numbers, periods month numbers and words indices into fixed lists, so a chunk of
 * ~130 000 rows crosses threads as a few transferable buffers, and the writers turn each cell
 * back into its SQL value with the column's decoder just before binding it (a string made then
 * is garbage at once, instead of living in the heap for the whole chunk). NaN / −1 stand for NULL.
 */

export type Decoder = (v: number, text: Buffer) => string | number | null;

/** A text cell: offset × TEXT_SPLIT + byte length, in the table's text buffer. */
const TEXT_SPLIT = 1_048_576;

const num: Decoder = (v) => (v !== v ? null : v);
const text: Decoder = (v) => String(v);
const day: Decoder = (v) => (v < 0 ? null : isoOfDay(v));
const period: Decoder = (v) => periodOfMonth(v);
const str: Decoder = (v, text) => {
  if (v < 0) {
    return null;
  }
  const offset = Math.floor(v / TEXT_SPLIT);
  return text.toString('utf8', offset, offset + (v - offset * TEXT_SPLIT));
};
function oneOf(list: readonly string[]): Decoder {
  return (v) => (v < 0 ? null : list[v]!);
}

export const READING_CHANNELS = ['internet', 'grid', 'bill', 'customer', 'operator', 'computed'] as const;
export const READING_STATUSES = ['accepted', 'review', 'rejected'] as const;
export const READING_REASONS = [
  'Истёк межповерочный интервал прибора учёта: показание не принимается к расчёту',
  'Показание меньше предыдущего: переход через ноль не подтверждён, вероятна ошибка ввода',
  'Расход больше 50 000 кВт·ч: показание ждёт подтверждения',
] as const;
export const PAYMENT_CHANNELS = ['bank', 'post', 'card', 'terminal', 'office'] as const;
export const CHARGE_METHODS = ['readings', 'average', 'norm'] as const;

/** Addresses from the documentation ranges (RFC 5737) for readings sent through the site, and the offices' ones. */
export const IPS: readonly string[] = [
  ...['192.0.2', '198.51.100', '203.0.113'].flatMap((net) =>
    Array.from({ length: 254 }, (_, i) => `${net}.${i + 1}`),
  ),
  ...Array.from({ length: 8 }, (_, i) => `10.17.0.${i + 10}`),
];
export const OFFICE_IP_FIRST = 254 * 3;

/** Payments carry the bank's transaction id; the prefix tells the channel (post and office have none). */
const EXTERNAL_PREFIX: Record<number, string> = { 0: 'SB', 2: 'CARD', 3: 'TRM' };
export const EXTERNAL_ID_BASE = 1e12;
const externalId: Decoder = (v) => {
  if (v < 0) {
    return null;
  }
  const ch = Math.floor(v / EXTERNAL_ID_BASE);
  return `${EXTERNAL_PREFIX[ch]}-${String(v % EXTERNAL_ID_BASE).padStart(12, '0')}`;
};

export type TableName = 'accounts' | 'meters' | 'readings' | 'payments' | 'charges';

export interface TableSpec<N extends string = string> {
  name: TableName;
  columns: ReadonlyArray<readonly [N, Decoder]>;
  /** Column positions, so that the model writes `a[o + col.status]` rather than a bare number. */
  col: Record<N, number>;
  /** PostgreSQL array element type of each column, for `unnest` (int8 fits every integer column by assignment). */
  pgTypes: ReadonlyArray<'int8' | 'text'>;
}

function table<const N extends string>(
  name: TableName,
  columns: ReadonlyArray<readonly [N, Decoder]>,
): TableSpec<N> {
  const col = {} as Record<N, number>;
  columns.forEach(([c], i) => (col[c] = i));
  return { name, columns, col, pgTypes: columns.map(([, d]) => (d === num ? 'int8' : 'text')) };
}

export const ACCOUNTS = table('accounts', [
  ['id', num],
  ['number', text],
  ['settlement_code', oneOf(SETTLEMENT_CODES)],
  ['surname', oneOf(SURNAME_FORMS)],
  ['first_name', oneOf(FIRST_NAMES)],
  ['patronymic', oneOf(PATRONYMICS)],
  ['object_address', str],
  ['delivery_address', str],
  ['area_e2', num],
  ['residents', num],
  ['branch_id', num],
  ['tariff_plan_id', num],
  ['created_at', num],
]);

export const METERS = table('meters', [
  ['id', num],
  ['account_id', num],
  ['serial', text],
  ['digits', num],
  ['zones', num],
  ['ratio', num],
  ['installed_on', day],
  ['verification_due', day],
  ['removed_on', day],
]);

export const READINGS = table('readings', [
  ['id', num],
  ['account_id', num],
  ['meter_id', num],
  ['reading_date', day],
  ['value1', num],
  ['value2', num],
  ['value3', num],
  ['channel', oneOf(READING_CHANNELS)],
  ['status', oneOf(READING_STATUSES)],
  ['reason', oneOf(READING_REASONS)],
  ['submitted_at', num],
  ['submitted_ip', oneOf(IPS)],
  ['billing_period', period],
]);

export const PAYMENTS = table('payments', [
  ['id', num],
  ['account_id', num],
  ['paid_on', day],
  ['amount_kop', num],
  ['channel', oneOf(PAYMENT_CHANNELS)],
  ['external_id', externalId],
  ['created_at', num],
]);

export const CHARGES = table('charges', [
  ['id', num],
  ['account_id', num],
  ['period', period],
  ['billed_on', day],
  ['reading_id', num],
  ['reading_value', num],
  ['kwh', num],
  ['amount_kop', num],
  ['odn_kwh', num],
  ['odn_kop', num],
  ['method', oneOf(CHARGE_METHODS)],
  ['payments_kop', num],
  ['debt_start_kop', num],
  ['debt_kop', num],
  ['tariff_e5', num],
  ['details', str],
]);

/** In the order of insertion (parents before children). */
export const TABLES: readonly TableSpec[] = [ACCOUNTS, METERS, READINGS, PAYMENTS, CHARGES];

/**
 * Buffers handed back by the writers once a chunk is in the database, for the next chunks:
 * fresh ones would be zero-filled by the system and freed only whenever the thread that last
 * held them happens to collect garbage.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  /** The smallest free buffer of `bytes` to twice that, else a new one. */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= bytes && n <= 2 * bytes && (best < 0 || n < this.free[best]!.byteLength)) {
        best = i;
      }
    }
    return best >= 0 ? this.free.splice(best, 1)[0]! : new ArrayBuffer(bytes);
  }

  give(buffers: ArrayBuffer[]): void {
    for (const b of buffers) {
      if (b.byteLength > 0 && this.free.length < 24) {
        this.free.push(b);
      }
    }
  }
}

/** A growing row-major buffer of one table's rows (every cell of a row is written by the model). */
export class RowBuffer {
  readonly stride: number;
  nums: Float64Array;
  rows = 0;
  private text: Buffer;
  private textLength = 0;

  constructor(
    readonly spec: TableSpec,
    capacityRows: number,
    private readonly pool: BufferPool,
  ) {
    this.stride = spec.columns.length;
    const length = Math.max(16, capacityRows) * this.stride;
    this.nums = new Float64Array(pool.take(length * 8), 0, length);
    this.text = Buffer.from(pool.take(65_536));
  }

  /** Appends a row and returns its offset in `nums` (read `nums` after calling: it may have grown). */
  add(): number {
    const o = this.rows * this.stride;
    if (o + this.stride > this.nums.length) {
      const length = this.nums.length * 2;
      const bigger = new Float64Array(this.pool.take(length * 8), 0, length);
      bigger.set(this.nums);
      this.pool.give([this.nums.buffer as ArrayBuffer]);
      this.nums = bigger;
    }
    this.rows++;
    return o;
  }

  /** Stores a string and returns the number to put in its cell. */
  str(s: string | null): number {
    if (s === null) {
      return -1;
    }
    const need = this.textLength + s.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (need > this.text.length) {
      const bigger = Buffer.from(this.pool.take(Math.max(need, this.text.length * 2)));
      this.text.copy(bigger, 0, 0, this.textLength);
      this.pool.give([this.text.buffer as ArrayBuffer]);
      this.text = bigger;
    }
    const offset = this.textLength;
    const n = this.text.write(s, offset);
    this.textLength += n;
    return offset * TEXT_SPLIT + n;
  }

  /** The filled part, for sending to another thread (views: the buffers move along, uncopied). */
  seal(): TableChunk {
    return {
      rows: this.rows,
      nums: this.nums.subarray(0, this.rows * this.stride),
      text: new Uint8Array(this.text.buffer, 0, this.textLength),
    };
  }
}

export interface TableChunk {
  rows: number;
  nums: Float64Array;
  /** UTF-8 text of the string cells. */
  text: Uint8Array;
}

export interface Chunk {
  /** Accounts in this chunk. */
  accounts: number;
  tables: Record<TableName, TableChunk>;
  /** Per billing month (year × 12 + month − 1): the charges made and their total (amount + ОДН + recalculations). */
  periods: Array<{ month: number; charges: number; totalKop: number }>;
}

/** The text buffer of a table chunk, as a Buffer (a view, no copy) for the decoders. */
export function textOf(t: TableChunk): Buffer {
  return Buffer.from(t.text.buffer, t.text.byteOffset, t.text.byteLength);
}

/** Decodes one row into `out` from position `k`; returns the next position. */
export function decodeRow(
  spec: TableSpec,
  t: TableChunk,
  text: Buffer,
  row: number,
  out: unknown[],
  k: number,
): number {
  const cols = spec.columns;
  const n = cols.length;
  const base = row * n;
  const nums = t.nums;
  for (let c = 0; c < n; c++) {
    out[k++] = cols[c]![1](nums[base + c]!, text);
  }
  return k;
}

/** The buffers of a table chunk (numbers, text). */
export function tableBuffers(t: TableChunk): ArrayBuffer[] {
  return [t.nums.buffer as ArrayBuffer, t.text.buffer as ArrayBuffer];
}

/** The buffers of a chunk still held by this thread (a table handed to another thread has none), to move or recycle. */
export function transferables(chunk: Chunk): ArrayBuffer[] {
  return Object.values(chunk.tables)
    .flatMap(tableBuffers)
    .filter((b) => b.byteLength > 0);
}
