import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import {
  cookieHeader,
  createTestApp,
  testDialects,
  textOf,
  type Agent,
  type TestApp,
} from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { pathOf, upload, uploadRunner, uploadsCount } from '../../../test/upload-support.ts';
import { claimUpload, renewLease } from './upload.repository.ts';
import { runNextUpload, type UploadRunnerDeps } from './upload.worker.ts';

// Uploads in the back office (issue 19): an accountant uploads the network company's readings,
// sees the dry run's summary and rejected lines, applies it as a background job driven here
// directly, downloads the report; a broken workbook is refused whole with its reason; an
// operator is refused; a file too large, a binary file and a form without its CSRF token are
// refused with nothing stored; two job runners claim one upload once, and a runner that died is
// taken over when its lease runs out; an admin uploads tariffs and is refused a registry. The
// accounts file (with its region) is in upload-accounts.db.test.ts.

const SAMPLES = path.join(import.meta.dirname, '../../../samples');

for (const dialect of await testDialects()) {
  describe(`uploads in the back office (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;
    let accountantId: number;
    let operator: Agent;
    let runner: (owner: string) => UploadRunnerDeps;

    before(async () => {
      t = await createTestApp(dialect, { env: { IMPORT_UPLOAD_MAX_MB: '1' } });
      ({ agent: accountant, id: accountantId } = await staffAgent(t, 'buh', ['accountant'], '10.9.0.1'));
      ({ agent: operator } = await staffAgent(t, 'oper', ['operator'], '10.9.0.2'));
      runner = (owner) => uploadRunner(t, owner);
    });
    after(async () => t.close());

    test('an accountant uploads readings: dry run, rejected lines, apply as a job, the report', async () => {
      const content = fs.readFileSync(path.join(SAMPLES, 'readings.csv'));
      const res = await upload(accountant, 'readings:grid', { name: 'readings.csv', content });
      assert.equal(res.statusCode, 303, res.body);
      assert.match(res.headers.location as string, /^\/office\/imports\/\d+\?auto=1$/);
      const url = pathOf(res);

      const queued = await accountant.get(`${url}?auto=1`);
      assert.equal(queued.statusCode, 200);
      assert.match(textOf(queued.body), /Состояние: ждёт проверки/);
      // Asked for by the redirect (?auto=1): reloaded by the Refresh header, with a link to stop it.
      assert.equal(queued.headers.refresh, `3; url=${url}?auto=1`);
      assert.match(textOf(queued.body), /Страница обновляется каждые 3 с\. Остановить обновление/);
      assert.doesNotMatch(queued.body, /http-equiv="refresh"/);
      const plain = await accountant.get(url);
      assert.equal(plain.headers.refresh, undefined, 'no reload unless asked for');
      assert.match(textOf(plain.body), /Обновить · Обновлять автоматически каждые 3 с/);
      const before = await t.db.kysely
        .selectFrom('readings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();

      assert.ok((await runNextUpload(runner('a'))) !== null);
      const checked = await accountant.get(url);
      const text = textOf(checked.body);
      assert.match(text, /Состояние: проверен, не применён/);
      assert.match(text, /Строк с показаниями: 2; отклонено: 1/);
      assert.match(text, /показаний принято: 1/);
      assert.match(text, /3 отклонена Лицевой счёт Лицевого счёта 1799999999 нет в портале/);
      assert.equal(checked.headers.refresh, undefined, 'done: nothing to reload for');
      assert.match(checked.body, /id="apply-form"/);
      const after = await t.db.kysely
        .selectFrom('readings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n), 'the dry run stored nothing');

      const report = await accountant.get(`${url}/report.csv`);
      assert.equal(report.statusCode, 200);
      assert.match(report.headers['content-type'] as string, /^text\/csv/);
      assert.match(report.body, /3;отклонена;Лицевой счёт;Лицевого счёта 1799999999 нет в портале\./);

      // «Применить» needs its reason: without one (or with blanks) nothing is queued.
      for (const body of [{}, { reason: ' \r\n ' }] as Array<Record<string, string>>) {
        const refused = await accountant.post(`${url}/apply`, body);
        assert.equal(refused.statusCode, 400);
        assert.match(
          refused.body,
          /<textarea id="reason"[^>]*aria-invalid="true"[^>]*aria-describedby="reason-error reason-hint"/,
        );
        assert.match(textOf(refused.body), /Укажите основание применения/);
        assert.match(textOf(refused.body), /Состояние: проверен, не применён/);
      }
      const tooLong = await accountant.post(`${url}/apply`, { reason: 'я'.repeat(501) });
      assert.equal(tooLong.statusCode, 400);
      assert.match(textOf(tooLong.body), /Основание длиннее 500 знаков/);
      assert.deepEqual(await auditRows(t, 'import_apply'), [], 'nothing applied, nothing audited');
      const apply = await accountant.post(`${url}/apply`, { reason: 'Служебная записка № 7' });
      assert.equal(apply.statusCode, 303);
      assert.match(textOf((await accountant.get(url)).body), /Состояние: ждёт применения/);
      // A second click while it waits changes nothing.
      assert.equal((await accountant.post(`${url}/apply`, { reason: 'ещё раз' })).statusCode, 409);
      assert.ok((await runNextUpload(runner('a'))) !== null);
      const applied = textOf((await accountant.get(url)).body);
      assert.match(applied, /Состояние: применён/);
      assert.match(applied, /показаний принято: 1/);
      const stored = await t.db.kysely
        .selectFrom('readings')
        .select(['value1', 'status'])
        .where('channel', '=', 'grid')
        .where('reading_date', '=', '2026-06-05')
        .execute();
      assert.deepEqual(
        stored.map((r) => [Number(r.value1), r.status]),
        [[28550, 'accepted']],
      );
      assert.equal(
        (await accountant.post(`${url}/apply`, { reason: 'ещё раз' })).statusCode,
        409,
        'applied once',
      );

      const audit = [...(await auditRows(t, 'import_upload')), ...(await auditRows(t, 'import_apply'))];
      assert.deepEqual(
        audit.map((a) => [a.staffUserId, a.outcome, a.details?.reason]),
        [
          [accountantId, 'queued', undefined],
          [accountantId, 'queued', 'Служебная записка № 7'],
        ],
      );
      assert.deepEqual(audit[1]?.details?.before, { state: 'done', mode: 'check' });
      assert.deepEqual(audit[1]?.details?.after, { state: 'queued', mode: 'apply' });
      // The list shows it.
      assert.match(textOf((await accountant.get('/office/imports')).body), /readings\.csv применён/);
    });

    test('a payment registry by its profile: the dry run says what would be credited', async () => {
      const content = fs.readFileSync(path.join(SAMPLES, 'registry-sberbank.txt'));
      const res = await upload(accountant, 'registry:sberbank', { name: 'registry.txt', content });
      assert.equal(res.statusCode, 303, res.body);
      assert.ok((await runNextUpload(runner('a'))) !== null);
      const text = textOf((await accountant.get(pathOf(res))).body);
      assert.match(text, /Реестр платежей: Сбербанк/);
      assert.match(text, /Строк с платежами: 3; отклонено: 0/);
      assert.match(text, /зачислено на лицевые счета: 2/);
      assert.match(text, /в нераспределённые \(счёт не найден или закрыт\): 1/);
    });

    test('a workbook cut short is refused whole with its reason, not a server error', async () => {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('Реестр').addRow(['date', 'operation_id', 'account', 'amount']);
      const book = Buffer.from(await wb.xlsx.writeBuffer());
      const content = book.subarray(0, Math.floor(book.length / 2));
      const res = await upload(accountant, 'registry:generic', { name: 'registry.xlsx', content });
      assert.equal(res.statusCode, 303, res.body);
      assert.ok((await runNextUpload(runner('a'))) !== null);
      const url = pathOf(res);
      const page = await accountant.get(url);
      const text = textOf(page.body);
      assert.match(text, /Состояние: файл отклонён/);
      assert.match(text, /Файл не читается как книга Excel \(\.xlsx\): он повреждён или обрезан/);
      assert.doesNotMatch(text, /ошибки на сервере/);
      assert.doesNotMatch(page.body, /id="apply-form"/);
      const report = (await accountant.get(`${url}/report.csv`)).body;
      assert.match(report, /\n;файл отклонён;;Файл не читается как книга Excel/);
      const run = await t.db.kysely
        .selectFrom('import_runs')
        .select('status')
        .where('file_name', '=', 'registry.xlsx')
        .executeTakeFirstOrThrow();
      assert.equal(run.status, 'refused');
    });

    test('the page shows the first 100 rows of a longer report, the CSV has them all', async () => {
      const lines = Array.from(
        { length: 105 },
        (_, i) => `1799999999;;${String((i % 28) + 1).padStart(2, '0')}.0${1 + Math.floor(i / 28)}.2026;1`,
      );
      const content = Buffer.from(`${lines.join('\r\n')}\r\n`);
      const res = await upload(accountant, 'readings:grid', { name: 'many.csv', content });
      assert.ok((await runNextUpload(runner('a'))) !== null);
      const url = pathOf(res);
      const html = (await accountant.get(url)).body;
      assert.match(textOf(html), /Всего строк в отчёте: 105; здесь первые 100/);
      assert.equal([...html.matchAll(/<td data-label="Строка">/g)].length, 100);
      const csv = (await accountant.get(`${url}/report.csv`)).body.trim().split('\n');
      assert.equal(csv.length, 106);
    });

    test('an operator is refused the page and the upload', async () => {
      const before = await uploadsCount(t);
      assert.equal((await operator.get('/office/imports')).statusCode, 403);
      const res = await upload(operator, 'readings:grid', { name: 'r.csv', content: Buffer.from('x;y\n') });
      assert.equal(res.statusCode, 403);
      assert.deepEqual(await uploadsCount(t), before);
    });

    test('too large, binary, empty, no file, an unknown kind: refused with the message, nothing kept', async () => {
      const before = await uploadsCount(t);
      const cases: Array<[string, { name: string | null; content: Buffer }, RegExp]> = [
        [
          'readings:grid',
          { name: 'big.csv', content: Buffer.alloc(1024 * 1024 + 10, '1705057190;;05.06.2026;1\n') },
          /Файл больше 1 МБ: такой не принимается/,
        ],
        [
          'readings:grid',
          {
            name: 'photo.jpg',
            content: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0, 1, 2, 3]),
          },
          /Файл не текстовый/,
        ],
        ['readings:grid', { name: 'empty.csv', content: Buffer.alloc(0) }, /Файл пуст/],
        ['readings:grid', { name: '', content: Buffer.alloc(0) }, /Выберите файл/],
        ['readings:grid', { name: null, content: Buffer.alloc(0) }, /Выберите файл/],
        ['accounts:all', { name: 'a.csv', content: Buffer.from('1;2\n') }, /Выберите, что загружается/],
      ];
      for (const [kind, file, message] of cases) {
        const res = await upload(accountant, kind, file);
        assert.equal(res.statusCode, 400, String(file.name));
        assert.match(textOf(res.body), message);
        assert.match(res.body, /aria-invalid="true"/);
      }
      assert.deepEqual(await uploadsCount(t), before);
    });

    test('a form without its CSRF token, or with a wrong one, is refused with 403', async () => {
      const before = await uploadsCount(t);
      const file = { name: 'r.csv', content: fs.readFileSync(path.join(SAMPLES, 'readings.csv')) };
      assert.equal((await upload(accountant, 'readings:grid', file, { csrf: null })).statusCode, 403);
      assert.equal((await upload(accountant, 'readings:grid', file, { csrf: 'forged' })).statusCode, 403);
      assert.deepEqual(await uploadsCount(t), before);
      const apply = await t.app.inject({
        method: 'POST',
        url: '/office/imports/1/apply',
        payload: '',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: cookieHeader(accountant.jar),
        },
        remoteAddress: accountant.ip,
      });
      assert.equal(apply.statusCode, 403);
    });

    test('two runners claim one upload once; a dead runner is taken over when its lease runs out', async () => {
      const content = Buffer.from('1700000099;;05.06.2026;100\r\n');
      const first = await upload(accountant, 'readings:grid', { name: 'one.csv', content });
      const id = Number(pathOf(first).split('/').pop());
      const runs = await Promise.all([runNextUpload(runner('x')), runNextUpload(runner('y'))]);
      assert.deepEqual(
        runs.filter((r) => r !== null),
        [id],
      );
      const runsOfFile = await t.db.kysely
        .selectFrom('import_runs')
        .select('id')
        .where('file_name', '=', 'one.csv')
        .execute();
      assert.equal(runsOfFile.length, 1);

      const second = await upload(accountant, 'readings:grid', { name: 'two.csv', content });
      const id2 = Number(pathOf(second).split('/').pop());
      // A runner takes it and dies.
      const dead = await claimUpload(t.db.kysely, {
        owner: 'dead',
        now: t.clock.now().getTime(),
        leaseMs: 60_000,
      });
      assert.equal(dead?.id, id2);
      // Its progress, as a runner records it after each batch, is what the page shows.
      await renewLease(t.db.kysely, id2, {
        owner: 'dead',
        now: t.clock.now().getTime(),
        leaseMs: 60_000,
        phase: 'check',
        linesDone: 1,
      });
      assert.match(
        textOf((await accountant.get(`/office/imports/${id2}`)).body),
        /Проверено строк: 1 из 1\. Страница обновляется сама/,
      );
      assert.equal(await runNextUpload(runner('z')), null, 'the lease still holds');
      t.clock.advance(61_000);
      assert.equal(await runNextUpload(runner('z')), id2);
      assert.match(
        textOf((await accountant.get(`/office/imports/${id2}`)).body),
        /Состояние: проверен, не применён/,
      );
    });

    test('an admin uploads meters (an accountant may not): a replacement applied as a job, audited with the admin', async () => {
      const { agent: admin, id: adminId } = await staffAgent(t, 'adm', ['admin'], '10.9.0.3');
      const form = await admin.get('/office/imports');
      assert.match(textOf(form.body), /Счётчики \(установка, замена\)/);
      assert.match(textOf(form.body), /Тарифы \(цены с 1-го числа месяца\)/);
      assert.doesNotMatch(
        textOf((await accountant.get('/office/imports')).body),
        /Счётчики \(установка, замена\)/,
      );
      const demo = await t.db.kysely
        .selectFrom('meters as m')
        .innerJoin('accounts as a', 'a.id', 'm.account_id')
        .select(['a.number', 'm.serial', 'm.digits'])
        .where('m.removed_on', 'is', null)
        .where('a.number', '=', '1705057190')
        .executeTakeFirstOrThrow();
      const content = Buffer.from(
        'Лицевой счёт;Заводской номер;Зон;Разрядность;Коэффициент;Дата установки;Поверка до;Начальное показание;Конечное показание снятого\n' +
          `${demo.number};UP-1;1;6;1;09.06.2026;01.06.2042;5;28600\n`,
      );
      const refused = await upload(accountant, 'meters', { name: 'meters.csv', content });
      assert.notEqual(refused.statusCode, 303, 'an accountant may not upload meters');
      const res = await upload(admin, 'meters', { name: 'meters.csv', content });
      assert.equal(res.statusCode, 303, res.body);
      const url = pathOf(res);
      assert.ok((await runNextUpload(runner('m'))) !== null);
      assert.match(textOf((await admin.get(url)).body), /заменено: 1/);
      assert.equal((await admin.post(`${url}/apply`, { reason: 'Акт замены' })).statusCode, 303);
      assert.ok((await runNextUpload(runner('m'))) !== null);
      assert.match(textOf((await admin.get(url)).body), /Состояние: применён/);
      const replaced = (await auditRows(t, 'meter_replacement')).at(-1)!;
      assert.equal(replaced.staffUserId, adminId);
      assert.equal(replaced.account, demo.number);
      assert.equal(replaced.details?.reason, 'Загрузка счётчиков из файла meters.csv');
    });

    test('an admin is refused a registry upload, and uploads tariffs: applied whole as a job, audited', async () => {
      const { agent: admin, id: adminId } = await staffAgent(t, 'adm-tariffs', ['admin'], '10.9.0.4');
      assert.doesNotMatch(textOf((await admin.get('/office/imports')).body), /Реестр платежей/);
      const before = await uploadsCount(t);
      const registry = fs.readFileSync(path.join(SAMPLES, 'registry-sberbank.txt'));
      const refused = await upload(admin, 'registry:sberbank', { name: 'registry.txt', content: registry });
      assert.equal(refused.statusCode, 400);
      assert.match(textOf(refused.body), /Выберите, что загружается, из списка/);
      assert.deepEqual(await uploadsCount(t), before, 'nothing kept');

      const content = fs.readFileSync(path.join(SAMPLES, 'tariffs.csv'));
      const res = await upload(admin, 'tariffs', { name: 'tariffs.csv', content });
      assert.equal(res.statusCode, 303, res.body);
      const url = pathOf(res);
      assert.ok((await runNextUpload(runner('t'))) !== null);
      const checked = textOf((await admin.get(url)).body);
      assert.match(checked, /Строк с ценами: 6; отклонено: 0/);
      assert.match(checked, /новых цен: 6/);
      const prices = () =>
        t.db.kysely
          .selectFrom('tariff_prices')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('valid_from', '=', '2027-07-01')
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      assert.equal(await prices(), 0, 'the dry run stored nothing');
      assert.equal(
        (await admin.post(`${url}/apply`, { reason: 'Приказ о тарифах на 2027 год' })).statusCode,
        303,
      );
      assert.ok((await runNextUpload(runner('t'))) !== null);
      const applied = textOf((await admin.get(url)).body);
      assert.match(applied, /Состояние: применён/);
      assert.match(applied, /новых цен: 6/);
      assert.equal(await prices(), 6);
      const audit = (await auditRows(t, 'tariff_price')).filter((a) => a.details?.validFrom === '2027-07-01');
      assert.equal(audit.length, 6);
      assert.ok(audit.every((a) => a.staffUserId === adminId && a.details?.by === `staff:${adminId}`));
      const queued = (await auditRows(t, 'import_apply')).at(-1)!;
      assert.deepEqual(
        [queued.staffUserId, queued.details?.reason],
        [adminId, 'Приказ о тарифах на 2027 год'],
      );
    });
  });
}
