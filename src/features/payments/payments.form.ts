import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/db/connect.ts';
import { rublesInput } from '../../domain/money.ts';
import { zonesFor, type Zone } from '../../domain/tariff.ts';
import * as readingsRepo from '../readings/readings.repository.ts';
import { amountDueKop } from './amount-due.ts';
import * as repo from './payments.repository.ts';

// The order form as it is first shown: what is owed, the sum filled in, the meter's last reading.

/** The order form's meter part: the meter in service and its last accepted values. */
export interface PaymentFormMeter {
  id: number;
  serial: string;
  digits: number;
  zones: Zone[];
  previous: number[];
  previousDate: string | null;
}

export interface PaymentForm {
  accountNumber: string;
  meter: PaymentFormMeter | null;
  key: string;
  /** What the customer owes now, as the main page's summary says: > 0 owed, < 0 overpaid. */
  dueKop: number;
  /** The amount field's first value: the sum owed, or empty when nothing is. */
  amount: string;
}

export async function loadPaymentForm(db: Db, accountId: number, today: string): Promise<PaymentForm> {
  const payer = await repo.findPayer(db.kysely, accountId);
  const dueKop = await amountDueKop(db.kysely, accountId, today);
  const meter = await readingsRepo.findActiveMeter(db.kysely, accountId);
  let formMeter: PaymentFormMeter | null = null;
  if (meter) {
    const last = await readingsRepo.latestAcceptedReading(db.kysely, accountId, meter.id);
    const zones = zonesFor(meter.zones);
    formMeter = {
      id: meter.id,
      serial: meter.serial,
      digits: meter.digits,
      zones,
      previous: zones.map((_, i) => last?.values[i] ?? 0),
      previousDate: last?.readingDate ?? null,
    };
  }
  return {
    accountNumber: payer?.number ?? '',
    meter: formMeter,
    key: randomUUID(),
    dueKop,
    amount: dueKop > 0 ? rublesInput(dueKop) : '',
  };
}
