import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

/**
 * Reference data shared by the demo and the generator: settlements, branches with their
 * requisites, offices and tariff plans. The payee and its bank are the seed's sample bill's
 * (the Черногорск branch prints its account; the other branches' accounts are varied from it),
 * so a demo bill or slip carries a payment QR code for that account: an installation replaces
 * them with its own before real use.
 */
/**
 * The demo's settlement codes: the seed's table for Khakassia. A supplier loads its own region's
 * with `settlements-load`; the portal checks account numbers against the `settlements` table.
 */
export const SETTLEMENTS: ReadonlyArray<{ code: string; name: string }> = [
  { code: '10', name: 'Усть-Абаканский район и Абакан' },
  { code: '11', name: 'п.Усть-Абакан, п.Ильича, с.Курганное, п.Сахарный' },
  { code: '12', name: 'Сорск, п.Усть-Бюрь и п.Майский' },
  { code: '14', name: 'Боградский район' },
  { code: '15', name: 'Ширинский район' },
  { code: '16', name: 'Орджоникидзевский район' },
  { code: '17', name: 'Черногорск и Пригорск' },
  { code: '20', name: 'Саяногорск' },
  { code: '21', name: 'Аскизский район' },
  { code: '22', name: 'Таштыпский район' },
  { code: '23', name: 'Бейский район' },
  { code: '24', name: 'Алтайский район' },
  { code: '25', name: 'Абаза' },
];

export const BRANCHES = [
  {
    code: 'chernogorsk',
    name: 'Черногорское отделение',
    payee_name: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
    inn: '1901000017',
    kpp: '190101001',
    bank_name: 'Отделение № 8602 Сбербанка России',
    bic: '049514608',
    corr_account: '30101810500000000608',
    settlement_account: '40702810171020110607',
    address: 'РХ, г. Черногорск, ул. Линейная, 249',
    phones: '(39031) 3-51-10',
    fax: '(3902) 34-64-81',
    email: 'info@energosbyt.example',
    website: 'https://energosbyt.example',
  },
  {
    code: 'abakan',
    name: 'Абаканское отделение',
    payee_name: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
    inn: '1901000017',
    kpp: '190101001',
    bank_name: 'Отделение № 8602 Сбербанка России',
    bic: '049514608',
    corr_account: '30101810500000000608',
    settlement_account: '40702810171020110615',
    address: 'РХ, г. Абакан, ул. Пушкина, 56',
    phones: '(3902) 22-33-44',
    fax: '(3902) 22-33-45',
    email: 'abakan@energosbyt.example',
    website: 'https://energosbyt.example',
  },
  {
    code: 'smo',
    name: 'СМО ХЭС (Саяногорское межрайонное отделение)',
    payee_name: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
    inn: '1901000017',
    kpp: '190201001',
    bank_name: 'Отделение № 8602 Сбербанка России',
    bic: '049514608',
    corr_account: '30101810500000000608',
    settlement_account: '40702810171020110623',
    address: 'РХ, г. Саяногорск, ул. Индустриальная, 7',
    phones: '(39042) 2-11-22',
    fax: '(39042) 2-11-23',
    email: 'smo@energosbyt.example',
    website: 'https://energosbyt.example',
  },
] as const;

export type BranchCode = (typeof BRANCHES)[number]['code'];

/** Which branch serves each settlement code. */
export const BRANCH_OF_SETTLEMENT: Record<string, BranchCode> = {
  '10': 'abakan',
  '11': 'abakan',
  '12': 'abakan',
  '14': 'abakan',
  '15': 'abakan',
  '16': 'abakan',
  '17': 'chernogorsk',
  '21': 'abakan',
  '22': 'abakan',
  '23': 'abakan',
  '24': 'abakan',
  '25': 'abakan',
  '20': 'smo',
};

const OFFICES: Array<{
  branch: BranchCode;
  name: string;
  address: string;
  phones: string;
  hours: string;
  lat: number;
  lon: number;
}> = [
  {
    branch: 'abakan',
    name: 'Абакан, центральный офис',
    address: 'г. Абакан, ул. Пушкина, 56',
    phones: '(3902) 22-33-44, (3902) 22-33-46',
    hours: 'пн–пт 8:00–19:00, сб 9:00–14:00',
    lat: 53.722_400,
    lon: 91.443_700,
  },
  {
    branch: 'abakan',
    name: 'Абакан, офис на Торговой',
    address: 'г. Абакан, ул. Торговая, 12',
    phones: '(3902) 22-40-10',
    hours: 'пн–пт 9:00–18:00',
    lat: 53.712_900,
    lon: 91.420_500,
  },
  {
    branch: 'chernogorsk',
    name: 'Черногорск',
    address: 'г. Черногорск, ул. Линейная, 249',
    phones: '(39031) 3-51-10',
    hours: 'пн–пт 8:00–17:00, обед 12:00–13:00',
    lat: 53.823_600,
    lon: 91.284_200,
  },
  {
    branch: 'smo',
    name: 'Саяногорск',
    address: 'г. Саяногорск, ул. Индустриальная, 7',
    phones: '(39042) 2-11-22',
    hours: 'пн–пт 8:00–17:00',
    lat: 53.100_600,
    lon: 91.412_200,
  },
  {
    branch: 'abakan',
    name: 'Абаза',
    address: 'г. Абаза, ул. Ленина, 20',
    phones: '(39047) 2-30-40',
    hours: 'пн–пт 8:00–16:00',
    lat: 52.651_700,
    lon: 90.088_600,
  },
  {
    branch: 'abakan',
    name: 'Шира',
    address: 'п. Шира, ул. Октябрьская, 83',
    phones: '(39035) 9-12-34',
    hours: 'пн–пт 8:00–16:00',
    lat: 54.491_300,
    lon: 89.963_100,
  },
];

