import {
  bandNote,
  keyTitle,
  lockedProblem,
  parseBand,
  parsePrice,
  parseValidFrom,
  parseZone,
  priceText,
  zoneProblem,
} from '../tariffs/tariff-input.ts';
import {
  planPrices,
  TariffRefused,
  unknownPlan,
  writePrices,
  type PriceEntry,
  type PriceWrite,
  type TariffActor,
  type TariffReference,
} from '../tariffs/tariffs.service.ts';
import {
  ApplyRefused,
  type FormatReader,
  type ImportFormat,
  type LineProblem,
  type Numbered,
  type Outcome,
  type ReadResult,
} from './engine.ts';
import { headerReader, type ColumnSpec, type LineGet } from './columns.ts';

/**
 * A tariff table as an import format: one price a line — the plan's code, the zone, the band, the
 * date it takes effect and the price — under a header line naming the columns in Russian or
 * English. Each line is checked as `tariff-set` checks a price (the plan and its zones, the 1st of
 * a month, no closed month, the price's form), and a key given twice with different prices is an
 * error. Atomic per file: any bad line refuses the file, and a good one is applied in one
 * transaction, since prices half changed (a day rate new, its night rate old) are wrong prices.
 */

export interface TariffLine {
  entry: PriceEntry;
  /** The same price as an earlier line of the file: nothing to write for it. */
  repeatOf: number | null;
}

export const TARIFF_LABELS: Record<string, string> = {
  added: 'новых цен',
  changed: 'цен изменено',
  unchanged: 'цен без изменений (уже такие)',
};

type Column = 'plan' | 'zone' | 'band' | 'from' | 'price';

const TITLES: Record<Column, string> = {
  plan: 'Тариф',
  zone: 'Зона',
  band: 'Диапазон',
  from: 'Действует с',
  price: 'Цена',
};

const SPEC: ColumnSpec<Column> = {
  titles: TITLES,
  names: {
    plan: 'plan',
    plan_code: 'plan',
    'plan code': 'plan',
    tariff: 'plan',
    тариф: 'plan',
    'код тарифа': 'plan',
    'тарифный план': 'plan',
    'тарифная группа': 'plan',
    zone: 'zone',
    зона: 'zone',
    band: 'band',
    диапазон: 'band',
    from: 'from',
    valid_from: 'from',
    'valid from': 'from',
    date: 'from',
    'действует с': 'from',
    дата: 'from',
    'дата начала': 'from',
    price: 'price',
    цена: 'price',
  },
  required: ['plan', 'zone', 'from', 'price'],
  example: 'Тариф; Зона; Диапазон; Действует с; Цена (или plan; zone; band; from; price)',
  empty: 'В файле нет ни одной цены: только заголовок или пустые строки.',
};

/** A reader of one pass over a tariff file. */
export function tariffReader(ref: TariffReference): FormatReader<TariffLine> {
  const seen = new Map<string, { line: number; priceE5: number }>();
  return headerReader(SPEC, (get, line) => readLine(ref, get, line, seen));
}

function readLine(
  ref: TariffReference,
  get: LineGet<Column>,
  line: number,
  seen: Map<string, { line: number; priceE5: number }>,
): ReadResult<TariffLine> {
  const checked = checkFields(ref, get);
  if ('problems' in checked) {
    return { kind: 'rejected', problems: checked.problems };
  }
  const { entry } = checked;
  const plan = entry.plan;
  const title = keyTitle({ ...entry, planCode: plan.code });
  const key = `${plan.code}|${entry.zone}|${entry.band}|${entry.validFrom}`;
  const first = seen.get(key);
  if (first && first.priceE5 !== entry.priceE5) {
    return {
      kind: 'rejected',
      problems: [
        {
          field: TITLES.price,
          message: `Цена ${title} уже задана в строке ${first.line} (${priceText(first.priceE5)}), здесь другая (${priceText(entry.priceE5)}): оставьте одну.`,
        },
      ],
    };
  }
  const notes: LineProblem[] = [];
  if (first) {
    notes.push({ message: `Повтор строки ${first.line}: та же цена ${title}, строка ничего не добавляет.` });
  } else {
    seen.set(key, { line, priceE5: entry.priceE5 });
  }
  const note = bandNote(plan, entry.band);
  if (note) {
    notes.push({ field: TITLES.band, message: note });
  }
  return { kind: 'record', notes, record: { entry, repeatOf: first?.line ?? null } };
}

