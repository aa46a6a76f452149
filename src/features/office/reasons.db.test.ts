import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import {
  createTestApp,
  keyOf,
  meterOf,
  openCabinet,
  testDialects,
  textOf,
  type Agent,
  type TestApp,
} from '../../../test/helpers.ts';
import { staffAgent } from '../../../test/office-staff.ts';
import { DEMO_ACCOUNT } from '../../tools/demo/demo-account.ts';
import { runImport } from '../imports/engine.ts';
import { registryFormat } from '../imports/registry.format.ts';
import { findProfile, loadProfiles } from '../imports/registry.profiles.ts';
import { OFFICE_RIGHTS, type Role } from './rights.ts';

// security.md row 25: every change made by staff has a reason. Every POST route of the rights
// matrix is either in CASES below, where it is posted without a reason (absent, empty, blanks) and
// must be refused with the message next to the field, changing nothing and writing no audit row,
// or in EXEMPT, with why. A new write route in rights.ts that is in neither fails the first test.

/** POST routes that take no reason, and why. */
const EXEMPT: Readonly<Record<string, string>> = {
  'POST /office/login': 'a login step: no staff session yet; audited as a login event',
  'POST /office/login/code': 'the second login step: no staff session yet; audited as a login event',
  'POST /office/logout': 'ends the caller’s own session; nothing of anyone else changes',
  'POST /office/enroll/password': 'the new staff member’s own enrollment, by its single-use link',
  'POST /office/enroll/code': 'the new staff member’s own enrollment, by its single-use link',
  'POST /office/imports': 'an upload of a file; its records change nothing until applied (imports feature)',
  'POST /office/imports/:id/apply':
    'takes a reason, but only for a file the upload job has checked first: its refusal without one is tested in features/imports/upload.db.test.ts',
  'POST /office/exports/charges':
    'a download: nothing changes that a before/after could show; audited with who, when and the file',
  'POST /office/exports/balances':
    'a download: nothing changes that a before/after could show; audited with who, when and the file',
  'POST /office/exports/payments':
    'a download: nothing changes that a before/after could show; audited with who, when and the file',
  'POST /office/exports/debtors':
    'a download: nothing changes that a before/after could show; audited with who, when and the file',
  'POST /office/exports/debts-registry':
    'a download for the bank: only its own file number is taken; audited with who, when and the file',
};

interface Fixture {
  accountId: number;
  heldReadingId: number;
  targetStaffId: number;
  disabledStaffId: number;
  unallocatedId: number;
  closable: string;
}

interface Case {
  as: Role;
  url: (f: Fixture) => string;
  /** Every field but the reason, valid where the route checks it before the reason. */
  form: (f: Fixture) => Record<string, string>;
}

const account = (action: string) => (f: Fixture) => `/office/accounts/${f.accountId}/${action}`;
const staff = (action: string) => (f: Fixture) => `/office/staff/${f.targetStaffId}/${action}`;
const none = () => ({});

const CASES: Readonly<Record<string, Case>> = {
  'POST /office/review': {
    as: 'operator',
    url: () => '/office/review',
    form: (f) => ({ ids: String(f.heldReadingId), decision: 'accepted' }),
  },
  'POST /office/review/:id': {
    as: 'operator',
    url: (f) => `/office/review/${f.heldReadingId}`,
    form: () => ({ decision: 'rejected' }),
  },
  'POST /office/accounts/:id/reading': {
    as: 'operator',
    url: account('reading'),
    form: () => ({ v1: '99999', confirm: 'yes' }),
  },
  'POST /office/accounts/:id/unlock': { as: 'operator', url: account('unlock'), form: none },
  'POST /office/accounts/:id/resend-bill': {
    as: 'operator',
    url: account('resend-bill'),
    form: () => ({ period: '2026-05' }),
  },
  'POST /office/accounts/:id/residents': {
    as: 'operator',
    url: account('residents'),
    form: () => ({ residents: '4' }),
  },
  'POST /office/accounts/:id/meter': {
    as: 'operator',
    url: account('meter'),
    form: () => ({ date: '2026-06-09', serial: '777001', digits: '6', ratio: '1', confirm: 'yes' }),
  },
  'POST /office/accounts/:id/email': {
    as: 'operator',
    url: account('email'),
    form: () => ({ email: 'abonent@example.ru' }),
  },
  'POST /office/staff': {
    as: 'admin',
    url: () => '/office/staff',
    form: () => ({ login: 'newcomer', fullName: 'Новикова Ольга', roles: 'operator' }),
  },
  'POST /office/staff/:id/disable': { as: 'admin', url: staff('disable'), form: none },
  'POST /office/staff/:id/enable': {
    as: 'admin',
    url: (f) => `/office/staff/${f.disabledStaffId}/enable`,
    form: none,
  },
  'POST /office/staff/:id/end-sessions': { as: 'admin', url: staff('end-sessions'), form: none },
  'POST /office/staff/:id/reset-factor': { as: 'admin', url: staff('reset-factor'), form: none },
  'POST /office/closing': {
    as: 'accountant',
    url: () => '/office/closing',
    form: (f) => ({ period: f.closable, confirm: 'yes' }),
  },
  'POST /office/closing/:id/confirm': {
    as: 'accountant',
    url: () => '/office/closing/1/confirm',
    form: none,
  },
  'POST /office/accounts/:id/recalculate': {
    as: 'accountant',
    url: account('recalculate'),
    form: () => ({ period: '2026-05', apply: 'yes' }),
  },
  'POST /office/mailing/retry': {
    as: 'accountant',
    url: () => '/office/mailing/retry',
    form: () => ({ period: '2026-05' }),
  },
  'POST /office/payments/unallocated/:id': {
    as: 'accountant',
    url: (f) => `/office/payments/unallocated/${f.unallocatedId}`,
    form: () => ({ account: DEMO_ACCOUNT.number }),
  },
};

