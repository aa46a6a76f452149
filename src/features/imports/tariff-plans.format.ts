import type { Clock } from '../../platform/clock.ts';
import { auditReferenceRow } from './reference.audit.ts';
import { headerReader, type ColumnSpec, type LineGet } from './columns.ts';
import {
  type ImportFormat,
  type LineProblem,
  type Numbered,
  type Outcome,
  type ReadResult,
} from './engine.ts';
import { requiredText } from './reference.lines.ts';
import {
  insertPlan,
  plansWithUse,
  updatePlan,
  type PlanDetails,
  type StoredPlan,
} from './tariff-plans.repository.ts';

/**
 * The tariff plans (tariff groups) as an import format (`tariff-plans-load`): one plan a line
 * under a header naming the columns — code, name, zones (1–3), the social norm (Decree 614; empty:
 * none), its extra kWh per extra resident, and the consumption norm per resident (п.42). A new
 * code is added, a known one updated with an audit entry (`tariff_plan`: before and after), never
 * deleted. A plan's zones stay as they are once accounts are on it or prices are set for it: its
 * meters and prices are per zone, so such a line is refused. Per batch with resume.
 */

export const PLAN_LABELS: Record<string, string> = {
  added: 'добавлено тарифов',
  changed: 'изменено',
  unchanged: 'без изменений',
};

type Column = 'code' | 'name' | 'zones' | 'social' | 'extra' | 'norm';

const TITLES: Record<Column, string> = {
  code: 'Код',
  name: 'Название',
  zones: 'Зон',
  social: 'Социальная норма',
  extra: 'Доп. на проживающего',
  norm: 'Норматив на проживающего',
};

const SPEC: ColumnSpec<Column> = {
  titles: TITLES,
  names: {
    code: 'code',
    код: 'code',
    'код тарифа': 'code',
    'тарифная группа': 'code',
    name: 'name',
    название: 'name',
    zones: 'zones',
    зон: 'zones',
    зоны: 'zones',
    'число зон': 'zones',
    social_norm: 'social',
    'social norm': 'social',
    'социальная норма': 'social',
    соцнорма: 'social',
    social_norm_extra: 'extra',
    'social norm extra': 'extra',
    'доп. на проживающего': 'extra',
    'доп на проживающего': 'extra',
    'социальная норма на доп. проживающего': 'extra',
    norm: 'norm',
    norm_per_resident: 'norm',
    'norm per resident': 'norm',
    норматив: 'norm',
    'норматив на проживающего': 'norm',
  },
  required: ['code', 'name', 'zones', 'norm'],
  example:
    'Код; Название; Зон; Социальная норма, кВт·ч; Доп. на проживающего, кВт·ч; Норматив на проживающего, кВт·ч',
  empty: 'В файле нет ни одного тарифа: только заголовок или пустые строки.',
};

const KWH_MAX = 100_000;

/** Whole kWh a month, 0..KWH_MAX; '' gives null when `optional`. */
function kwh(get: LineGet<Column>, c: Column, optional: boolean, problems: LineProblem[]): number | null {
  const s = get(c).replace(/\s/g, '');
  if (s === '') {
    if (!optional) {
      problems.push({ field: TITLES[c], message: 'Поле не заполнено: нужно целое число кВт·ч в месяц.' });
    }
    return null;
  }
  if (!/^[0-9]{1,6}$/.test(s) || Number(s) > KWH_MAX) {
    problems.push({
      field: TITLES[c],
      message: `«${get(c).slice(0, 20)}» — не число кВт·ч: нужно целое число от 0 до ${KWH_MAX}.`,
    });
    return null;
  }
  return Number(s);
}

function readLine(get: LineGet<Column>, line: number, seen: Map<string, number>): ReadResult<PlanDetails> {
  const problems: LineProblem[] = [];
  const code = get('code');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/.test(code)) {
    problems.push({
      field: TITLES.code,
      message: `«${code.slice(0, 40)}» — не код тарифа: латинские буквы, цифры, «-» и «_», до 40 знаков (например, two-zone).`,
    });
  } else if (seen.has(code)) {
    problems.push({
      field: TITLES.code,
      message: `Тариф «${code}» уже был в строке ${seen.get(code)}: по тарифу одна строка.`,
    });
  } else {
    seen.set(code, line);
  }
  const name = requiredText(TITLES.name, get('name'), 200, problems);
  const zones = /^[123]$/.test(get('zones')) ? Number(get('zones')) : 0;
  if (zones === 0) {
    problems.push({
      field: TITLES.zones,
      message: `Число зон — 1, 2 или 3, а в строке «${get('zones').slice(0, 20)}».`,
    });
  }
  const social = kwh(get, 'social', true, problems);
  const extra = kwh(get, 'extra', true, problems);
  if (social === null && extra !== null && get('social') === '') {
    problems.push({
      field: TITLES.extra,
      message:
        'Добавка на проживающего без социальной нормы ни к чему не прибавляется: заполните социальную норму или оставьте поле пустым.',
    });
  }
  const norm = kwh(get, 'norm', false, problems);
  if (problems.length > 0) {
    return { kind: 'rejected', problems };
  }
  return {
    kind: 'record',
    record: {
      code,
      name,
      zones,
      socialNormKwh: social,
      socialNormExtraKwh: extra,
      normKwhPerResident: norm!,
    },
  };
}

