import fs from 'node:fs';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import shipped from './registry-profiles.json' with { type: 'json' };

/**
 * Payment registries differ per bank and contract, so their layouts are data: profiles in a JSON
 * file (registry-profiles.json ships a Sberbank-style registry and a generic CSV; a supplier
 * gives its own file with `--profiles`). A profile says:
 *
 * - `title`: who took the money, as the customer's payment history shows it («Сбербанк»);
 * - `source`: the code that, with the operation id, identifies a payment (credited once);
 * - `channel`: the payment's channel (bank, post, terminal, office);
 * - `encoding` and `delimiter` (or `auto`: detected);
 * - `header`: `none` (the columns by position, as `columns` lists them) or `names` (the first
 *   line names the columns; `columns` lists those the profile knows);
 * - `columns`: among `date`, `time`, `branch`, `cashier`, `operation_id`, `account`, `name`,
 *   `address`, `period`, `amount`, `commission`, `reading1`..`reading3`; `-` for one to ignore;
 * - `dateFormat` (`DD-MM-YYYY`, `DD.MM.YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD`) and `periodFormat`
 *   (`MMYY`, `MM.YYYY`, `YYYY-MM`);
 * - `decimalSeparator` (`,` or `.`: what stands before the kopecks of an amount) and
 *   `thousandsSeparator` (`none`, or `space`: "1 500,00"); an amount written otherwise is refused
 *   with its line ("1,500" where the point is the separator is not 1.50 rubles). The cells of an
 *   .xlsx workbook are numbers as Excel stores them: read with a point, whatever the profile says;
 * - `totals`: null, or the last line's `prefix` (`=`) and its columns among `count`, `amount`,
 *   `commission`, `transferred` (amount less commission), `-`.
 */

export const COLUMN_KEYS = [
  'date',
  'time',
  'branch',
  'cashier',
  'operation_id',
  'account',
  'name',
  'address',
  'period',
  'amount',
  'commission',
  'reading1',
  'reading2',
  'reading3',
  '-',
] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

export const REQUIRED_COLUMNS: ColumnKey[] = ['date', 'operation_id', 'account', 'amount'];

const literals = <T extends readonly string[]>(xs: T) => Type.Union(xs.map((x) => Type.Literal(x)));

const Profile = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 60 }),
  source: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
  channel: literals(['bank', 'post', 'terminal', 'office'] as const),
  encoding: literals(['auto', 'utf-8', 'windows-1251', 'koi8-r'] as const),
  delimiter: literals(['auto', ';', ',', '\t'] as const),
  header: literals(['none', 'names'] as const),
  columns: Type.Array(literals(COLUMN_KEYS), { minItems: 4, maxItems: 40 }),
  dateFormat: literals(['DD-MM-YYYY', 'DD.MM.YYYY', 'DD/MM/YYYY', 'YYYY-MM-DD'] as const),
  periodFormat: literals(['MMYY', 'MM.YYYY', 'YYYY-MM'] as const),
  decimalSeparator: literals([',', '.'] as const),
  thousandsSeparator: literals(['none', 'space'] as const),
  totals: Type.Union([
    Type.Null(),
    Type.Object({
      prefix: Type.String({ minLength: 1, maxLength: 3 }),
      columns: Type.Array(literals(['count', 'amount', 'commission', 'transferred', '-'] as const), {
        minItems: 1,
      }),
    }),
  ]),
});

export interface RegistryProfile {
  /** The profile's key in the file. */
  name: string;
  title: string;
  source: string;
  channel: 'bank' | 'post' | 'terminal' | 'office';
  encoding: 'auto' | 'utf-8' | 'windows-1251' | 'koi8-r';
  delimiter: 'auto' | ';' | ',' | '\t';
  header: 'none' | 'names';
  columns: ColumnKey[];
  dateFormat: 'DD-MM-YYYY' | 'DD.MM.YYYY' | 'DD/MM/YYYY' | 'YYYY-MM-DD';
  periodFormat: 'MMYY' | 'MM.YYYY' | 'YYYY-MM';
  decimalSeparator: ',' | '.';
  thousandsSeparator: 'none' | 'space';
  totals: null | { prefix: string; columns: Array<'count' | 'amount' | 'commission' | 'transferred' | '-'> };
}

const Profiles = Type.Record(Type.String({ pattern: '^[a-z0-9_-]+$' }), Profile);

export class ProfileError extends Error {}

/** The profiles of `file`, or the shipped ones; a file that does not match the schema is refused with the reason. */
export function loadProfiles(file?: string): Record<string, RegistryProfile> {
  const raw: unknown = file ? JSON.parse(fs.readFileSync(file, 'utf8')) : shipped;
  if (!Value.Check(Profiles, raw)) {
    const first = Value.Errors(Profiles, raw)[0];
    throw new ProfileError(
      `Profiles file ${file ?? 'registry-profiles.json'} is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown error'}`,
    );
  }
  const out: Record<string, RegistryProfile> = {};
  for (const [name, p] of Object.entries(raw as Record<string, Omit<RegistryProfile, 'name'>>)) {
    const missing = REQUIRED_COLUMNS.filter((c) => !p.columns.includes(c));
    if (missing.length > 0) {
      throw new ProfileError(`Profile ${name} lacks the columns ${missing.join(', ')}`);
    }
    out[name] = { ...p, name };
  }
  return out;
}

export function findProfile(profiles: Record<string, RegistryProfile>, name: string): RegistryProfile {
  const p = profiles[name];
  if (!p) {
    throw new ProfileError(`Unknown profile "${name}"; known: ${Object.keys(profiles).join(', ')}`);
  }
  return p;
}
