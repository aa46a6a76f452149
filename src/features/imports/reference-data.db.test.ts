import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { audit, load, rowsOf, tmpFile, withDb } from '../../../test/imports-support.ts';
import { addAccount, testDialects } from '../../../test/helpers.ts';
import { ManualClock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/connect.ts';
import { branchesFormat } from './branches.format.ts';
import { tariffPlansFormat } from './tariff-plans.format.ts';
import { settlementsFormat } from './settlements.format.ts';
import { accountsFormat } from './accounts.format.ts';

// branches-load and tariff-plans-load on a fresh database (the schema only, as a new install
// has it): dry run, apply, the same file again, changes audited, every bad line's message; and
// the accounts and settlements imports pointing to them while their lists are empty.

const SAMPLES = path.join(import.meta.dirname, '../../../samples');
const clock = new ManualClock('2026-12-01T05:00:00.000Z');
const branches = () => branchesFormat({ clock, by: 'admin' });
const plans = () => tariffPlansFormat({ clock, by: 'admin' });

async function branchRows(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom('branches').selectAll().orderBy('code').execute();
  return rows.map((r) => [r.code, r.inn, r.kpp, r.bic, r.settlement_account, r.phones, r.email].join('|'));
}

async function planRows(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom('tariff_plans').selectAll().orderBy('code').execute();
  return rows.map((r) =>
    [r.code, r.name, r.zones, r.social_norm_kwh, r.social_norm_extra_kwh, r.norm_kwh_per_resident].join('|'),
  );
}

const BRANCH_HEADER =
  'Код;Название;Получатель;ИНН;КПП;Банк;БИК;Корр. счёт;Расчётный счёт;Адрес;Телефоны;Факс;E-mail;Сайт';
const GOOD = {
  code: 'abakan',
  name: 'Абаканское отделение',
  payee: 'АО «Энергосбыт»',
  inn: '1901000015',
  kpp: '190101001',
  bank: 'Отделение № 8602 Сбербанка России',
  bic: '049514608',
  corr: '30101810500000000608',
  account: '40702810671020110615',
  address: 'РХ, г. Абакан, ул. Пушкина, 56',
  phones: '(3902) 22-33-44',
  fax: '(3902) 22-33-45',
  email: 'abakan@energosbyt.example',
  website: 'https://energosbyt.example',
};
const branchLine = (over: Partial<typeof GOOD> = {}) => Object.values({ ...GOOD, ...over }).join(';');

for (const dialect of await testDialects()) {
  describe(`branches-load (${dialect})`, () => {
    test('the sample: a dry run stores nothing, apply adds with an audit entry, again changes nothing', async () => {
      await withDb(dialect, async (db) => {
        const file = path.join(SAMPLES, 'branches.csv');
        const dry = await load(clock, db, branches(), file, false);
        assert.deepEqual([dry.summary.status, dry.summary.records, dry.summary.rejected], ['dry_run', 3, 0]);
        assert.deepEqual(dry.summary.counts, { added: 3, changed: 0, unchanged: 0 });
        assert.deepEqual(await branchRows(db), []);

        const applied = await load(clock, db, branches(), file);
        assert.deepEqual(applied.summary.counts, { added: 3, changed: 0, unchanged: 0 });
        assert.deepEqual(await branchRows(db), [
          'abakan|1901000015|190101001|049514608|40702810671020110615|(3902) 22-33-44|abakan@energosbyt.example',
          'chernogorsk|1901000015|190101001|049514608|40702810171020110607|(39031) 3-51-10|info@energosbyt.example',
          'smo|1901000015|190201001|049514608|40702810171020110623|(39042) 2-11-22|smo@energosbyt.example',
        ]);
        const added = await audit(db, 'branch_import');
        assert.deepEqual(
          added.map((a) => [a.outcome, a.details.code, a.details.by]),
          [
            ['added', 'abakan', 'admin'],
            ['added', 'chernogorsk', 'admin'],
            ['added', 'smo', 'admin'],
          ],
        );

        const again = await load(clock, db, branches(), file);
        assert.deepEqual(again.summary.counts, { added: 0, changed: 0, unchanged: 3 });
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));
        assert.equal((await audit(db, 'branch_import')).length, 3);
      });
    });

    test('a changed branch is updated with its fields before and after; one missing from the file stays', async () => {
      await withDb(dialect, async (db) => {
        await load(clock, db, branches(), path.join(SAMPLES, 'branches.csv'));
        const file = tmpFile(
          `${BRANCH_HEADER}\n${branchLine({ phones: '(3902) 22-00-00', account: '40702810071020110600' })}\n`,
        );
        const dry = await load(clock, db, branches(), file, false);
        assert.deepEqual(dry.summary.counts, { added: 0, changed: 1, unchanged: 0 });
        const { summary, report } = await load(clock, db, branches(), file);
        assert.deepEqual(summary.counts, { added: 0, changed: 1, unchanged: 0 });
        assert.match(rowsOf(report, 2)[0]![2]!, /^Отделение «abakan»: меняются «Получатель» \(/);
        assert.match(rowsOf(report, 2)[0]![2]!, /«Телефоны» \(\(3902\) 22-33-44 → \(3902\) 22-00-00\)/);
        const changed = (await audit(db, 'branch_import')).filter((a) => a.outcome === 'changed');
        assert.equal(changed.length, 1);
        assert.deepEqual(changed[0]!.details.fields, ['payee_name', 'settlement_account', 'phones']);
        assert.deepEqual(changed[0]!.details.before, {
          payee_name: 'Открытое акционерное общество "Хакасэнергосбыт", ОАО',
          settlement_account: '40702810671020110615',
          phones: '(3902) 22-33-44',
        });
        assert.deepEqual(changed[0]!.details.after, {
          payee_name: 'АО «Энергосбыт»',
          settlement_account: '40702810071020110600',
          phones: '(3902) 22-00-00',
        });
        const rows = await branchRows(db);
        assert.equal(rows.length, 3);
        assert.ok(
          rows.includes(
            'abakan|1901000015|190101001|049514608|40702810071020110600|(3902) 22-00-00|abakan@energosbyt.example',
          ),
        );
      });
    });

    test('every bad line is refused with its number, field and reason; the good ones are stored', async () => {
      await withDb(dialect, async (db) => {
        const lines = [
          branchLine({ code: 'Абакан' }),
          branchLine({ code: 'b1', inn: '19010000' }),
          branchLine({ code: 'b2', inn: '1901000017' }),
          branchLine({ code: 'b3', kpp: '19010100' }),
          branchLine({ code: 'b4', bic: '04951460' }),
          branchLine({ code: 'b5', corr: '30101810500000000609' }),
          branchLine({ code: 'b6', account: '40702810171020110615' }),
          branchLine({ code: 'b7', account: '4070281067102011061' }),
          branchLine({ code: 'b8', email: 'abakan.energosbyt.example' }),
          branchLine({ code: 'b9', website: 'не сайт' }),
          branchLine({ code: 'b10', name: '' }),
          branchLine({ code: 'b11', payee: '=HYPERLINK("x")' }),
          branchLine({ code: 'b12', bank: 'Б'.repeat(46) }),
          branchLine({ code: 'ok' }),
          branchLine({ code: 'ok' }),
          'short;line',
        ];
        const { summary, report } = await load(
          clock,
          db,
          branches(),
          tmpFile(`${BRANCH_HEADER}\n${lines.join('\n')}\n`),
        );
        assert.equal(summary.status, 'applied');
        assert.deepEqual([summary.records, summary.rejected, summary.counts.added], [16, 15, 1]);
        const expect: Array<[number, string, RegExp]> = [
          [2, 'Код', /^«Абакан» — не код отделения: строчные латинские буквы/],
          [3, 'ИНН', /^«19010000» — не ИНН организации: нужно 10 цифр\.$/],
          [4, 'ИНН', /^ИНН «1901000017» с ошибкой: его контрольная цифра не сходится .* последняя — 5\)\.$/],
          [5, 'КПП', /^«19010100» — не КПП: нужно 9 знаков/],
          [6, 'БИК', /^«04951460» — не БИК: нужно 9 цифр\.$/],
          [7, 'Корр. счёт', /^Корреспондентский счёт «30101810500000000609» не сходится с БИК 049514608/],
          [
            8,
            'Расчётный счёт',
            /^Расчётный счёт «40702810171020110615» не сходится с БИК 049514608: контрольный ключ \(9-я цифра\) при этом БИК был бы 6\./,
          ],
          [9, 'Расчётный счёт', /^«4070281067102011061» — не расчётный счёт: нужно 20 цифр\.$/],
          [10, 'E-mail', /^«abakan\.energosbyt\.example»: В адресе электронной почты нет знака «@»/],
          [11, 'Сайт', /^«не сайт» — не адрес сайта/],
          [12, 'Название', /^Поле не заполнено\.$/],
          [13, 'Получатель', /начинается со знака «=», как формула/],
          [
            14,
            'Получатель',
            /^Платёжный QR-код квитанции с такими реквизитами не построить: BankName: 46 символов, допустимо не больше 45\.$/,
          ],
          [16, 'Код', /^Отделение «ok» уже было в строке 15: по отделению одна строка\.$/],
          [17, '', /^В строке 2 поля, а нужно не меньше 11: строка неполная или разделитель не тот\.$/],
        ];
        for (const [line, field, message] of expect) {
          const rows = rowsOf(report, line);
          assert.equal(rows.length, 1, `line ${line}: ${JSON.stringify(rows)}`);
          assert.deepEqual(rows[0]!.slice(0, 2), ['отклонена', field], `line ${line}`);
          assert.match(rows[0]![2]!, message, `line ${line}`);
        }
        assert.deepEqual(
          (await branchRows(db)).map((r) => r.split('|')[0]),
          ['ok'],
        );
      });
    });

    test('a header without the required columns refuses the file', async () => {
      await withDb(dialect, async (db) => {
        const { summary } = await load(clock, db, branches(), tmpFile('Код;Название\nabakan;Абакан\n'));
        assert.equal(summary.status, 'refused');
        assert.match(
          summary.fileErrors[0]!,
          /^Строка 1: в заголовке нет столбцов «Получатель», «ИНН», «КПП»/,
        );
        assert.deepEqual(await branchRows(db), []);
      });
    });
  });

  describe(`tariff-plans-load (${dialect})`, () => {
    const HEADER = 'Код;Название;Зон;Социальная норма;Доп. на проживающего;Норматив на проживающего';

    test('the sample: a dry run stores nothing, apply adds, again changes nothing; a change is audited', async () => {
      await withDb(dialect, async (db) => {
        const file = path.join(SAMPLES, 'tariff-plans.csv');
        const dry = await load(clock, db, plans(), file, false);
        assert.deepEqual(dry.summary.counts, { added: 3, changed: 0, unchanged: 0 });
        assert.deepEqual(await planRows(db), []);
        const applied = await load(clock, db, plans(), file);
        assert.deepEqual(applied.summary.counts, { added: 3, changed: 0, unchanged: 0 });
        assert.deepEqual(await planRows(db), [
          'single|Население, однотарифный учёт|1|||120',
          'three-zone|Население, трёхзонный учёт (пик/полупик/ночь)|3|||120',
          'two-zone|Население, двухзонный учёт (день/ночь)|2|||120',
        ]);
        const again = await load(clock, db, plans(), file);
        assert.deepEqual(again.summary.counts, { added: 0, changed: 0, unchanged: 3 });
        assert.ok(again.lines.includes('Изменений нет: всё это уже было загружено.'), again.lines.join('\n'));

        const change = tmpFile(`${HEADER}\nsingle;Однотарифный;1;110;75;130\n`);
        const { summary, report } = await load(clock, db, plans(), change);
        assert.deepEqual(summary.counts, { added: 0, changed: 1, unchanged: 0 });
        assert.deepEqual(rowsOf(report, 2), [
          [
            'замечание',
            '',
            'Тариф «single»: меняются «Название» (Население, однотарифный учёт → Однотарифный), «Социальная норма» (нет → 110), «Доп. на проживающего» (нет → 75), «Норматив на проживающего» (120 → 130).',
          ],
        ]);
        const rows = await audit(db, 'tariff_plan');
        assert.deepEqual(
          rows.map((r) => r.outcome),
          ['added', 'added', 'added', 'changed'],
        );
        assert.deepEqual(rows[3]!.details.before, {
          name: 'Население, однотарифный учёт',
          socialNormKwh: null,
          socialNormExtraKwh: null,
          normKwhPerResident: 120,
        });
        assert.deepEqual(rows[3]!.details.after, {
          name: 'Однотарифный',
          socialNormKwh: 110,
          socialNormExtraKwh: 75,
          normKwhPerResident: 130,
        });
      });
    });

    test('the zones of a plan change only while no account and no price uses it', async () => {
      await withDb(dialect, async (db) => {
        await load(clock, db, plans(), path.join(SAMPLES, 'tariff-plans.csv'));
        await load(clock, db, branches(), path.join(SAMPLES, 'branches.csv'));
        await db.kysely.insertInto('settlements').values({ code: '17', name: 'Черногорск' }).execute();
        await addAccount(db, { number: '1700000011', surname: 'Петрова' });
        const twoZone = await db.kysely
          .selectFrom('tariff_plans')
          .select('id')
          .where('code', '=', 'two-zone')
          .executeTakeFirstOrThrow();
        await db.kysely
          .insertInto('tariff_prices')
          .values({
            plan_id: twoZone.id,
            zone: 'day',
            band: 'base',
            valid_from: '2026-07-01',
            price_e5: 352_000,
          })
          .execute();
        const file = tmpFile(
          `${HEADER}\nsingle;Население;2;;;120\ntwo-zone;Население;3;;;120\nthree-zone;Население, двухзонный;2;;;120\n`,
        );
        const { summary, report } = await load(clock, db, plans(), file);
        assert.deepEqual([summary.rejected, summary.counts.changed], [2, 1]);
        assert.deepEqual(rowsOf(report, 2), [
          [
            'отклонена',
            'Зон',
            'У тарифа «single» зон 1, в строке 2: лицевых счетов на нём 1, поэтому число зон не меняется. Для другого учёта заведите новый тариф с другим кодом.',
          ],
        ]);
        assert.match(
          rowsOf(report, 3)[0]![2]!,
          /^У тарифа «two-zone» зон 2, в строке 3: цен для его зон 1, поэтому/,
        );
        assert.deepEqual(
          (await planRows(db)).map((r) => r.split('|').slice(0, 3).join('|')),
          [
            'single|Население, однотарифный учёт|1',
            'three-zone|Население, двухзонный|2',
            'two-zone|Население, двухзонный учёт (день/ночь)|2',
          ],
        );
      });
    });

    test('every bad line is refused with its number, field and reason', async () => {
      await withDb(dialect, async (db) => {
        const lines = [
          'одно тарифный;Однотарифный;1;;;120',
          'z4;Четыре зоны;4;;;120',
          'sn;Соцнорма;1;сто;;120',
          'norm;Без норматива;1;;;',
          'frac;Дробный;1;;;120,5',
          'extra;Без соцнормы;1;;75;120',
          'noname;;1;;;120',
          'ok;Хороший;1;110;75;120',
          'ok;Повтор;1;;;120',
        ];
        const { summary, report } = await load(
          clock,
          db,
          plans(),
          tmpFile(`${HEADER}\n${lines.join('\n')}\n`),
        );
        assert.deepEqual([summary.records, summary.rejected, summary.counts.added], [9, 8, 1]);
        const expect: Array<[number, string, RegExp]> = [
          [2, 'Код', /^«одно тарифный» — не код тарифа: латинские буквы, цифры/],
          [3, 'Зон', /^Число зон — 1, 2 или 3, а в строке «4»\.$/],
          [4, 'Социальная норма', /^«сто» — не число кВт·ч: нужно целое число от 0 до 100000\.$/],
          [5, 'Норматив на проживающего', /^Поле не заполнено: нужно целое число кВт·ч в месяц\.$/],
          [6, 'Норматив на проживающего', /^«120,5» — не число кВт·ч/],
          [7, 'Доп. на проживающего', /^Добавка на проживающего без социальной нормы/],
          [8, 'Название', /^Поле не заполнено\.$/],
          [10, 'Код', /^Тариф «ok» уже был в строке 9: по тарифу одна строка\.$/],
        ];
        for (const [line, field, message] of expect) {
          const rows = rowsOf(report, line);
          assert.equal(rows.length, 1, `line ${line}: ${JSON.stringify(rows)}`);
          assert.deepEqual(rows[0]!.slice(0, 2), ['отклонена', field], `line ${line}`);
          assert.match(rows[0]![2]!, message, `line ${line}`);
        }
        assert.deepEqual(await planRows(db), ['ok|Хороший|1|110|75|120']);
      });
    });
  });

  describe(`empty reference lists name the command that loads them (${dialect})`, () => {
    test('settlements-load and import-accounts on a fresh database', async () => {
      await withDb(dialect, async (db) => {
        const settlements = await load(
          clock,
          db,
          settlementsFormat({ full: false }),
          path.join(SAMPLES, 'settlements.csv'),
        );
        assert.deepEqual(rowsOf(settlements.report, 2), [
          [
            'отклонена',
            'Отделение',
            'Отделения «abakan» нет, справочник отделений пуст: загрузите его командой branches-load.',
          ],
        ]);
        await db.kysely.insertInto('settlements').values({ code: '17', name: 'Черногорск' }).execute();
        const accounts = await load(
          clock,
          db,
          accountsFormat({ region: 'Республика Хакасия', full: false, clock }),
          path.join(SAMPLES, 'accounts.csv'),
        );
        assert.deepEqual(rowsOf(accounts.report, 2), [
          [
            'отклонена',
            'Тарифная группа',
            'Тарифной группы «single» нет, справочник тарифных групп пуст: загрузите его командой tariff-plans-load.',
          ],
        ]);
        // Once loaded, the lists are named as before.
        await load(clock, db, branches(), path.join(SAMPLES, 'branches.csv'));
        await load(clock, db, plans(), path.join(SAMPLES, 'tariff-plans.csv'));
        const unknown = await load(
          clock,
          db,
          settlementsFormat({ full: false }),
          tmpFile('30;Новый;nowhere\n'),
        );
        assert.equal(
          rowsOf(unknown.report, 1)[0]![2],
          'Отделения «nowhere» нет; есть: abakan, chernogorsk, smo.',
        );
      });
    });
  });
}
