import { Type, type Static } from 'typebox';
import { defaultPdfThreads } from './pdf/pdf-pool.ts';
import { DEFAULT_MONTH_SCHEDULE } from '../../domain/schedule.ts';

/**
 * Decree 354 п.59–60: periods in a row charged by the average when readings are not submitted
 * (59б) and when the meter is broken or past verification (59а), then by the norm times the
 * coefficient. All three are (verify) in the domain notes, hence configuration; so is the day of
 * the next month by which a bill is due.
 */
export const BillingEnvSchema = {
  AVERAGE_MAX_PERIODS: Type.Integer({
    minimum: 0,
    maximum: 24,
    default: 6,
    description: 'П. 59б: месяцев подряд начисление по среднему, когда показания не переданы',
  }),
  AVERAGE_MAX_PERIODS_METER_FAULT: Type.Integer({
    minimum: 0,
    maximum: 24,
    default: 3,
    description: 'П. 59а: то же, когда счётчик неисправен или истёк срок его поверки',
  }),
  NORM_COEFFICIENT: Type.String({
    pattern: '^[0-9]{1,2}([.,][0-9]{1,3})?$',
    default: '1.0',
    description: 'П. 60: коэффициент к нормативу после месяцев по среднему',
  }),
  BILL_DUE_DAY: Type.Integer({
    minimum: 1,
    maximum: 28,
    default: DEFAULT_MONTH_SCHEDULE.paymentDueDay,
    description: 'Счёт оплачивается до этого числа следующего месяца',
  }),
  /** Threads that render bills and slips for the web server; 0: in the request's own thread. */
  PDF_THREADS: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 64,
      description:
        'Потоков, формирующих PDF счетов и квитанций на сервере; 0 — в потоке запроса; без значения — по числу ядер',
    }),
  ),
};

export interface BillingConfig {
  averageMaxPeriods: number;
  averageMaxPeriodsFault: number;
  /** The norm's coefficient in thousandths. */
  normCoefficientE3: number;
  dueDay: number;
  /** Threads rendering the customers' PDFs in a web server (see pdf/pdf-pool.ts). */
  pdfThreads: number;
}

/** "1,5" → 1500 (thousandths), exactly. */
function decimalE3(s: string): number {
  const [int = '0', frac = ''] = s.replace(',', '.').split('.');
  return Number(int) * 1000 + Number(frac.padEnd(3, '0'));
}

export function billingConfig(
  raw: Static<ReturnType<typeof Type.Object<typeof BillingEnvSchema>>>,
): BillingConfig {
  return {
    averageMaxPeriods: raw.AVERAGE_MAX_PERIODS,
    averageMaxPeriodsFault: raw.AVERAGE_MAX_PERIODS_METER_FAULT,
    normCoefficientE3: decimalE3(raw.NORM_COEFFICIENT),
    dueDay: raw.BILL_DUE_DAY,
    pdfThreads: raw.PDF_THREADS ?? defaultPdfThreads(),
  };
}
