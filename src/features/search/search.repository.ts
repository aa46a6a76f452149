import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { foldText, NUMBER_PART_POSITIONS, prefixUpperBound } from '../../domain/search-key.ts';

type Q = Kysely<Database> | Transaction<Database>;

/**
 * What to look for, already checked and folded (search.service.ts). Every criterion is a range
 * of an index (migration 2026120896); several given at once must all hold.
 */
export interface SearchCriteria {
  /** 4 to 10 digits found anywhere in the number. */
  numberPart?: string;
  /** The beginning of the folded surname. */
  surnamePrefix?: string;
  /** Folded first letters of the first name and the patronymic, in that order. */
  initials: string[];
  /** The beginning of the street's folded name; the house and flat exactly. */
  address?: { street: string; house?: string; flat?: string };
  /** The beginning of the folded meter serial. */
  serialPrefix?: string;
}

export interface FoundAccount {
  id: number;
  number: string;
  surname: string;
  firstName: string;
  patronymic: string;
  objectAddress: string;
}

export async function searchAccounts(
  db: Q,
  c: SearchCriteria,
  offset: number,
  limit: number,
): Promise<FoundAccount[]> {
  const onlyNumber =
    c.numberPart !== undefined &&
    c.surnamePrefix === undefined &&
    c.address === undefined &&
    c.serialPrefix === undefined;
  if (onlyNumber) {
    return byNumberPart(db, c.numberPart!, offset, limit);
  }
  let q = db
    .selectFrom('accounts')
    .select(['id', 'number', 'surname', 'first_name', 'patronymic', 'object_address']);
  if (c.surnamePrefix !== undefined) {
    q = q
      .where('surname_key', '>=', c.surnamePrefix)
      .where('surname_key', '<', prefixUpperBound(c.surnamePrefix));
    const columns = ['first_name', 'patronymic'] as const;
    c.initials.slice(0, 2).forEach((initial, i) => {
      q = q.where(sql<string>`substr(${sql.ref(columns[i]!)}, 1, 1)`, 'in', initialForms(initial));
    });
  }
  if (c.address !== undefined) {
    const { street, house, flat } = c.address;
    if (house === undefined) {
      q = q.where('address_key', '>=', street).where('address_key', '<', prefixUpperBound(street));
    } else {
      // A street's name may have several words: the house is whatever follows the street as typed.
      const key = flat === undefined ? `${street} ${house}` : `${street} ${house} ${flat}`;
      q =
        flat === undefined
          ? q.where((eb) =>
              eb.or([
                eb('address_key', '=', key),
                eb.and([eb('address_key', '>=', `${key} `), eb('address_key', '<', `${key}!`)]),
              ]),
            )
          : q.where('address_key', '=', key);
    }
  }
  if (c.numberPart !== undefined) {
    const part = c.numberPart;
    q = q.where((eb) => {
      const upper = prefixUpperBound(part);
      const ranges: Expression<SqlBool>[] = [eb.and([eb('number', '>=', part), eb('number', '<', upper)])];
      for (const k of NUMBER_PART_POSITIONS) {
        if (k - 1 + part.length > 10) {
          break;
        }
        // The literal position, as the expression index has it: a bound parameter would not match it.
        const tail = sql<string>`substr(number, ${sql.lit(k)})`;
        ranges.push(eb.and([eb(tail, '>=', part), eb(tail, '<', upper)]));
      }
      return eb.or(ranges);
    });
  }
  if (c.serialPrefix !== undefined) {
    const prefix = c.serialPrefix;
    q = q.where('id', 'in', (sub) =>
      sub
        .selectFrom('meters')
        .select('account_id')
        .where('serial_key', '>=', prefix)
        .where('serial_key', '<', prefixUpperBound(prefix)),
    );
  }
  if (c.surnamePrefix !== undefined) {
    q = q.orderBy('surname_key').orderBy('first_name').orderBy('patronymic').orderBy('id');
  } else if (c.address !== undefined) {
    q = q.orderBy('address_key').orderBy('id');
  } else {
    // Not the number itself: SQLite would rather walk the whole number index in order than read
    // the seven ranges and sort what they found (a few hundred rows).
    q = q.orderBy(sql`number || ''`);
  }
  const rows = await q.limit(limit).offset(offset).execute();
  return rows.map(toFound);
}

type FoundRow = {
  id: number;
  number: string;
  surname: string;
  first_name: string;
  patronymic: string;
  object_address: string;
};

function toFound(r: FoundRow): FoundAccount {
  return {
    id: Number(r.id),
    number: r.number,
    surname: r.surname,
    firstName: r.first_name,
    patronymic: r.patronymic,
    objectAddress: r.object_address,
  };
}

/**
 * A part of the number alone, the most common search: the page's numbers are picked and ordered
 * from the indexes (each carries the number: migration 2026120897), a union of up to seven
 * ranges, and only the page's rows are read from the table.
 */
async function byNumberPart(db: Q, part: string, offset: number, limit: number): Promise<FoundAccount[]> {
  const upper = prefixUpperBound(part);
  let ids = db
    .selectFrom('accounts')
    .select(['id', 'number'])
    .where('number', '>=', part)
    .where('number', '<', upper);
  for (const k of NUMBER_PART_POSITIONS) {
    if (k - 1 + part.length > 10) {
      break;
    }
    // The literal position, as the expression index has it: a bound parameter would not match it.
    const tail = sql<string>`substr(number, ${sql.lit(k)})`;
    ids = ids.union(
      db.selectFrom('accounts').select(['id', 'number']).where(tail, '>=', part).where(tail, '<', upper),
    );
  }
  const page = await ids.orderBy('number').limit(limit).offset(offset).execute();
  if (page.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'number', 'surname', 'first_name', 'patronymic', 'object_address'])
    .where(
      'id',
      'in',
      page.map((r) => Number(r.id)),
    )
    .execute();
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return page.flatMap((p) => {
    const r = byId.get(Number(p.id));
    return r ? [toFound(r)] : [];
  });
}

/** The first letters a folded initial stands for as names are written: «е» is also «Ё». */
function initialForms(initial: string): string[] {
  const forms = new Set<string>([initial, initial.toUpperCase()]);
  if (initial === foldText('Ё')) {
    forms.add('Ё').add('ё');
  }
  return [...forms];
}
