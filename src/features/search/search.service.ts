import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { foldText, NUMBER_PART_MIN } from '../../domain/search-key.ts';
import { searchAccounts, type FoundAccount, type SearchCriteria } from './search.repository.ts';

// The back office's search: what the operator typed, checked field by field (a message next to
// each field that is wrong), turned into criteria the repository reads through its indexes.

export const SEARCH_FIELDS = ['number', 'name', 'street', 'house', 'flat', 'serial'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
export type SearchValues = Record<SearchField, string>;
export type SearchErrors = Partial<Record<SearchField, string>>;

export const PAGE_SIZE = 20;
/** Deeper than this the operator narrows the search instead (and offsets stay cheap). */
export const MAX_PAGE = 500;

export type ParsedSearch =
  { kind: 'empty' } | { kind: 'invalid'; errors: SearchErrors } | { kind: 'ok'; criteria: SearchCriteria };

const NAME_RE = /^[\p{L}'’\-. ]+$/u;
const HOUSE_RE = /^\d{1,4}(?:[а-яёa-z]|\/\d{1,3})?$/iu;
const SERIAL_RE = /^[\p{L}\d\-/]+$/u;

export function parseSearch(raw: Partial<SearchValues>): ParsedSearch {
  const v = trimAll(raw);
  if (SEARCH_FIELDS.every((f) => v[f] === '')) {
    return { kind: 'empty' };
  }
  const errors: SearchErrors = {};
  const criteria: SearchCriteria = { initials: [] };

  if (v.number !== '') {
    const digits = v.number.replace(/[\s-]/g, '');
    if (!/^\d+$/.test(digits)) {
      errors.number = 'Номер лицевого счёта состоит только из цифр.';
    } else if (digits.length < NUMBER_PART_MIN) {
      errors.number = `Введите не меньше ${NUMBER_PART_MIN} цифр номера (любую его часть).`;
    } else if (digits.length > 10) {
      errors.number = 'В номере лицевого счёта 10 цифр, а введено больше.';
    } else {
      criteria.numberPart = digits;
    }
  }

  if (v.name !== '') {
    if (!NAME_RE.test(v.name)) {
      errors.name = 'Фамилия и инициалы пишутся буквами (можно дефис, точки и пробелы).';
    } else {
      const words = v.name.split(/[\s.]+/).filter(Boolean);
      const surname = foldText(words[0] ?? '');
      if ([...surname].length < 2) {
        errors.name = 'Введите не меньше двух первых букв фамилии.';
      } else if (words.length > 3) {
        errors.name = 'Введите фамилию и инициалы: например, «Иванов И. И.».';
      } else {
        criteria.surnamePrefix = surname;
        criteria.initials = words.slice(1).map((w) => [...foldText(w)][0]!);
      }
    }
  }

  parseAddress(v, errors, criteria);

  if (v.serial !== '') {
    if (!SERIAL_RE.test(v.serial)) {
      errors.serial = 'Заводской номер состоит из цифр и букв.';
    } else if (v.serial.length < 3) {
      errors.serial = 'Введите не меньше 3 первых знаков заводского номера.';
    } else {
      criteria.serialPrefix = foldText(v.serial);
    }
  }
  return Object.keys(errors).length > 0 ? { kind: 'invalid', errors } : { kind: 'ok', criteria };
}

function parseAddress(v: SearchValues, errors: SearchErrors, criteria: SearchCriteria): void {
  if (v.street === '' && v.house === '' && v.flat === '') {
    return;
  }
  const street = foldText(
    v.street.replace(/^(ул|улица|пер|переулок|пр-т|проспект|мкр|микрорайон)\.?\s+/iu, ''),
  );
  if (v.street === '') {
    errors.street = 'Укажите улицу: дом и квартира ищутся на ней.';
  } else if ([...street].length < 2 || !/\p{L}/u.test(street)) {
    errors.street = 'Введите не меньше двух первых букв названия улицы.';
  }
  const house = foldText(v.house.replace(/\s/g, ''));
  if (v.house !== '' && !HOUSE_RE.test(house)) {
    errors.house = 'Номер дома: цифры, можно с буквой или дробью (5, 5А, 12/1).';
  }
  if (v.flat !== '') {
    if (v.house === '') {
      errors.house = 'Укажите дом: квартира ищется в нём.';
    }
    if (!/^\d{1,4}$/.test(v.flat)) {
      errors.flat = 'Номер квартиры: только цифры.';
    }
  }
  criteria.address = {
    street,
    ...(v.house !== '' && { house }),
    ...(v.flat !== '' && { flat: v.flat }),
  };
}

function trimAll(raw: Partial<SearchValues>): SearchValues {
  const out = {} as SearchValues;
  for (const f of SEARCH_FIELDS) {
    out[f] = (raw[f] ?? '').trim().replace(/\s+/g, ' ');
  }
  return out;
}

/** The page asked for: a whole number from 1 to MAX_PAGE, else the first. */
export function pageOf(raw: string | undefined): number {
  const n = raw !== undefined && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return n >= 1 && n <= MAX_PAGE ? n : 1;
}

export interface SearchPage {
  rows: FoundAccount[];
  page: number;
  hasNext: boolean;
}

export async function runSearch(
  db: Kysely<Database>,
  criteria: SearchCriteria,
  page: number,
): Promise<SearchPage> {
  const rows = await searchAccounts(db, criteria, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1);
  return { rows: rows.slice(0, PAGE_SIZE), page, hasNext: rows.length > PAGE_SIZE };
}