/** The fields of a line checked one by one: the price they give, or every problem found. */
function checkFields(
  ref: TariffReference,
  get: (c: Column) => string,
): { entry: PriceEntry } | { problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  const bad = (c: Column, message: string) => problems.push({ field: TITLES[c], message });
  const plan = ref.plans.get(get('plan'));
  if (!plan) {
    bad('plan', unknownPlan(get('plan'), ref.plans));
  }
  const zone = parseZone(get('zone'));
  if (!zone.ok) {
    bad('zone', zone.message);
  } else if (plan) {
    const p = zoneProblem(plan, zone.value);
    if (p) {
      bad('zone', p);
    }
  }
  const band = parseBand(get('band'));
  if (!band.ok) {
    bad('band', band.message);
  }
  const from = parseValidFrom(get('from'));
  if (!from.ok) {
    bad('from', from.message);
  } else {
    const p = lockedProblem(from.value, ref.locked);
    if (p) {
      bad('from', p);
    }
  }
  const price = parsePrice(get('price'));
  if (!price.ok) {
    bad('price', price.message);
  }
  if (problems.length > 0 || !plan || !zone.ok || !band.ok || !from.ok || !price.ok) {
    return { problems };
  }
  return {
    entry: { plan, zone: zone.value, band: band.value, validFrom: from.value, priceE5: price.value },
  };
}

/** The batch's outcomes: a repeated line changes nothing; a changed price notes before → after. */
function outcomes(batch: Numbered<TariffLine>[], writes: PriceWrite[]): Outcome[] {
  let i = 0;
  return batch.map(({ record: r }) => {
    if (r.repeatOf !== null) {
      return { count: 'unchanged' };
    }
    const w = writes[i++]!;
    if (w.status !== 'changed') {
      return { count: w.status };
    }
    return {
      count: 'changed',
      note: {
        field: TITLES.price,
        message: `Цена ${keyTitle({ ...r.entry, planCode: r.entry.plan.code })} меняется: ${priceText(w.beforeE5!)} → ${priceText(r.entry.priceE5)}.`,
      },
    };
  });
}

const entriesOf = (batch: Numbered<TariffLine>[]) =>
  batch.filter((b) => b.record.repeatOf === null).map((b) => b.record.entry);

/**
 * The tariff format over the plans and the latest closed period read before the file
 * (`loadTariffReference`); applying checks the closed periods again in its transaction.
 */
export function tariffFormat(
  ref: TariffReference,
  actor: Omit<TariffActor, 'source' | 'importRunId'>,
  clock: { now(): Date },
): ImportFormat<TariffLine> {
  return {
    kind: 'tariffs',
    profile: 'tariffs',
    strict: true,
    atomic: true,
    strictReason: 'а таблица цен применяется только вся сразу',
    recordsTitle: 'Строк с ценами',
    labels: TARIFF_LABELS,
    reader: () => tariffReader(ref),
    async plan(db, batch) {
      return outcomes(batch, await planPrices(db, entriesOf(batch)));
    },
    async apply(tx, batch, runId) {
      try {
        const actorOfRun = { ...actor, source: 'import', importRunId: runId };
        return outcomes(batch, await writePrices(tx, entriesOf(batch), actorOfRun, clock.now()));
      } catch (err) {
        // A closing began since the check: the whole file is refused, nothing written.
        throw err instanceof TariffRefused ? new ApplyRefused(err.message) : err;
      }
    },
  };
}