/** Tariff plans; prices (1/100000 ₽) valid from the first of a year, given as an offset from the current year. */
export const TARIFF_PLANS = [
  {
    code: 'single',
    name: 'Население, однотарифный учёт',
    zones: 1,
    norm: 120,
    prices: [
      { zone: 'single', yearOffset: -3, price: 152_000 },
      { zone: 'single', yearOffset: -1, price: 161_000 },
    ],
  },
  {
    code: 'two-zone',
    name: 'Население, двухзонный учёт (день/ночь)',
    zones: 2,
    norm: 120,
    prices: [
      { zone: 'day', yearOffset: -2, price: 321_000 },
      { zone: 'night', yearOffset: -2, price: 179_000 },
      { zone: 'day', yearOffset: 0, price: 352_000 },
      { zone: 'night', yearOffset: 0, price: 196_000 },
    ],
  },
  {
    code: 'three-zone',
    name: 'Население, трёхзонный учёт (пик/полупик/ночь)',
    zones: 3,
    norm: 120,
    prices: [
      { zone: 'peak', yearOffset: -2, price: 385_000 },
      { zone: 'half_peak', yearOffset: -2, price: 283_000 },
      { zone: 'night', yearOffset: -2, price: 179_000 },
      { zone: 'peak', yearOffset: 0, price: 422_000 },
      { zone: 'half_peak', yearOffset: 0, price: 311_000 },
      { zone: 'night', yearOffset: 0, price: 196_000 },
    ],
  },
] as const;

/**
 * The shares of the tariff's components (millionths), the same for every plan, in force from
 * the earliest prices: those of the manual's sample bill, whose 948,19 it splits into 314,90
 * (purchase), 490,48 (transmission), 140,11 (sales) and 2,70 (other services).
 */
export const TARIFF_COMPONENT_SHARES = [
  { component: 'purchase', shareE6: 332_106 },
  { component: 'transmission', shareE6: 517_280 },
  { component: 'sales', shareE6: 147_766 },
  { component: 'other', shareE6: 2_848 },
] as const;

/** The year offset from which the component shares apply: the earliest prices of TARIFF_PLANS. */
const COMPONENTS_YEAR_OFFSET = -3;

export interface ReferenceIds {
  branchIds: Record<BranchCode, number>;
  planIds: Record<string, number>;
}

/** Creates the reference data if the database has none; returns the ids either way. */
export async function ensureReferenceData(db: Kysely<Database>, currentYear: number): Promise<ReferenceIds> {
  await db.transaction().execute(async (tx) => {
    const existing = await tx.selectFrom('settlements').select('code').limit(1).execute();
    if (existing.length > 0) {
      return;
    }
    await tx
      .insertInto('branches')
      .values(BRANCHES.map((b) => ({ ...b })))
      .execute();
    const branchRows = await tx.selectFrom('branches').select(['id', 'code']).execute();
    const branchId = new Map(branchRows.map((b) => [b.code, Number(b.id)]));
    await tx
      .insertInto('settlements')
      .values(SETTLEMENTS.map((s) => ({ ...s, branch_id: branchId.get(BRANCH_OF_SETTLEMENT[s.code]!)! })))
      .execute();
    await tx
      .insertInto('offices')
      .values(
        OFFICES.map((o) => ({
          branch_id: branchId.get(o.branch)!,
          name: o.name,
          address: o.address,
          phones: o.phones,
          hours: o.hours,
          lat_e6: Math.round(o.lat * 1e6),
          lon_e6: Math.round(o.lon * 1e6),
        })),
      )
      .execute();
    for (const p of TARIFF_PLANS) {
      const plan = await tx
        .insertInto('tariff_plans')
        .values({
          code: p.code,
          name: p.name,
          zones: p.zones,
          norm_kwh_per_resident: p.norm,
          social_norm_kwh: null,
          social_norm_extra_kwh: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('tariff_prices')
        .values(
          p.prices.map((pr) => ({
            plan_id: Number(plan.id),
            zone: pr.zone,
            band: 'base',
            valid_from: `${currentYear + pr.yearOffset}-01-01`,
            price_e5: pr.price,
          })),
        )
        .execute();
    }
  });
  const branches = await db.selectFrom('branches').select(['id', 'code']).execute();
  const plans = await db.selectFrom('tariff_plans').select(['id', 'code']).execute();
  await ensureTariffComponents(db, plans, currentYear);
  return {
    branchIds: Object.fromEntries(branches.map((b) => [b.code, Number(b.id)])) as Record<BranchCode, number>,
    planIds: Object.fromEntries(plans.map((p) => [p.code, Number(p.id)])),
  };
}

/**
 * The shares of the tariff's components for every plan, when none are configured: apart from the
 * rest, so that a demo database made before the table existed gets them too.
 */
async function ensureTariffComponents(
  db: Kysely<Database>,
  plans: Array<{ id: number }>,
  currentYear: number,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const configured = await tx.selectFrom('tariff_components').select('id').limit(1).execute();
    if (configured.length > 0 || plans.length === 0) {
      return;
    }
    await tx
      .insertInto('tariff_components')
      .values(
        plans.flatMap((p) =>
          TARIFF_COMPONENT_SHARES.map((c) => ({
            plan_id: Number(p.id),
            valid_from: `${currentYear + COMPONENTS_YEAR_OFFSET}-01-01`,
            component: c.component,
            share_e6: c.shareE6,
          })),
        ),
      )
      .execute();
  });
}