const FIELDS: Array<[keyof PlanDetails, string]> = [
  ['name', TITLES.name],
  ['zones', TITLES.zones],
  ['socialNormKwh', TITLES.social],
  ['socialNormExtraKwh', TITLES.extra],
  ['normKwhPerResident', TITLES.norm],
];

type Decision =
  | { kind: 'add'; plan: PlanDetails }
  | {
      kind: 'change';
      id: number;
      plan: PlanDetails;
      fields: Array<keyof PlanDetails>;
      before: Partial<PlanDetails>;
    }
  | { kind: 'same' }
  | { kind: 'refused'; message: string };

function zonesLocked(stored: StoredPlan, zones: number): string | null {
  if (stored.zones === zones || (stored.accounts === 0 && stored.prices === 0)) {
    return null;
  }
  const uses = [
    ...(stored.accounts > 0 ? [`лицевых счетов на нём ${stored.accounts}`] : []),
    ...(stored.prices > 0 ? [`цен для его зон ${stored.prices}`] : []),
  ].join(', ');
  return `У тарифа «${stored.code}» зон ${stored.zones}, в строке ${zones}: ${uses}, поэтому число зон не меняется. Для другого учёта заведите новый тариф с другим кодом.`;
}

async function decide(
  db: Parameters<typeof plansWithUse>[0],
  batch: Numbered<PlanDetails>[],
): Promise<Decision[]> {
  const existing = await plansWithUse(db);
  return batch.map(({ record: p }): Decision => {
    const stored = existing.get(p.code);
    if (!stored) {
      return { kind: 'add', plan: p };
    }
    const locked = zonesLocked(stored, p.zones);
    if (locked) {
      return { kind: 'refused', message: locked };
    }
    const fields = FIELDS.map(([f]) => f).filter((f) => stored[f] !== p[f]);
    return fields.length === 0
      ? { kind: 'same' }
      : {
          kind: 'change',
          id: stored.id,
          plan: p,
          fields,
          before: Object.fromEntries(fields.map((f) => [f, stored[f]])),
        };
  });
}

const shown = (v: string | number | null | undefined) => (v === null || v === undefined ? 'нет' : String(v));

function outcomeOf(d: Decision): Outcome {
  switch (d.kind) {
    case 'add':
      return { count: 'added' };
    case 'same':
      return { count: 'unchanged' };
    case 'refused':
      return { count: 'rejected', rejected: true, note: { field: TITLES.zones, message: d.message } };
    case 'change':
      return {
        count: 'changed',
        note: {
          message: `Тариф «${d.plan.code}»: меняются ${d.fields
            .map(
              (f) => `«${FIELDS.find(([k]) => k === f)![1]}» (${shown(d.before[f])} → ${shown(d.plan[f])})`,
            )
            .join(', ')}.`,
        },
      };
  }
}

export function tariffPlansFormat(opts: { clock: Clock; by: string }): ImportFormat<PlanDetails> {
  return {
    kind: 'tariff_plans',
    profile: 'tariff_plans',
    strict: false,
    recordsTitle: 'Строк с тарифами',
    labels: PLAN_LABELS,
    reader: () => {
      const seen = new Map<string, number>();
      return headerReader(SPEC, (get, line) => readLine(get, line, seen));
    },
    async plan(db, batch) {
      return (await decide(db, batch)).map(outcomeOf);
    },
    async apply(tx, batch, runId) {
      const decisions = await decide(tx, batch);
      const now = opts.clock.now();
      for (const d of decisions) {
        if (d.kind === 'add') {
          await insertPlan(tx, d.plan);
        } else if (d.kind === 'change') {
          await updatePlan(tx, d.id, d.plan);
        } else {
          continue;
        }
        await auditReferenceRow(tx, now, {
          event: 'tariff_plan',
          runId,
          by: opts.by,
          code: d.plan.code,
          row: d.plan,
          ...(d.kind === 'change' ? { change: { fields: d.fields, before: d.before } } : {}),
        });
      }
      return decisions.map(outcomeOf);
    },
  };
}
