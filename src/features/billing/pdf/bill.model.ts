import type { TariffComponent } from '../../../domain/cost-breakdown.ts';

/**
 * Everything printed on a month's bill (Decree 354 п.69; the seed's two-part sample), already
 * computed: rendering does no arithmetic beyond formatting. Money in kopecks, prices in 1/100000 ₽.
 */
export interface BillDocument {
  /** 'YYYY-MM' */
  period: string;
  /** The date the bill was made (the period's closing date), 'YYYY-MM-DD'. */
  billedOn: string;
  /** Pay by this date (the 10th of the next month), 'YYYY-MM-DD'. */
  dueDate: string;
  supplier: BillSupplier;
  customer: BillCustomer;
  /** 'readings' | 'average' | 'norm' — printed as "Расчет за электроэнергию: по показаниям за май 2026 года". */
  method: 'readings' | 'average' | 'norm';
  meter: BillMeter | null;
  /** One line per zone (or one for a single-rate meter), then the ОДН line if any. */
  lines: BillLine[];
  /**
   * Recalculations of earlier periods shown on this bill (positive = more to pay). `period` is
   * null for a correction recorded as a sum only (a charge without the recalculations' details).
   */
  recalculations: Array<{ period: string | null; reason: string; amountKop: number }>;
  /** Debt (+) or overpayment (−) at the start of the period. */
  debtStartKop: number;
  /** Payments received in the period. */
  paymentsKop: number;
  /** Charged in the period: lines + recalculations. */
  chargedKop: number;
  /** Debt (+) or overpayment (−) at the end of the period: debtStart + charged − payments. */
  debtEndKop: number;
  /** What to pay: the end debt, or 0 with an overpayment. */
  toPayKop: number;
  /**
   * The charged sum split into the tariff's components, in the bill's order, the parts summing to
   * `chargedKop` («В том числе (с учетом НДС)», the manual's bill); null when the supplier
   * configured no components for the plan, or nothing was charged.
   */
  costBreakdown: Array<{ component: TariffComponent; amountKop: number }> | null;
  /** Building data for the ОДН section, when the supplier has them. */
  building: { totalKwh: number; odnKwh: number } | null;
}

export interface BillSupplier {
  /** 'Открытое акционерное общество "Хакасэнергосбыт", ОАО' */
  payeeName: string;
  branchName: string;
  inn: string;
  kpp: string;
  bankName: string;
  bic: string;
  corrAccount: string;
  settlementAccount: string;
  address: string;
  phones: string;
  fax: string;
  email: string;
  website: string;
}

export interface BillCustomer {
  account: string;
  surname: string;
  firstName: string;
  patronymic: string;
  residents: number;
  deliveryAddress: string;
  objectAddress: string;
  /** Floor area in 1/100 m². */
  areaE2: number;
}

export interface BillMeter {
  serial: string;
  /** Readings at the start and the end of the period, one value per zone; null when none was taken. */
  start: { date: string; values: number[] } | null;
  end: { date: string; values: number[] } | null;
}

export interface BillLine {
  /** 'Электроэнергия', 'Электроэнергия, день', …, 'ОДН' */
  title: string;
  kwh: number;
  priceE5: number;
  amountKop: number;
}

/** The printable payment slip ("Распечатать квитанцию"): requisites, today, the last reading, no sum. */
export interface SlipDocument {
  /** Today, 'YYYY-MM-DD'. */
  date: string;
  supplier: BillSupplier;
  customer: Pick<BillCustomer, 'account' | 'surname' | 'firstName' | 'patronymic' | 'objectAddress'>;
  meterSerial: string | null;
  /** The last reading submitted since the last bill, one value per zone; null leaves the field empty (the seed). */
  lastReading: { date: string; values: number[] } | null;
}