/** What a refused action must leave as it was: every table a staff action writes to. */
const WATCHED = [
  'accounts',
  'meters',
  'readings',
  'payments',
  'charges',
  'billing_periods',
  'closing_jobs',
  'recalculations',
  'login_attempts',
  'mail_subscriptions',
  'mail_confirmations',
  'mail_outbox',
  'staff_users',
  'registry_payments',
  'audit_log',
] as const;

const SAMPLE = path.join(import.meta.dirname, '../../../samples/registry-sberbank.txt');

/** The sample registry imported: one of its payments names no account; its id. */
async function unallocatedPayment(t: TestApp): Promise<number> {
  const profile = findProfile(loadProfiles(), 'sberbank');
  const deps = { clock: t.clock, timeZone: t.config.timeZone, readingsLastDay: t.config.readingsLastDay };
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lk-reasons-')), 'r.csv');
  const summary = await runImport(t.db.kysely, registryFormat(profile, deps), SAMPLE, {
    apply: true,
    clock: t.clock,
    reportPath: report,
    source: { encoding: profile.encoding, delimiter: profile.delimiter },
  });
  assert.equal(summary.status, 'applied');
  const u = await t.db.kysely
    .selectFrom('registry_payments')
    .select('id')
    .where('status', '=', 'unallocated')
    .executeTakeFirstOrThrow();
  return Number(u.id);
}

const postRoutes = () => Object.keys(OFFICE_RIGHTS).filter((k) => k.startsWith('POST '));

test('every POST route of the rights matrix is checked for its reason here, or exempt with why', () => {
  const missing = postRoutes().filter((k) => !(k in CASES) && !(k in EXEMPT));
  assert.deepEqual(missing, [], 'a write route needs a reason (and a case here), or an exemption with why');
  const both = Object.keys(CASES).filter((k) => k in EXEMPT);
  assert.deepEqual(both, []);
  const stale = [...Object.keys(CASES), ...Object.keys(EXEMPT)].filter((k) => !(k in OFFICE_RIGHTS));
  assert.deepEqual(stale, [], 'routes gone from rights.ts');
  for (const [k, why] of Object.entries(EXEMPT)) {
    assert.ok(why.trim().length > 20, `${k}: say why it is exempt`);
  }
});

for (const dialect of await testDialects()) {
  describe(`staff changes need a reason (${dialect})`, () => {
    let t: TestApp;
    let f: Fixture;
    const agents = {} as Record<Role, Agent>;

    /** The watched tables' rows (a digest each), and the target staff member's sessions. */
    const snapshot = async () => {
      const out: Record<string, string> = {};
      for (const table of WATCHED) {
        const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
          t.db.kysely,
        );
        const lines = rows.map((r) =>
          JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        );
        out[table] = `${rows.length}:${createHash('sha256').update(lines.sort().join('\n')).digest('hex')}`;
      }
      const sessions = await t.db.kysely
        .selectFrom('staff_sessions')
        .select('id')
        .where('staff_user_id', '=', f.targetStaffId)
        .execute();
      out.targetSessions = String(sessions.length);
      return out;
    };

    before(async () => {
      t = await createTestApp(dialect);
      // Into the next month, so that the demo's current month has ended and may be closed.
      t.clock.advance(25 * 24 * 3600_000);
      for (const [i, role] of (['operator', 'accountant', 'admin'] as const).entries()) {
        agents[role] = (await staffAgent(t, `${role}-r`, [role], `10.91.0.${i + 1}`)).agent;
      }
      const target = await staffAgent(t, 'target-r', ['operator'], '10.91.0.9');
      const disabled = await staffAgent(t, 'disabled-r', ['operator'], '10.91.0.10');
      await t.db.kysely
        .updateTable('staff_users')
        .set({ state: 'disabled' })
        .where('id', '=', disabled.id)
        .execute();
      const { agent: customer } = await openCabinet(
        t.app,
        '10.91.1.1',
        DEMO_ACCOUNT.number,
        DEMO_ACCOUNT.surname,
      );
      const cabinet = (await customer.get('/cabinet')).body;
      // A reading below the last one: the rules hold it for the review queue.
      const held = await customer.post('/cabinet/readings', {
        meter: meterOf(cabinet),
        key: keyOf(cabinet),
        v1: '1',
        confirm: 'yes',
      });
      assert.equal(held.statusCode, 303);
      const demo = await t.db.kysely
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', DEMO_ACCOUNT.number)
        .executeTakeFirstOrThrow();
      const closable = /name="period" value="(\d{4}-\d{2})"/.exec(
        (await agents.accountant.get('/office/closing')).body,
      );
      assert.ok(closable, 'the demo data leaves a month to close');
      f = {
        unallocatedId: await unallocatedPayment(t),
        disabledStaffId: disabled.id,
        accountId: Number(demo.id),
        heldReadingId: Number(/reading=(\d+)/.exec(String(held.headers.location))![1]),
        targetStaffId: target.id,
        closable: closable[1]!,
      };
    });
    after(async () => t.close());

    for (const [route, c] of Object.entries(CASES)) {
      test(`${route} without a reason: refused with the message, nothing changed, no audit row`, async () => {
        for (const reason of [undefined, '', '  \n\t ']) {
          const was = await snapshot();
          const form = { ...c.form(f), ...(reason === undefined ? {} : { reason }) };
          const res = await agents[c.as].post(c.url(f), form);
          const label = `${route} ${JSON.stringify(reason)}`;
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: ${res.statusCode}`);
          assert.match(textOf(res.body), /Укажите причину/, label);
          assert.deepEqual(await snapshot(), was, label);
        }
      });
    }
  });
}
