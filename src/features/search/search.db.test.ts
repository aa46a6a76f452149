import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  addAccount,
  Agent,
  createTestApp,
  openCabinet,
  testDialects,
  textOf,
  type TestApp,
} from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';

// The back office's search (/office/search) on both databases: by a part of the number, the
// surname (case, ё/е, initials), the address and the meter serial; paging; bad input.

/** The account numbers in a results page, in order. */
function found(html: string): string[] {
  const table = /<table class="history" id="search-results">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<a href="\/office\/accounts\/\d+">(\d{10})<\/a>/g)].map((m) => m[1]!);
}

const q = (params: Record<string, string>) => `/office/search?${new URLSearchParams(params).toString()}`;

for (const dialect of await testDialects()) {
  describe(`office search (${dialect})`, () => {
    let t: TestApp;
    let operator: Agent;
    before(async () => {
      t = await createTestApp(dialect);
      const add = (number: string, surname: string, address?: string, serial?: string) =>
        addAccount(t.db, { number, surname, ...(address && { address }), ...(serial && { serial }) });
      await add(
        '1000000011',
        'Фёдоров',
        'Республика Хакасия, г. Абакан, ул. Ленина, д. 5, кв. 12',
        'AB77001',
      );
      await add(
        '1000000012',
        'Федорова',
        'Республика Хакасия, г. Абакан, ул. Ленина, д. 5, кв. 13',
        'AB77002',
      );
      await add('1000000013', 'ФЕДОСЕЕВ', 'Республика Хакасия, г. Абакан, ул. Ленина, д. 51', '55501');
      await add('1000000014', 'Иванова', 'Республика Хакасия, с. Бея, ул. Ленинградская, д. 5', '55502');
      await add('2099887766', 'Ёлкин', 'Республика Хакасия, г. Абаза, мкр. Заводской, д. 5А, кв. 7', '66601');
      for (let i = 0; i < 25; i++) {
        await add(`14000001${String(i).padStart(2, '0')}`, 'Пагинов');
      }
      operator = (await staffAgent(t, 'operator', ['operator'], '10.72.0.1')).agent;
    });
    after(async () => t.close());

    const search = async (params: Record<string, string>) => {
      const res = await operator.get(q(params));
      return { status: res.statusCode, html: res.body, numbers: found(res.body) };
    };

    test('the form, without a query, shows no results and no message', async () => {
      const r = await search({});
      assert.equal(r.status, 200);
      assert.match(r.html, /Поиск лицевого счёта/);
      assert.doesNotMatch(r.html, /search-results|field-error|form-error/);
    });

    test('any part of the number of 4 digits or more, from any position', async () => {
      assert.deepEqual((await search({ number: '1705' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ number: '0571' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ number: '7190' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ number: '9887' })).numbers, ['2099887766']);
      assert.deepEqual((await search({ number: '00000011' })).numbers, ['1000000011']);
      assert.deepEqual((await search({ number: '17 0505 7190' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ number: '1000000013' })).numbers, ['1000000013']);
      assert.deepEqual((await search({ number: '4321' })).numbers, []);
      assert.match((await search({ number: '4321' })).html, /Ничего не найдено/);
    });

    test('the surname by its beginning, whatever the case and ё or е', async () => {
      assert.deepEqual((await search({ name: 'федоров' })).numbers, ['1000000011', '1000000012']);
      assert.deepEqual((await search({ name: 'ФЁДОРОВ' })).numbers, ['1000000011', '1000000012']);
      assert.deepEqual((await search({ name: 'Федо' })).numbers, ['1000000011', '1000000012', '1000000013']);
      assert.deepEqual((await search({ name: 'федосеев' })).numbers, ['1000000013']);
      assert.deepEqual((await search({ name: 'елкин' })).numbers, ['2099887766']);
      assert.deepEqual((await search({ name: 'Федорова' })).numbers, ['1000000012']);
    });

    test('with initials: «Иванов П. С.», «иванов п», «Иванова А.И.»', async () => {
      assert.deepEqual((await search({ name: 'Иванов П. С.' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ name: 'Иванов П.С.' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ name: 'иванов п' })).numbers, [DEMO_ACCOUNT.number]);
      assert.deepEqual((await search({ name: 'Иванов' })).numbers, [DEMO_ACCOUNT.number, '1000000014']);
      assert.deepEqual((await search({ name: 'Иванова А.И.' })).numbers, ['1000000014']);
      assert.deepEqual((await search({ name: 'Иванов А' })).numbers, ['1000000014']);
      assert.deepEqual((await search({ name: 'Иванов П.И.' })).numbers, []);
    });

    test('the address: a street by its beginning, the house and the flat exactly', async () => {
      assert.deepEqual((await search({ street: 'Ленина' })).numbers, [
        '1000000011',
        '1000000012',
        '1000000013',
      ]);
      assert.deepEqual((await search({ street: 'ул. Ленин' })).numbers.length, 4);
      assert.deepEqual((await search({ street: 'ленина', house: '5' })).numbers, [
        '1000000011',
        '1000000012',
      ]);
      assert.deepEqual((await search({ street: 'Ленина', house: '5', flat: '12' })).numbers, ['1000000011']);
      assert.deepEqual((await search({ street: 'Ленина', house: '51' })).numbers, ['1000000013']);
      assert.deepEqual((await search({ street: 'Заводской', house: '5а', flat: '7' })).numbers, [
        '2099887766',
      ]);
      assert.deepEqual((await search({ street: 'Бограда', house: '71' })).numbers, [DEMO_ACCOUNT.number]);
    });

    test('the meter serial by its beginning', async () => {
      assert.deepEqual((await search({ serial: 'ab77' })).numbers, ['1000000011', '1000000012']);
      assert.deepEqual((await search({ serial: '5550' })).numbers, ['1000000013', '1000000014']);
      assert.deepEqual((await search({ serial: '168077' })).numbers, [DEMO_ACCOUNT.number]);
    });

    test('several fields must all hold', async () => {
      assert.deepEqual((await search({ name: 'Фед', street: 'Ленина', house: '5' })).numbers, [
        '1000000011',
        '1000000012',
      ]);
      assert.deepEqual((await search({ name: 'Фед', number: '0013' })).numbers, ['1000000013']);
    });

    test('paged, 20 to a page, with links to the next and previous pages', async () => {
      const first = await search({ name: 'Пагинов' });
      assert.equal(first.numbers.length, 20);
      assert.match(first.html, /rel="next"/);
      assert.doesNotMatch(first.html, /rel="prev"/);
      const next = /href="([^"]+)" rel="next"/.exec(first.html)![1]!.replace(/&amp;/g, '&');
      const second = await operator.get(next);
      const rest = found(second.body);
      assert.equal(rest.length, 5);
      assert.match(second.body, /rel="prev"/);
      assert.doesNotMatch(second.body, /rel="next"/);
      assert.deepEqual(
        [...first.numbers, ...rest].sort(),
        Array.from({ length: 25 }, (_, i) => `14000001${String(i).padStart(2, '0')}`),
      );
      assert.match((await search({ name: 'Пагинов', page: '9' })).html, /На этой странице ничего нет/);
      // A page that is not a page number reads the first.
      assert.equal((await search({ name: 'Пагинов', page: '-3' })).numbers.length, 20);
    });

    test('bad input: a message next to the field, 400, and no results', async () => {
      const cases: Array<[Record<string, string>, string, RegExp]> = [
        [{ number: '123' }, 'number', /не меньше 4 цифр/],
        [{ number: '12ab5' }, 'number', /только из цифр/],
        [{ number: '170505719012' }, 'number', /10 цифр/],
        [{ name: 'И' }, 'name', /двух первых букв/],
        [{ name: 'Иванов<script>' }, 'name', /буквами/],
        [{ name: "'; drop table accounts; --" }, 'name', /буквами/],
        [{ house: '5' }, 'street', /Укажите улицу/],
        [{ street: 'Ленина', flat: '3' }, 'house', /Укажите дом/],
        [{ street: 'Ленина', house: 'пять' }, 'house', /Номер дома/],
        [{ street: 'Ленина', house: '5', flat: '3а' }, 'flat', /только цифры/],
        [{ serial: '12' }, 'serial', /не меньше 3/],
        [{ serial: '12%' }, 'serial', /из цифр и букв/],
      ];
      for (const [params, field, message] of cases) {
        const r = await search(params);
        const what = JSON.stringify(params);
        assert.equal(r.status, 400, what);
        const error = new RegExp(`id="search-${field}-error"[^>]*>([^<]*)<`).exec(r.html)?.[1] ?? '';
        assert.match(error, message, what);
        assert.match(r.html, new RegExp(`id="search-${field}"(?:(?!/>).)*aria-invalid="true"`), what);
        assert.doesNotMatch(r.html, /search-results/, what);
      }
      const empty = await search({ number: '', name: '' });
      assert.equal(empty.status, 400);
      assert.match(textOf(empty.html), /Заполните хотя бы одно поле/);
      const long = await operator.get(q({ name: 'а'.repeat(201) }));
      assert.equal(long.statusCode, 400);
      const count = await t.db.kysely
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 31, 'the accounts are all still there');
    });

    test('anonymous visitors and customers get the login page; an admin gets 403', async () => {
      const anonymous = new Agent(t.app, '10.72.1.1');
      const res = await anonymous.get(q({ name: 'Иванов' }));
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/office/login');
      const { agent: customer } = await openCabinet(
        t.app,
        '10.72.1.2',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );
      const asCustomer = await customer.get(q({ name: 'Иванов' }));
      assert.equal(asCustomer.statusCode, 303);
      assert.equal(asCustomer.headers.location, '/office/login');
      const admin = (await staffAgent(t, 'admin', ['admin'], '10.72.0.2')).agent;
      const asAdmin = await admin.get(q({ name: 'Иванов' }));
      assert.equal(asAdmin.statusCode, 403);
      assert.doesNotMatch(asAdmin.body, /1705057190/);
      const accountant = (await staffAgent(t, 'accountant', ['accountant'], '10.72.0.3')).agent;
      assert.deepEqual(found((await accountant.get(q({ name: 'Иванов П' }))).body), [DEMO_ACCOUNT.number]);
    });
  });
}
