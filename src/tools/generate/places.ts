import { cumulative, type Rng } from './prng.ts';

/**
 * Towns of each settlement code (the seed's table) and the streets of their addresses.
 * Settlements are real places of Khakassia; houses and flats are made up.
 */

/** 'city': mostly blocks of flats; 'town': some; 'village': private houses. */
type Kind = 'city' | 'town' | 'village';

interface Town {
  name: string;
  kind: Kind;
  weight: number;
  streets?: readonly string[];
}

const CITY_STREETS = [
  'ул. Ленина',
  'ул. Мира',
  'ул. Советская',
  'ул. Пушкина',
  'ул. Щетинкина',
  'ул. Вяткина',
  'ул. Кирова',
  'ул. Чертыгашева',
  'ул. Крылова',
  'ул. Торговая',
  'ул. Гагарина',
  'ул. Комсомольская',
  'ул. Октябрьская',
  'ул. Промышленная',
  'ул. Стофато',
  'ул. Некрасова',
  'ул. Чехова',
  'ул. Островского',
  'ул. Маршала Жукова',
  'ул. Аскизская',
  'ул. Бограда',
  'ул. Космонавтов',
  'ул. Строителей',
  'ул. Победы',
  'ул. Пионерская',
  'ул. Красноярская',
  'ул. Тельмана',
  'ул. Дзержинского',
  'ул. Хакасская',
  'ул. Игарская',
  'ул. Кравченко',
  'ул. Лермонтова',
  'ул. Белоярская',
  'ул. Садовая',
  'ул. Школьная',
  'ул. Юбилейная',
  'ул. Энергетиков',
];

const VILLAGE_STREETS = [
  'ул. Ленина',
  'ул. Мира',
  'ул. Советская',
  'ул. Школьная',
  'ул. Садовая',
  'ул. Лесная',
  'ул. Набережная',
  'ул. Молодёжная',
  'ул. Зелёная',
  'ул. Трудовая',
  'ул. Почтовая',
  'ул. Партизанская',
  'ул. Октябрьская',
  'ул. Степная',
  'ул. Новая',
  'ул. Центральная',
  'ул. Колхозная',
  'ул. Заречная',
  'ул. Полевая',
  'пер. Береговой',
];

const SAYANOGORSK_STREETS = [
  'мкр. Заводской',
  'мкр. Советский',
  'мкр. Ленинградский',
  'мкр. Интернациональный',
  'мкр. Енисейский',
  'мкр. Центральный',
  'ул. Индустриальная',
  'ул. Металлургов',
  'ул. Шушенская',
  'ул. Ленина',
];

