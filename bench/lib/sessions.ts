import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Rng } from '../../src/tools/generate/prng.ts';

/** The tables a login writes to. */
export const LOGIN_TABLES = ['sessions', 'login_attempts', 'audit_log', 'consents'];

export interface Customer {
  number: string;
  surname: string;
}

/** `count` distinct accounts drawn at random (seeded) from the database, with the surnames to log in. */
export function pickCustomers(dbPath: string, count: number, seed: number): Customer[] {
  const db = new SQLite(dbPath, { readonly: true });
  try {
    const { lo, hi } = db.prepare('select min(id) as lo, max(id) as hi from accounts').get() as {
      lo: number;
      hi: number;
    };
    const find = db.prepare('select number, surname from accounts where id = ?');
    const rng = new Rng(seed, 0xbe7c);
    const seen = new Set<number>();
    const out: Customer[] = [];
    const total = hi - lo + 1;
    if (count > total) {
      throw new Error(`only ${total} accounts in the database, ${count} sessions asked for`);
    }
    while (out.length < count) {
      const id = rng.int(lo, hi);
      if (seen.has(id)) {
        continue;
      }
      seen.add(id);
      const row = find.get(id) as Customer | undefined;
      if (row) {
        out.push(row);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** The same customers as `pickCustomers` draws from a SQLite dataset of that size and seed, from a PostgreSQL one. */
export async function pickCustomersPg(url: string, count: number, seed: number): Promise<Customer[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ lo: string; hi: string }>(
      'select min(id) as lo, max(id) as hi from accounts',
    );
    const lo = Number(rows[0]!.lo);
    const hi = Number(rows[0]!.hi);
    const rng = new Rng(seed, 0xbe7c);
    const seen = new Set<number>();
    const out: Customer[] = [];
    const total = hi - lo + 1;
    if (count > total) {
      throw new Error(`only ${total} accounts in the database, ${count} sessions asked for`);
    }
    while (out.length < count) {
      const id = rng.int(lo, hi);
      if (seen.has(id)) {
        continue;
      }
      seen.add(id);
      const found = await db.query<Customer>('select number, surname from accounts where id = $1', [id]);
      if (found.rows[0]) {
        out.push(found.rows[0]);
      }
    }
    return out;
  } finally {
    await db.end();
  }
}

/** A logged-in browser: the `Cookie` header it sends from now on (the CSRF cookie and the session). */
export interface BrowserSession {
  cookie: string;
}

/**
 * Logs a customer in the way a browser does: GET /cabinet for the CSRF cookie and the form's
 * hidden `_csrf`, then POST /login. The browser keeps both cookies, so its later views reuse the
 * CSRF secret instead of being given a new one each time.
 */
export async function login(url: string, c: Customer): Promise<BrowserSession> {
  const page = await fetch(`${url}/cabinet`);
  const html = await page.text();
  const csrfCookie = cookie(page.headers.getSetCookie(), 'csrf');
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrfCookie || !token) {
    throw new Error(`no CSRF cookie or field on GET /cabinet (${page.status})`);
  }
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `csrf=${csrfCookie}` },
    body: new URLSearchParams({
      _csrf: token,
      from: 'cabinet',
      account: c.number,
      surname: c.surname,
      consent: 'yes',
    }).toString(),
  });
  await res.arrayBuffer();
  const sid = cookie(res.headers.getSetCookie(), 'sid');
  if (res.status !== 303 || !sid) {
    throw new Error(`login of ${c.number} answered ${res.status}${sid ? '' : ' without a session cookie'}`);
  }
  return { cookie: `csrf=${csrfCookie}; sid=${sid}` };
}

/** Logs all customers in, `parallel` at a time; returns their sessions in the same order. */
export async function loginAll(url: string, customers: Customer[], parallel = 16): Promise<BrowserSession[]> {
  const sids = new Array<BrowserSession>(customers.length);
  let next = 0;
  const lane = async () => {
    while (next < customers.length) {
      const i = next++;
      sids[i] = await login(url, customers[i]!);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return sids;
}

/** Checks that a session opens the customer's own main page (not the login form). */
export async function assertLoggedIn(url: string, s: BrowserSession, c: Customer): Promise<void> {
  const res = await fetch(`${url}/cabinet`, { headers: { cookie: s.cookie } });
  const html = await res.text();
  if (res.status !== 200 || !html.includes(c.number) || /name="surname"/.test(html)) {
    throw new Error(
      `GET /cabinet with the session of ${c.number} did not show the main page (${res.status})`,
    );
  }
  if (res.headers.getSetCookie().some((h) => h.startsWith('csrf='))) {
    throw new Error(
      `GET /cabinet with the session of ${c.number} was given a new CSRF cookie: the browser's was not accepted`,
    );
  }
}

/** The value a response's `Set-Cookie` headers give the cookie `name`, if any. */
export function cookie(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const m = new RegExp(`^${name}=([^;]*)`).exec(c);
    if (m) {
      return m[1];
    }
  }
  return undefined;
}
