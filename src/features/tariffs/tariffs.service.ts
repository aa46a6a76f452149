import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { recordAudit } from '../../platform/audit.repository.ts';
import type { Zone } from '../../domain/tariff.ts';
import {
  bandNote,
  lockedProblem,
  parseBand,
  parsePrice,
  parseValidFrom,
  parseZone,
  zoneProblem,
  type Band,
  type LockedPeriod,
  type PlanRef,
} from './tariff-input.ts';
import * as repo from './tariffs.repository.ts';

/**
 * Tariff prices set by an administrator: one price per plan, zone, band and date it takes effect
 * (the 1st of a month). A price may be added or replaced only while no period from its month on
 * is closed or being closed: a closed month is changed by recalculation, never by rewriting the
 * prices it was charged at. Setting the price a key already has changes nothing. Every added or
 * replaced price writes an audit row with who, why, before and after.
 */

export type TariffField = 'plan' | 'zone' | 'band' | 'from' | 'price';

/** A price refused, with the field at fault (for a form) and a Russian message. */
export class TariffRefused extends Error {
  constructor(
    message: string,
    readonly field: TariffField | null,
  ) {
    super(message);
  }
}

/** A price checked against the plan: what gets written. */
export interface PriceEntry {
  plan: PlanRef;
  zone: Zone;
  band: Band;
  validFrom: string;
  priceE5: number;
}

/** Who sets prices, for the audit log. */
export interface TariffActor {
  /** The person (the OS user of the CLI, a staff login). */
  by: string;
  /** Where the price came from: 'tariff-set', 'import' … */
  source: string;
  reason?: string;
  importRunId?: number;
  staffUserId?: number | null;
  ip?: string | null;
}

export interface PriceWrite {
  status: 'added' | 'changed' | 'unchanged';
  /** The price the key had before; null when it had none. */
  beforeE5: number | null;
}

/** What the checks of a file's lines need from the database: the plans and the latest locked period. */
export interface TariffReference {
  plans: Map<string, PlanRef>;
  locked: LockedPeriod | null;
}

export async function loadTariffReference(
  db: Kysely<Database> | Transaction<Database>,
): Promise<TariffReference> {
  return { plans: await repo.plansByCode(db), locked: await repo.lockedPeriod(db) };
}

const keyOf = (e: PriceEntry): repo.PriceKey => ({
  planId: e.plan.id,
  zone: e.zone,
  band: e.band,
  validFrom: e.validFrom,
});

/** What writing the entries would do, without writing. */
export async function planPrices(
  db: Kysely<Database> | Transaction<Database>,
  entries: PriceEntry[],
): Promise<PriceWrite[]> {
  const stored = await repo.pricesOf(db, entries.map(keyOf));
  return entries.map((e) => outcomeOf(e, stored.get(repo.keyString(keyOf(e)))));
}

function outcomeOf(e: PriceEntry, before: number | undefined): PriceWrite {
  return before === undefined
    ? { status: 'added', beforeE5: null }
    : { status: before === e.priceE5 ? 'unchanged' : 'changed', beforeE5: before };
}

/**
 * Writes the entries in the caller's transaction, checking again that no period from their months
 * on is closed (a closing may have begun since they were read): throws TariffRefused then, and the
 * caller's transaction rolls back.
 *
 * The prices' lock is taken before that check and held until the caller commits, and a closing
 * takes it to mark its month «closing» (billing/close-month.ts), reading the prices only after:
 * without it, a closing could mark its month and read the prices between this check and the
 * commit, charging the old prices while a price for the month it closes is written. With it,
 * either the write commits first and the closing charges its price, or the closing marks first
 * and this check sees the month closing (after waiting for the lock) and refuses.
 */
export async function writePrices(
  tx: Transaction<Database>,
  entries: PriceEntry[],
  actor: TariffActor,
  at: Date,
): Promise<PriceWrite[]> {
  await repo.lockPrices(tx, at.getTime());
  const locked = await repo.lockedPeriod(tx);
  for (const e of entries) {
    const problem = lockedProblem(e.validFrom, locked);
    if (problem) {
      throw new TariffRefused(problem, 'from');
    }
  }
  const out = await planPrices(tx, entries);
  for (const [i, e] of entries.entries()) {
    const w = out[i]!;
    if (w.status === 'unchanged') {
      continue;
    }
    if (w.status === 'added') {
      await repo.insertPrice(tx, keyOf(e), e.priceE5);
    } else {
      await repo.updatePrice(tx, keyOf(e), e.priceE5);
    }
    await recordAudit(tx, at, {
      event: 'tariff_price',
      outcome: w.status,
      ip: actor.ip ?? null,
      staffUserId: actor.staffUserId ?? null,
      details: {
        plan: e.plan.code,
        zone: e.zone,
        band: e.band,
        validFrom: e.validFrom,
        before: w.beforeE5,
        after: e.priceE5,
        by: actor.by,
        source: actor.source,
        ...(actor.importRunId !== undefined ? { importRun: actor.importRunId } : {}),
        ...(actor.reason ? { reason: actor.reason.slice(0, 500) } : {}),
      },
    });
  }
  return out;
}

/** The price as typed: the plan's code, the zone, band, date and price as text. */
export interface PriceInput {
  plan: string;
  zone: string;
  band: string;
  from: string;
  price: string;
}

export interface SetPriceResult extends PriceWrite {
  entry: PriceEntry;
  /** Something to know that did not stop the price (an above-norm price on a plan without a norm). */
  notes: string[];
}

/** `tariff-set`: checks one price and writes it, in one transaction. */
export async function setTariffPrice(
  db: Kysely<Database>,
  input: PriceInput,
  actor: TariffActor,
  at: Date,
): Promise<SetPriceResult> {
  const zone = parseZone(input.zone);
  if (!zone.ok) {
    throw new TariffRefused(zone.message, 'zone');
  }
  const band = parseBand(input.band);
  if (!band.ok) {
    throw new TariffRefused(band.message, 'band');
  }
  const from = parseValidFrom(input.from);
  if (!from.ok) {
    throw new TariffRefused(from.message, 'from');
  }
  const price = parsePrice(input.price);
  if (!price.ok) {
    throw new TariffRefused(price.message, 'price');
  }
  return db.transaction().execute(async (tx) => {
    // First, before any read: on SQLite a transaction that read before its first write could not
    // take the write lock after a closing's commit (a stale snapshot), only fail.
    await repo.lockPrices(tx, at.getTime());
    const plans = await repo.plansByCode(tx);
    const plan = plans.get(input.plan.trim());
    if (!plan) {
      throw new TariffRefused(unknownPlan(input.plan, plans), 'plan');
    }
    const entry: PriceEntry = {
      plan,
      zone: zone.value,
      band: band.value,
      validFrom: from.value,
      priceE5: price.value,
    };
    const problem = zoneProblem(plan, entry.zone);
    if (problem) {
      throw new TariffRefused(problem, 'zone');
    }
    const [write] = await writePrices(tx, [entry], actor, at);
    const note = bandNote(plan, entry.band);
    return { ...write!, entry, notes: note ? [note] : [] };
  });
}

/** "Тарифа с кодом «x» нет" with the codes there are. */
export function unknownPlan(code: string, plans: Map<string, PlanRef>): string {
  const known = [...plans.keys()];
  return code.trim() === ''
    ? 'Не указан код тарифа.'
    : `Тарифа с кодом «${code.trim()}» нет. ${known.length > 0 ? `Есть: ${known.join(', ')}.` : 'Справочник тарифов пуст: загрузите его командой tariff-plans-load.'}`;
}