const TOWNS: Record<string, readonly Town[]> = {
  '10': [
    { name: 'г. Абакан', kind: 'city', weight: 80 },
    { name: 'с. Калинино', kind: 'village', weight: 8 },
    { name: 'д. Чапаево', kind: 'village', weight: 4 },
    { name: 'п. Расцвет', kind: 'village', weight: 4 },
    { name: 'с. Зелёное', kind: 'village', weight: 4 },
  ],
  '11': [
    { name: 'рп. Усть-Абакан', kind: 'town', weight: 50 },
    { name: 'п. Ильича', kind: 'village', weight: 15 },
    { name: 'с. Курганное', kind: 'village', weight: 15 },
    { name: 'п. Сахарный', kind: 'village', weight: 20 },
  ],
  '12': [
    { name: 'г. Сорск', kind: 'city', weight: 70 },
    { name: 'п. Усть-Бюрь', kind: 'village', weight: 15 },
    { name: 'п. Майский', kind: 'village', weight: 15 },
  ],
  '14': [
    { name: 'с. Боград', kind: 'village', weight: 40 },
    { name: 'с. Знаменка', kind: 'village', weight: 15 },
    { name: 'с. Первомайское', kind: 'village', weight: 15 },
    { name: 'с. Сарагаш', kind: 'village', weight: 15 },
    { name: 'с. Троицкое', kind: 'village', weight: 15 },
  ],
  '15': [
    { name: 'рп. Шира', kind: 'town', weight: 50 },
    { name: 'с. Туим', kind: 'town', weight: 20 },
    { name: 'п. Жемчужный', kind: 'village', weight: 15 },
    { name: 'с. Коммунар', kind: 'village', weight: 15 },
  ],
  '16': [
    { name: 'рп. Копьёво', kind: 'town', weight: 60 },
    { name: 'с. Орджоникидзевское', kind: 'village', weight: 20 },
    { name: 'п. Сарала', kind: 'village', weight: 20 },
  ],
  '17': [
    { name: 'г. Черногорск', kind: 'city', weight: 90 },
    { name: 'п. Пригорск', kind: 'village', weight: 10 },
  ],
  '20': [
    { name: 'г. Саяногорск', kind: 'city', weight: 65, streets: SAYANOGORSK_STREETS },
    { name: 'рп. Черёмушки', kind: 'town', weight: 20 },
    { name: 'рп. Майна', kind: 'town', weight: 15 },
  ],
  '21': [
    { name: 'с. Аскиз', kind: 'village', weight: 30 },
    { name: 'рп. Аскиз', kind: 'town', weight: 20 },
    { name: 'рп. Вершина Тёи', kind: 'town', weight: 20 },
    { name: 'с. Бельтирское', kind: 'village', weight: 15 },
    { name: 'с. Балыкса', kind: 'village', weight: 15 },
  ],
  '22': [
    { name: 'с. Таштып', kind: 'village', weight: 50 },
    { name: 'с. Имек', kind: 'village', weight: 20 },
    { name: 'с. Большая Сея', kind: 'village', weight: 15 },
    { name: 'с. Арбаты', kind: 'village', weight: 15 },
  ],
  '23': [
    { name: 'с. Бея', kind: 'village', weight: 50 },
    { name: 'с. Сабинка', kind: 'village', weight: 20 },
    { name: 'с. Новоенисейка', kind: 'village', weight: 15 },
    { name: 'с. Большой Монок', kind: 'village', weight: 15 },
  ],
  '24': [
    { name: 'с. Белый Яр', kind: 'village', weight: 50 },
    { name: 'с. Изыхские Копи', kind: 'village', weight: 20 },
    { name: 'с. Аршаново', kind: 'village', weight: 15 },
    { name: 'с. Подсинее', kind: 'village', weight: 15 },
  ],
  '25': [{ name: 'г. Абаза', kind: 'city', weight: 100 }],
};

/** Share of the accounts in each settlement code (roughly by population). */
const SETTLEMENT_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['10', 24],
  ['11', 5],
  ['12', 3],
  ['14', 4],
  ['15', 5],
  ['16', 3],
  ['17', 14],
  ['20', 12],
  ['21', 8],
  ['22', 4],
  ['23', 5],
  ['24', 5],
  ['25', 4],
];

export const SETTLEMENT_CODES: readonly string[] = SETTLEMENT_WEIGHTS.map(([c]) => c);
const SETTLEMENT_CUM = cumulative(SETTLEMENT_WEIGHTS.map(([, w]) => w));
const TOWN_CUM: Record<string, number[]> = Object.fromEntries(
  Object.entries(TOWNS).map(([code, towns]) => [code, cumulative(towns.map((t) => t.weight))]),
);

const FLATS_SHARE: Record<Kind, number> = { city: 0.78, town: 0.35, village: 0.04 };

/** Index into SETTLEMENT_CODES. */
export function drawSettlement(rng: Rng): number {
  return rng.weighted(SETTLEMENT_CUM);
}

export interface Address {
  text: string;
  /** A flat in a block (common-house needs are billed), or a private house. */
  flat: boolean;
}

export function drawAddress(rng: Rng, code: string, mainTownOnly = false): Address {
  const towns = TOWNS[code]!;
  const town = mainTownOnly ? towns[0]! : towns[rng.weighted(TOWN_CUM[code]!)]!;
  const streets = town.streets ?? (town.kind === 'village' ? VILLAGE_STREETS : CITY_STREETS);
  const street = rng.pick(streets);
  const flat = rng.chance(FLATS_SHARE[town.kind]);
  // Joined, not concatenated: a flat string, not a rope of concatenations that the garbage
  // collector would copy node by node while a chunk's rows wait to be sent.
  if (flat) {
    const house = rng.int(1, 120);
    const letter = rng.chance(0.06) ? rng.pick(['А', 'Б', 'В']) : '';
    const text = [
      'Республика Хакасия, ',
      town.name,
      ', ',
      street,
      ', д. ',
      String(house),
      letter,
      ', кв. ',
      String(rng.int(1, 180)),
    ].join('');
    return { text, flat };
  }
  return {
    text: ['Республика Хакасия, ', town.name, ', ', street, ', д. ', String(rng.int(1, 160))].join(''),
    flat,
  };
}
