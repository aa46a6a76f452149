import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { BillDocument, BillLine, SlipDocument } from './pdf/bill.model.ts';
import { paymentDueDate } from '../../domain/schedule.ts';
import { parseChargeDetails, type ChargeDetails } from '../../domain/explain.ts';
import { ZONE_TITLES } from '../../domain/tariff.ts';
import { costBreakdown, TARIFF_COMPONENTS, type TariffComponent } from '../../domain/cost-breakdown.ts';
import * as repo from './bill-document.repository.ts';
import { isOdnLine } from './pdf/bill-text.ts';

/** The bill of a closed period for the logged-in customer; undefined when there is none. */
export async function loadBillDocument(
  db: Kysely<Database>,
  accountId: number,
  period: string,
  dueDay: number,
): Promise<BillDocument | undefined> {
  const [account, charge] = await Promise.all([
    repo.findBillAccount(db, accountId),
    repo.findCharge(db, accountId, period),
  ]);
  if (!account || !charge) {
    return undefined;
  }
  const details = parseChargeDetails(charge.details);
  const [building, components] = await Promise.all([
    account.buildingId === null ? undefined : repo.findBuildingVolume(db, account.buildingId, period),
    repo.findTariffComponents(db, account.tariffPlanId, `${period}-01`),
  ]);
  const chargedKop = charge.amountKop + charge.odnKop + charge.recalcKop;
  const lines = billLines(charge, details);
  // The house's volumes explain the ОДН line: printed with it, never on a bill without one.
  const hasOdn = lines.some((l) => isOdnLine(l.title));
  return {
    period,
    billedOn: charge.billedOn,
    dueDate: paymentDueDate(period, dueDay),
    supplier: account.supplier,
    customer: {
      account: account.number,
      surname: account.surname,
      firstName: account.firstName,
      patronymic: account.patronymic,
      residents: account.residents,
      deliveryAddress: account.deliveryAddress,
      objectAddress: account.objectAddress,
      areaE2: account.areaE2,
    },
    method: charge.method as BillDocument['method'],
    meter: details?.meter
      ? {
          serial: details.meter.serial,
          start: details.baseline ? { date: details.baseline.date, values: details.baseline.values } : null,
          end: details.reading ? { date: details.reading.date, values: details.reading.values } : null,
        }
      : null,
    lines,
    recalculations: billRecalculations(charge, details),
    debtStartKop: charge.debtStartKop,
    paymentsKop: charge.paymentsKop,
    chargedKop,
    debtEndKop: charge.debtKop,
    toPayKop: Math.max(0, charge.debtKop),
    costBreakdown: breakdown(chargedKop, components),
    building:
      building && hasOdn ? { totalKwh: building.totalKwh, odnKwh: Math.max(0, building.commonKwh) } : null,
  };
}

/**
 * The recalculations the charge carries; a charge whose recalculated sum has no details (written
 * before they were kept) gets one row of that sum, so that the rows always add up to the total.
 */
function billRecalculations(
  charge: repo.BillCharge,
  details: ChargeDetails | null,
): BillDocument['recalculations'] {
  const rows: BillDocument['recalculations'] = (details?.recalculations ?? []).map((r) => ({
    period: r.period,
    reason: r.reason,
    amountKop: r.amountKop,
  }));
  const rest = charge.recalcKop - rows.reduce((a, r) => a + r.amountKop, 0);
  if (rest !== 0) {
    rows.push({ period: null, reason: '', amountKop: rest });
  }
  return rows;
}

/** The charged sum by the plan's tariff components, or null when none are configured or nothing was charged. */
function breakdown(
  chargedKop: number,
  rows: Array<{ component: string; shareE6: number }>,
): BillDocument['costBreakdown'] {
  const shares = new Map<TariffComponent, number>();
  for (const r of rows) {
    const c = TARIFF_COMPONENTS.find((x) => x === r.component);
    if (c !== undefined) {
      shares.set(c, r.shareE6);
    }
  }
  if (chargedKop === 0 || [...shares.values()].every((v) => v === 0)) {
    return null;
  }
  return costBreakdown(chargedKop, shares);
}

function billLines(charge: repo.BillCharge, details: ChargeDetails | null): BillLine[] {
  const lines: BillLine[] = [];
  const zones = details?.zones;
  if (zones?.length) {
    const multi = zones.length > 1;
    for (const z of zones) {
      for (const b of z.bands) {
        if (b.kwh === 0 && z.bands.length > 1) {
          continue;
        }
        const zone = multi ? `, ${ZONE_TITLES[z.zone].toLowerCase()}` : '';
        const band =
          b.band === 'above_norm'
            ? ', сверх соц. нормы'
            : z.bands.length > 1
              ? ', в пределах соц. нормы'
              : '';
        lines.push({
          title: `Электроэнергия${zone}${band}`,
          kwh: b.kwh,
          priceE5: b.priceE5,
          amountKop: b.amountKop,
        });
      }
    }
  } else {
    lines.push({
      title: 'Электроэнергия',
      kwh: charge.kwh,
      priceE5: charge.tariffE5,
      amountKop: charge.amountKop,
    });
  }
  if (charge.odnKwh !== 0 || charge.odnKop !== 0) {
    lines.push({
      title: 'ОДН',
      kwh: charge.odnKwh,
      priceE5: details?.odnPriceE5 ?? charge.tariffE5,
      amountKop: charge.odnKop,
    });
  }
  return lines;
}

/**
 * The printable slip: the branch's requisites, today, and the last reading submitted since the
 * last bill — empty when there is none (the seed) — with the sum left for the customer.
 */
export async function loadSlipDocument(
  db: Kysely<Database>,
  accountId: number,
  today: string,
): Promise<SlipDocument | undefined> {
  const account = await repo.findBillAccount(db, accountId);
  if (!account) {
    return undefined;
  }
  const since = (await repo.lastBilledOn(db, accountId)) ?? '0000-00-00';
  const [reading, serial] = await Promise.all([
    repo.latestReadingAfter(db, accountId, since),
    repo.activeMeterSerial(db, accountId),
  ]);
  return {
    date: today,
    supplier: account.supplier,
    customer: {
      account: account.number,
      surname: account.surname,
      firstName: account.firstName,
      patronymic: account.patronymic,
      objectAddress: account.objectAddress,
    },
    meterSerial: reading?.serial ?? serial ?? null,
    lastReading: reading ? { date: reading.date, values: reading.values } : null,
  };
}
