import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTestApp, testDialects, textOf, type Agent, type TestApp } from '../../../test/helpers.ts';
import { auditRows, staffAgent } from '../../../test/office-staff.ts';
import { pathOf, upload, uploadRunner, uploadsCount } from '../../../test/upload-support.ts';
import { runNextUpload } from './upload.worker.ts';

// The accounts file uploaded in the back office (issue 19): an admin gives the region that starts
// every address (the CLI's --region) and «full file» (--full), which are stored with the upload
// and reach the format; an empty region is refused next to the field with nothing stored; an
// accountant is not offered the kind.

const SAMPLES = path.join(import.meta.dirname, '../../../samples');

for (const dialect of await testDialects()) {
  describe(`the accounts upload (${dialect})`, () => {
    let t: TestApp;
    let accountant: Agent;

    before(async () => {
      t = await createTestApp(dialect);
      ({ agent: accountant } = await staffAgent(t, 'buh', ['accountant'], '10.9.0.1'));
    });
    after(async () => t.close());

    test('an admin uploads accounts with their region: dry run, apply, the accounts exist', async () => {
      const { agent: admin, id: adminId } = await staffAgent(t, 'adm-acc', ['admin'], '10.9.0.4');
      const form = await admin.get('/office/imports');
      assert.match(form.body, /<option value="accounts"[^>]*>Лицевые счета<\/option>/);
      assert.match(form.body, /id="region"/);
      const accountantForm = (await accountant.get('/office/imports')).body;
      assert.doesNotMatch(accountantForm, /value="accounts"/, 'an accountant is not offered accounts');
      assert.doesNotMatch(accountantForm, /id="region"/);
      const content = fs.readFileSync(path.join(SAMPLES, 'accounts.csv'));
      const region: [string, string] = ['region', 'Республика Хакасия'];
      const before = await uploadsCount(t);
      const byAccountant = await upload(
        accountant,
        'accounts',
        { name: 'accounts.csv', content },
        { fields: [region] },
      );
      assert.equal(byAccountant.statusCode, 400);
      assert.match(textOf(byAccountant.body), /Выберите, что загружается/);

      for (const blank of [[], [['region', '  ']]] as Array<Array<[string, string]>>) {
        const res = await upload(admin, 'accounts', { name: 'accounts.csv', content }, { fields: blank });
        assert.equal(res.statusCode, 400);
        assert.match(
          res.body,
          /<input id="region"[^>]*aria-invalid="true"[^>]*aria-describedby="region-error region-hint"/,
        );
        assert.match(textOf(res.body), /Укажите регион, с которого начинается адрес каждого объекта/);
        assert.match(res.body, /<option value="accounts" selected/, 'the kind is kept');
      }
      assert.deepEqual(await uploadsCount(t), before, 'nothing stored');

      const res = await upload(
        admin,
        'accounts',
        { name: 'accounts.csv', content },
        { fields: [region, ['full', '1']] },
      );
      assert.equal(res.statusCode, 303, res.body);
      const url = pathOf(res);
      assert.ok((await runNextUpload(uploadRunner(t, 'acc'))) !== null);
      const checked = textOf((await admin.get(url)).body);
      assert.match(checked, /Лицевые счета/);
      assert.match(checked, /Строк с лицевыми счетами: 4; отклонено: 0/);
      assert.match(checked, /добавлено лицевых счетов: 3/);
      assert.match(checked, /изменено: 1/);
      const numbers = ['1000000029', '2000000036'];
      const none = await t.db.kysely
        .selectFrom('accounts')
        .select('number')
        .where('number', 'in', numbers)
        .execute();
      assert.deepEqual(none, [], 'the dry run stored nothing');

      assert.equal((await admin.post(`${url}/apply`, { reason: 'Выгрузка из биллинга' })).statusCode, 303);
      assert.ok((await runNextUpload(uploadRunner(t, 'acc'))) !== null);
      assert.match(textOf((await admin.get(url)).body), /Состояние: применён/);
      const added = await t.db.kysely
        .selectFrom('accounts')
        .select(['number', 'object_address'])
        .where('number', 'in', numbers)
        .orderBy('number')
        .execute();
      assert.deepEqual(
        added.map((a) => a.number),
        numbers,
      );
      assert.equal(added[0]?.object_address, 'Республика Хакасия, г. Абакан, ул. Ленина, д. 5А, кв. 12');
      assert.match(String(added[1]?.object_address), /^Республика Хакасия, /);
      const changed = (await auditRows(t, 'account_import')).at(-1)!;
      assert.equal(changed.staffUserId, adminId, 'changes audited with the admin');
      const uploaded = (await auditRows(t, 'import_upload')).at(-1)!;
      assert.deepEqual(uploaded.details?.region, 'Республика Хакасия');
      assert.equal(uploaded.details?.full, true);
      const runs = await t.db.kysely
        .selectFrom('import_runs')
        .select('profile')
        .where('kind', '=', 'accounts')
        .execute();
      assert.deepEqual(
        runs.map((r) => r.profile),
        ['full', 'full'],
        '«full file» reached the format',
      );
    });
  });
}
