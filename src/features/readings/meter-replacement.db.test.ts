import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../../../test/helpers.ts';
import { bulkAccounts, createTestDb, type TestDb } from '../../../test/db.ts';
import { CLOSE_OPTS } from '../../../test/billing-support.ts';
import { ensureReferenceData } from '../../tools/demo/reference-data.ts';
import { ManualClock } from '../../platform/clock.ts';
import { closeMonth } from '../billing/close-month.ts';
import { replaceMeter, type ReplacementForm } from './meter-replacement.ts';

// A meter replaced: the form's checks (each with its message, nothing stored), the replacement
// stored whole and audited, and the next charges: the first counts both meters, the next only the
// new one.

const by = { ip: '10.0.0.9', reason: 'Акт замены № 17', channel: 'operator', staffUserId: null };
const good: ReplacementForm = {
  date: '18.05.2026',
  finalValues: ['10120'],
  serial: 'N-0001',
  digits: '6',
  ratio: '1',
  verificationDue: '01.05.2040',
  initialValues: ['5'],
  confirmed: false,
};

for (const dialect of await testDialects()) {
  describe(`meter replacement (${dialect})`, () => {
    let t: TestDb;
    let deps: Parameters<typeof replaceMeter>[0];
    const account = async (number: string) => {
      const a = await t.db.kysely
        .selectFrom('accounts')
        .select(['id', 'number'])
        .where('number', '=', number)
        .executeTakeFirstOrThrow();
      return { id: Number(a.id), number: a.number };
    };
    const metersOf = async (id: number) =>
      (
        await t.db.kysely
          .selectFrom('meters')
          .select(['serial', 'digits', 'ratio', 'installed_on', 'removed_on', 'verification_due'])
          .where('account_id', '=', id)
          .orderBy('id')
          .execute()
      ).map((m) => ({ ...m, digits: Number(m.digits), ratio: Number(m.ratio) }));
    const readingCount = async () =>
      Number(
        (
          await t.db.kysely
            .selectFrom('readings')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const charge = (id: number, period: string) =>
      t.db.kysely
        .selectFrom('charges')
        .select(['kwh', 'method', 'reading_id', 'details'])
        .where('account_id', '=', id)
        .where('period', '=', period)
        .executeTakeFirstOrThrow();

    before(async () => {
      t = await createTestDb(dialect);
      await ensureReferenceData(t.db.kysely, 2026);
      // Accounts 1100000000..2: meter M<i>, 5 digits, read 10 000 + i on 20 April (billed in April).
      await bulkAccounts(t.db, 3);
      deps = {
        db: t.db.kysely,
        clock: new ManualClock('2026-05-20T05:00:00.000Z'),
        timeZone: 'Asia/Krasnoyarsk',
        lastDay: 25,
      };
    });
    after(async () => t.drop());

    test('each bad field gets its message, and nothing is stored', async () => {
      const a = await account('1100000002');
      const before = { meters: await metersOf(a.id), readings: await readingCount() };
      const cases: Array<[Partial<ReplacementForm>, string, RegExp]> = [
        [{ date: '31.02.2026' }, 'date', /Укажите дату замены/],
        [{ date: '2026-5-18' }, 'date', /Укажите дату замены/],
        [{ date: '21.05.2026' }, 'date', /не может быть позже сегодняшней/],
        // Account 2 has a reading of 15 May: the replacement cannot be before it.
        [{ date: '14.05.2026' }, 'date', /раньше 15\.05\.2026: это дата последнего принятого показания/],
        [
          { finalValues: ['10x'] },
          'final',
          /^Конечное показание старого счётчика: показание записывается только цифрами/,
        ],
        [{ finalValues: ['123456'] }, 'final', /счётчика 5 разрядов, а введено 6/],
        [{ finalValues: [''] }, 'final', /введите текущее показание/],
        [{ serial: '' }, 'serial', /до 30 букв/],
        [{ serial: '=HYPERLINK("x")' }, 'serial', /до 30 букв/],
        [{ serial: 'M2' }, 'serial', /Это номер снимаемого счётчика \(M2\)/],
        [{ serial: 'M1' }, 'serial', /Счётчик № M1 уже установлен на лицевом счёте 1100000001/],
        [{ digits: '3' }, 'digits', /от 4 до 9/],
        [{ digits: '10' }, 'digits', /от 4 до 9/],
        [{ digits: 'шесть' }, 'digits', /от 4 до 9/],
        [{ ratio: '0' }, 'ratio', /от 1 до 10000/],
        [{ ratio: '1.5' }, 'ratio', /от 1 до 10000/],
        [{ verificationDue: '16.05.2026' }, 'verificationDue', /позже даты установки/],
        [{ verificationDue: 'скоро' }, 'verificationDue', /дату следующей поверки/],
        [
          { initialValues: ['1234567'] },
          'initial',
          /^Начальное показание нового счётчика: у Вашего счётчика 6 разрядов/,
        ],
      ];
      for (const [change, field, message] of cases) {
        const res = await replaceMeter(deps, a, { ...good, date: '16.05.2026', ...change }, by);
        assert.equal(res.kind, 'invalid', JSON.stringify(change));
        if (res.kind === 'invalid') {
          assert.deepEqual(Object.keys(res.errors), [field], JSON.stringify(change));
          assert.match(res.errors[field as keyof typeof res.errors]!, message, JSON.stringify(change));
        }
      }
      assert.deepEqual(
        { meters: await metersOf(a.id), readings: await readingCount() },
        before,
        'nothing stored',
      );
    });

    test('a final reading lower than the last needs a confirmation; confirmed, it is a rollover', async () => {
      const a = await account('1100000002');
      const first = await replaceMeter(deps, a, { ...good, date: '16.05.2026', finalValues: ['50'] }, by);
      assert.equal(first.kind, 'invalid');
      assert.ok(first.kind === 'invalid' && first.confirm);
      assert.match(
        first.kind === 'invalid' ? first.errors.final! : '',
        /меньше последнего принятого \(10053 на 15\.05\.2026\): счётчик прошёл через ноль/,
      );
      assert.equal((await metersOf(a.id)).length, 1);
      const res = await replaceMeter(
        deps,
        a,
        { ...good, date: '16.05.2026', serial: 'N-0002', finalValues: ['50'], confirmed: true },
        by,
      );
      assert.equal(res.kind, 'replaced');
    });

    test('stored whole: the old meter removed with its final reading, the new one with its initial reading, audited', async () => {
      const a = await account('1100000000');
      const res = await replaceMeter(deps, a, good, by);
      assert.equal(res.kind, 'replaced');
      assert.deepEqual(await metersOf(a.id), [
        {
          serial: 'M0',
          digits: 5,
          ratio: 1,
          installed_on: '2020-01-01',
          removed_on: '2026-05-18',
          verification_due: '2034-01-01',
        },
        {
          serial: 'N-0001',
          digits: 6,
          ratio: 1,
          installed_on: '2026-05-18',
          removed_on: null,
          verification_due: '2040-05-01',
        },
      ]);
      const readings = await t.db.kysely
        .selectFrom('readings as r')
        .innerJoin('meters as m', 'm.id', 'r.meter_id')
        .select(['m.serial', 'r.reading_date', 'r.value1', 'r.channel', 'r.status', 'r.billing_period'])
        .where('r.account_id', '=', a.id)
        .where('r.reading_date', '=', '2026-05-18')
        .orderBy('r.id')
        .execute();
      assert.deepEqual(
        readings.map((r) => ({ ...r, value1: Number(r.value1) })),
        [
          {
            serial: 'M0',
            reading_date: '2026-05-18',
            value1: 10120,
            channel: 'operator',
            status: 'accepted',
            billing_period: '2026-05',
          },
          {
            serial: 'N-0001',
            reading_date: '2026-05-18',
            value1: 5,
            channel: 'operator',
            status: 'accepted',
            billing_period: '2026-05',
          },
        ],
      );
      const audit = await t.db.kysely
        .selectFrom('audit_log')
        .select(['account_number', 'ip', 'details'])
        .where('event', '=', 'meter_replacement')
        .where('account_number', '=', a.number)
        .executeTakeFirstOrThrow();
      assert.equal(audit.ip, '10.0.0.9');
      const details = JSON.parse(audit.details!) as Record<string, unknown>;
      assert.deepEqual(details, {
        reason: 'Акт замены № 17',
        date: '2026-05-18',
        before: {
          meter: { serial: 'M0', digits: 5, ratio: 1, verificationDue: '2034-01-01' },
          lastAccepted: { date: '2026-04-20', values: [10000] },
          final: [10120],
        },
        after: {
          meter: { serial: 'N-0001', digits: 6, ratio: 1, verificationDue: '2040-05-01' },
          initial: [5],
        },
      });
      // Again: the meter in service is now N-0001, so the same form is refused.
      const again = await replaceMeter(deps, a, good, by);
      assert.equal(again.kind, 'invalid');
      assert.equal((await metersOf(a.id)).length, 2);
    });

    test('two replacements of one meter, at once or one after the other: one is stored', async () => {
      const a = await account('1100000001');
      const m1 = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('serial', '=', 'M1')
        .executeTakeFirstOrThrow();
      const form = { ...good, meterId: Number(m1.id), finalValues: ['10101'], date: '16.05.2026' };
      const results = await Promise.all([
        replaceMeter(deps, a, { ...form, serial: 'R-1' }, by),
        replaceMeter(deps, a, { ...form, serial: 'R-2' }, by),
      ]);
      assert.deepEqual(results.map((r) => r.kind).sort(), ['invalid', 'replaced']);
      const late = await replaceMeter(deps, a, { ...form, serial: 'R-3' }, by);
      assert.equal(late.kind, 'invalid');
      assert.match(
        late.kind === 'invalid' ? late.formError! : '',
        /^Счётчик уже заменён: сейчас установлен № R-/,
      );
      const meters = await metersOf(a.id);
      assert.equal(meters.length, 2);
      assert.equal(meters.filter((m) => m.removed_on === null).length, 1);
    });

    test('the next charge counts both meters, and the one after only the new meter', async () => {
      const a = await account('1100000000');
      const newMeter = await t.db.kysely
        .selectFrom('meters')
        .select('id')
        .where('serial', '=', 'N-0001')
        .executeTakeFirstOrThrow();
      const add = (date: string, value1: number) =>
        t.db.kysely
          .insertInto('readings')
          .values({
            account_id: a.id,
            meter_id: Number(newMeter.id),
            reading_date: date,
            value1,
            value2: null,
            value3: null,
            channel: 'internet',
            status: 'accepted',
            reason: null,
            submitted_at: 0,
            submitted_ip: null,
          })
          .execute();
      await add('2026-05-19', 35);
      await closeMonth(t.db, { ...CLOSE_OPTS, period: '2026-05' });
      const may = await charge(a.id, '2026-05');
      // 10 000 → 10 120 on M0, 5 → 35 on N-0001.
      assert.equal(may.method, 'readings');
      assert.equal(Number(may.kwh), 120 + 30);
      const details = JSON.parse(may.details!) as { replaced: unknown; meter: { serial: string } };
      assert.equal(details.meter.serial, 'N-0001');
      assert.deepEqual(details.replaced, {
        serial: 'M0',
        from: { date: '2026-04-20', values: [10000] },
        to: { date: '2026-05-18', values: [10120] },
        zoneKwh: [120],
      });

      await add('2026-06-15', 85);
      await closeMonth(t.db, { ...CLOSE_OPTS, currentPeriod: '2026-07', period: '2026-06' });
      const june = await charge(a.id, '2026-06');
      assert.equal(Number(june.kwh), 50);
      assert.equal((JSON.parse(june.details!) as { replaced?: unknown }).replaced, undefined);
    });
  });
}
