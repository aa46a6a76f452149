/** The GOST R 56042-2014 payloads printed on a bill and on a payment slip, and their QR symbols. */
import { qrcode, type QRCodeModule } from '../../../platform/qrcode.ts';
import type { BillDocument, BillSupplier, SlipDocument } from './bill.model.ts';
import { buildPaymentQrPayload, paymPeriodOf, type PaymentQrFields } from '../../../domain/payment-qr.ts';

/** ЖКХ (housing and utilities) in the standard's TechCode table. */
const TECH_CODE_UTILITIES = '02';

function payee(
  s: BillSupplier,
): Pick<PaymentQrFields, 'name' | 'personalAcc' | 'bankName' | 'bic' | 'correspAcc' | 'payeeInn' | 'kpp'> {
  return {
    name: s.payeeName,
    personalAcc: s.settlementAccount,
    bankName: s.bankName,
    bic: s.bic,
    correspAcc: s.corrAccount,
    payeeInn: s.inn,
    kpp: s.kpp,
  };
}

/**
 * A payer's name or address as stored (imported data may hold tabs or line breaks) made fit for
 * the payload, which admits no control characters: each run of them and of spaces becomes one space.
 */
function payerText(value: string | null | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  return value == null ? undefined : value.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * The meter's values as a payment app reads them, plain digits: a multi-zone reading has one
 * CounterVal field in the standard, the zones joined by '/'.
 */
function counterVal(values: readonly number[] | undefined): string | undefined {
  return values && values.length > 0 ? values.map(String).join('/') : undefined;
}

/**
 * The bill's QR: Sum is what to pay (left out with nothing to pay, so the app asks instead of
 * offering a zero payment), the period, the account, the payer, and the meter's end reading.
 */
export function billQrFields(bill: BillDocument): PaymentQrFields {
  const p = paymPeriodOf(bill.period);
  return {
    ...payee(bill.supplier),
    sumKop: bill.toPayKop > 0 ? bill.toPayKop : undefined,
    purpose: `Оплата за электроэнергию за ${p.slice(0, 2)}.${p.slice(2)}, л/с ${bill.customer.account}`,
    persAcc: bill.customer.account,
    lastName: payerText(bill.customer.surname),
    firstName: payerText(bill.customer.firstName),
    middleName: payerText(bill.customer.patronymic),
    payerAddress: payerText(bill.customer.objectAddress),
    paymPeriod: p,
    counterId: bill.meter?.serial,
    counterVal: counterVal(bill.meter?.end?.values),
    techCode: TECH_CODE_UTILITIES,
  };
}

/** The slip's QR: no Sum (the payer writes it by hand), the last reading if one was sent. */
export function slipQrFields(slip: SlipDocument): PaymentQrFields {
  return {
    ...payee(slip.supplier),
    purpose: `Оплата за электроэнергию, л/с ${slip.customer.account}`,
    persAcc: slip.customer.account,
    lastName: payerText(slip.customer.surname),
    firstName: payerText(slip.customer.firstName),
    middleName: payerText(slip.customer.patronymic),
    payerAddress: payerText(slip.customer.objectAddress),
    counterId: slip.meterSerial ?? undefined,
    counterVal: counterVal(slip.lastReading?.values),
    techCode: TECH_CODE_UTILITIES,
  };
}

export function billQrPayload(bill: BillDocument): string {
  return buildPaymentQrPayload(billQrFields(bill));
}

export function slipQrPayload(slip: SlipDocument): string {
  return buildPaymentQrPayload(slipQrFields(slip));
}

/** A QR symbol's modules: `size` × `size`, row-major, 1 = dark. */
export type QrMatrix = Pick<QRCodeModule.BitMatrix, 'size' | 'data'>;

const utf8 = new TextEncoder();

/**
 * The QR symbol of a payload, as `qrcode` builds it (mask chosen by the standard's penalty rules).
 * One byte-mode segment of the text's UTF-8 bytes, as the payload's header (ST00012) declares;
 * left to itself `qrcode` would split the text into mixed-mode segments. Error correction M, as
 * payment QR codes on utility bills use.
 */
export function paymentQrMatrix(payload: string): QrMatrix {
  const segment = { data: utf8.encode(payload), mode: 'byte' } as const;
  return qrcode().create([segment], { errorCorrectionLevel: 'M' }).modules;
}
