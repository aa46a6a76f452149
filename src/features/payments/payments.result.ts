import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { dateInZone } from '../../domain/dates.ts';
import { formatInteger } from '../../domain/format.ts';
import { ZONE_TITLES, zonesFor } from '../../domain/tariff.ts';
import * as readingsRepo from '../readings/readings.repository.ts';
import * as repo from './payments.repository.ts';

// The result page and its electronic check: one of the customer's own orders, as shown to them.

/** The result page's address, where the bank's return and a form posted again lead. */
export function resultPath(orderNumber: string): string {
  return `/cabinet/payment/${encodeURIComponent(orderNumber)}`;
}

export interface PaymentResult {
  method: repo.PaymentMethod;
  /** An SBP order's QR: what it encodes (https://qr.nspk.ru/…), and when it stops being payable. */
  qr: { payload: string; expiresAt: number } | null;
  orderNumber: string;
  status: repo.OrderStatus;
  statusReason: string | null;
  amountKop: number;
  accountNumber: string;
  /** The business date of the payment (paid) or of the order (otherwise). */
  date: string;
  /** "28600", or "День 120, Ночь 45"; null without a reading. */
  reading: string | null;
  readingStatus: 'pending' | 'stored' | 'refused' | null;
  authRefNum: string | null;
  approvalCode: string | null;
  /** When the bank took the money (ms), and when the portal credited it and on which date. */
  paidAt: number | null;
  creditedAt: number | null;
  creditedOn: string | null;
}

/** One of the customer's own orders; undefined for anyone else's (the route answers 404). */
export async function loadResult(
  db: Kysely<Database>,
  accountId: number,
  orderNumber: string,
  timeZone: string,
): Promise<PaymentResult | undefined> {
  const o = await repo.findForCustomer(db, accountId, orderNumber);
  if (!o) {
    return undefined;
  }
  let reading: string | null = null;
  if (o.reading) {
    const meter = await readingsRepo.findMeter(db, accountId, o.reading.meterId);
    const zones = zonesFor(meter?.zones ?? o.reading.values.length);
    reading =
      zones.length > 1
        ? o.reading.values
            .map((v, i) => `${ZONE_TITLES[zones[i] ?? 'single']} ${formatInteger(v)}`)
            .join(', ')
        : o.reading.values[0] === undefined
          ? ''
          : formatInteger(o.reading.values[0]);
  }
  return {
    method: o.method,
    qr: o.qr && { payload: o.qr.payload, expiresAt: o.expiresAt },
    orderNumber: o.orderNumber,
    status: o.status,
    statusReason: o.statusReason,
    amountKop: o.amountKop,
    accountNumber: o.accountNumber,
    date: o.paidOn ?? dateInZone(new Date(o.createdAt), timeZone),
    reading,
    readingStatus: o.reading?.status ?? null,
    authRefNum: o.authRefNum,
    approvalCode: o.approvalCode,
    paidAt: o.paidAt,
    creditedAt: o.creditedAt,
    creditedOn: o.creditedAt === null ? null : dateInZone(new Date(o.creditedAt), timeZone),
  };
}
