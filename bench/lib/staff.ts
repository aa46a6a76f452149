import type { Kysely } from 'kysely';
import { generate } from 'otplib';
import { systemClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/schema.ts';
import { TOTP_PERIOD_S } from '../../src/features/office/credentials.ts';
import type { Role } from '../../src/features/office/rights.ts';
import {
  addStaff,
  confirmEnrollCode,
  setEnrollPassword,
} from '../../src/features/office/staff-admin.service.ts';
import { cookie, type BrowserSession } from './sessions.ts';

/** A staff user the bench enrolled: what its authenticator app and its memory hold. */
export interface StaffAccount {
  login: string;
  password: string;
  totpSecret: string;
  /** The TOTP time step spent by the enrollment: a login needs a later one. */
  lastStep: number;
}

const PASSWORD = 'стенд нагрузки: тихий вечер у реки 42';
const IP = '127.0.0.1';

/**
 * A staff user added and enrolled through the office feature's own service, as the CLI's
 * `staff add` and the enrollment link do (the audit rows included): a known password, and the
 * second factor's secret the enrollment generated.
 */
export async function enrollStaff(db: Kysely<Database>, login: string, roles: Role[]): Promise<StaffAccount> {
  const deps = { db, clock: systemClock };
  const added = await addStaff(
    deps,
    { login, fullName: 'Оператор нагрузочного теста', roles, reason: 'bench' },
    { staffUserId: null, ip: IP, name: 'bench' },
    { requireReason: false },
  );
  if (added.kind !== 'ok') {
    throw new Error(`staff user ${login} not added: ${JSON.stringify(added.errors)}`);
  }
  const password = await setEnrollPassword(deps, added.token, PASSWORD, PASSWORD);
  if (password.kind !== 'ok') {
    throw new Error(`enrollment of ${login}: the password was refused (${password.kind})`);
  }
  const epoch = Math.floor(Date.now() / 1000);
  const done = await confirmEnrollCode(
    deps,
    added.token,
    await generate({ secret: password.secret, epoch }),
    IP,
  );
  if (done.kind !== 'ok') {
    throw new Error(`enrollment of ${login}: the code was refused (${done.kind})`);
  }
  return {
    login,
    password: PASSWORD,
    totpSecret: password.secret,
    lastStep: Math.floor(epoch / TOTP_PERIOD_S),
  };
}

/**
 * Logs a staff user in the way a browser does: the login form (its CSRF cookie and field), the
 * password, the code page, a TOTP code from otplib, then the start page, which gives the CSRF
 * secret the login rotated. Returns the `Cookie` header the browser sends from then on.
 */
export async function staffLogin(url: string, a: StaffAccount): Promise<BrowserSession> {
  const form = await fetch(`${url}/office/login`);
  const csrf = cookie(form.headers.getSetCookie(), 'csrf');
  const token = csrfField(await form.text());
  if (!csrf || !token) {
    throw new Error(`no CSRF cookie or field on GET /office/login (${form.status})`);
  }
  const first = await post(url, '/office/login', `csrf=${csrf}`, {
    _csrf: token,
    login: a.login,
    password: a.password,
  });
  const pending = cookie(first.headers.getSetCookie(), 'office');
  if (first.status !== 303 || !pending) {
    throw new Error(
      `POST /office/login answered ${first.status}${pending ? '' : ' without a session cookie'}`,
    );
  }
  const codePage = await fetch(`${url}/office/login/code`, {
    headers: { cookie: `csrf=${csrf}; office=${pending}` },
    redirect: 'manual',
  });
  const codeToken = csrfField(await codePage.text());
  if (codePage.status !== 200 || !codeToken) {
    throw new Error(`GET /office/login/code answered ${codePage.status}`);
  }
  // A code is accepted once and one step either side of now: the step after the enrollment's.
  const step = Math.max(a.lastStep + 1, Math.floor(Date.now() / 1000 / TOTP_PERIOD_S));
  const code = await generate({ secret: a.totpSecret, epoch: step * TOTP_PERIOD_S });
  const second = await post(url, '/office/login/code', `csrf=${csrf}; office=${pending}`, {
    _csrf: codeToken,
    code,
  });
  const office = cookie(second.headers.getSetCookie(), 'office');
  if (second.status !== 303 || !office) {
    throw new Error(
      `POST /office/login/code answered ${second.status}${office ? '' : ' without a session cookie'}`,
    );
  }
  a.lastStep = step;
  const start = await fetch(`${url}/office`, { headers: { cookie: `office=${office}` }, redirect: 'manual' });
  await start.arrayBuffer();
  const fresh = cookie(start.headers.getSetCookie(), 'csrf');
  if (start.status !== 200 || !fresh) {
    throw new Error(
      `GET /office after the login answered ${start.status}${fresh ? '' : ' without a CSRF cookie'}`,
    );
  }
  return { cookie: `csrf=${fresh}; office=${office}` };
}

async function post(
  url: string,
  path: string,
  cookies: string,
  body: Record<string, string>,
): Promise<Response> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
    body: new URLSearchParams(body).toString(),
  });
  await res.arrayBuffer();
  return res;
}

function csrfField(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}
