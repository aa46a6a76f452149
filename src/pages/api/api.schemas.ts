import { Type } from 'typebox';

// The JSON of /api/v1, as TypeBox schemas: Fastify validates and serialises with them, and the
// OpenAPI document at /api/docs/json is made from them. Money is integer kopecks, energy whole
// kWh (register values as the meter shows them), dates YYYY-MM-DD in the supplier's time zone.

const DATE = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';
export const PERIOD = '^[0-9]{4}-(0[1-9]|1[0-2])$';

const IsoDate = Type.String({ pattern: DATE, description: 'YYYY-MM-DD' });
const Period = Type.String({ pattern: PERIOD, description: 'YYYY-MM' });
const Kop = Type.Integer({ description: 'kopecks' });

export const AccountParams = Type.Object({
  number: Type.String({ pattern: '^[0-9]{10}$', description: 'The 10-digit account number' }),
});

export const AccountList = Type.Object({
  accounts: Type.Array(
    Type.Object({
      number: Type.String(),
      address: Type.String({ description: 'Where the power is used' }),
      attachedAt: Type.String({ description: 'When it was attached to the profile (ISO 8601, UTC)' }),
    }),
  ),
});

export const Balance = Type.Object({
  number: Type.String(),
  amountDueKop: Type.Integer({
    description:
      'What is owed as the cabinet shows it: the last bill, less payments since, plus the readings since (negative: overpaid)',
  }),
  asOf: IsoDate,
});

export const ChargesQuery = Type.Object({
  from: Type.Optional(
    Type.String({ pattern: PERIOD, description: 'First month (default: 11 months before `to`)' }),
  ),
  to: Type.Optional(Type.String({ pattern: PERIOD, description: 'Last month (default: this month)' })),
});

export const ChargeList = Type.Object({
  charges: Type.Array(
    Type.Object({
      period: Period,
      billedOn: IsoDate,
      method: Type.String({ description: "'readings', 'average' (п.59) or 'norm' (п.60)" }),
      kwh: Type.Integer(),
      amountKop: Kop,
      odnKwh: Type.Integer(),
      odnKop: Kop,
      recalcKop: Kop,
      debtKop: Type.Integer({
        description: 'The debt at the end of the month, kopecks (negative: overpaid)',
      }),
      tariffE5: Type.Integer({ description: 'The price, 1/100000 ₽ per kWh' }),
      billUrl: Type.String({ description: "The bill's PDF" }),
    }),
  ),
});

export const SinceQuery = Type.Object({
  from: Type.Optional(Type.String({ pattern: DATE, description: 'From this date on (default: a year ago)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

export const PaymentList = Type.Object({
  payments: Type.Array(
    Type.Object({
      paidOn: IsoDate,
      amountKop: Kop,
      channel: Type.String(),
      source: Type.String({ description: 'Who took the money' }),
    }),
  ),
});

export const Reading = Type.Object({
  id: Type.Integer(),
  date: IsoDate,
  values: Type.Array(Type.Integer(), { description: 'Per zone (day, night, peak …)' }),
  channel: Type.String({ description: "How it came: 'internet', 'api', 'bank', 'operator' …" }),
  status: Type.String({ description: "'accepted', 'review' (checked by the supplier) or 'rejected'" }),
  billingPeriod: Type.Union([Period, Type.Null()]),
});

export const ReadingList = Type.Object({ readings: Type.Array(Reading) });

export const NewReading = Type.Object(
  {
    values: Type.Array(Type.Integer({ minimum: 0, maximum: 999_999_999 }), {
      minItems: 1,
      maxItems: 3,
      description: "The meter's registers, one per zone, as the meter shows them (whole kWh)",
    }),
    confirm: Type.Optional(
      Type.Boolean({
        description: 'Send a reading that looks wrong (a large consumption, a register gone back) for review',
      }),
    ),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    pattern: '^[\\x21-\\x7e]{1,255}$',
    description: 'A key of your own per reading (a UUID): a repeat returns the first answer',
  }),
});

export const ReadingCreated = Type.Object({ reading: Reading });

export const MeterInfo = Type.Object({
  meter: Type.Union([
    Type.Object({
      serial: Type.String(),
      digits: Type.Integer({ description: 'Digits of each register' }),
      ratio: Type.Integer({ description: 'Transformer ratio (1 for a household meter)' }),
      zones: Type.Array(Type.String(), { description: 'The registers to send, in this order' }),
      installedOn: IsoDate,
      verificationDue: IsoDate,
    }),
    Type.Null(),
  ]),
  lastReading: Type.Union([Type.Object({ date: IsoDate, values: Type.Array(Type.Integer()) }), Type.Null()]),
  window: Type.Object(
    {
      state: Type.Union([Type.Literal('open'), Type.Literal('soon'), Type.Literal('closed')]),
      from: IsoDate,
      to: IsoDate,
      period: Period,
    },
    {
      description:
        'When readings are asked for (readings are accepted on any day; those after `to` count for the next month)',
    },
  ),
});
