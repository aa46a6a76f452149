import type autocannon from 'autocannon';

// The customers of the end-to-end test (deploy-e2e.test.ts) as autocannon requests: each
// connection is one browser going round the login page, a login, the main page, a reading and a
// logout, keeping its cookies and form tokens. Every answer is checked against the one a browser
// expects; the readings answered as stored are collected, to be compared with the database.

/** Fastify's answer to a request reaching a server whose close() began (return503OnClosing). */
const CLOSING_503_BODY = '{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}';

export interface Account {
  number: string;
  surname: string;
  /** The meter's last reading: each round sends 3 kWh more. */
  value: number | string | bigint | null;
}

/** Per simulated browser (autocannon's context): its cookies, form tokens and account. */
interface Browser {
  /** This round met a stopping portal's 503: its later steps fail by consequence. */
  broken: boolean;
  jar: Map<string, string>;
  csrf: string;
  meter: string;
  key: string;
  account?: { number: string; surname: string; value: number };
}

const browser = (c: object) => c as Browser;
const cookieHeader = (b: Browser) => [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ');

function absorb(b: Browser, body: string, headers: Record<string, unknown> = {}): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'set-cookie') {
      continue;
    }
    for (const line of ([] as unknown[]).concat(value)) {
      const m = /^([^=]+)=([^;]*)/.exec(String(line));
      if (m) {
        if (m[2] === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(String(line))) {
          b.jar.delete(m[1]!);
        } else {
          b.jar.set(m[1]!, m[2]!);
        }
      }
    }
  }
  const csrf = /name="_csrf" value="([^"]+)"/.exec(body);
  if (csrf) {
    b.csrf = csrf[1]!;
  }
}

function header(headers: Record<string, unknown> = {}, name: string): string {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  return found ? String(found[1]) : '';
}

export function customerJourney(base: string, accounts: Account[]) {
  const failures: string[] = [];
  const stored = new Set<number>();
  let storedAnswers = 0;
  let logins = 0;
  let next = 0;
  const refused: string[] = [];
  /** Whether the answer is the expected one; a round refused by a stopping portal is not checked further. */
  const expect = (c: object, step: string, status: number, wanted: number[], body: string): boolean => {
    const b = browser(c);
    if (b.broken) {
      return false;
    }
    if (wanted.includes(status)) {
      return true;
    }
    if (status === 503 && body === CLOSING_503_BODY) {
      refused.push(step);
      b.broken = true;
    } else {
      failures.push(`${step}: ${status} ${body.slice(0, 200)}`);
    }
    return false;
  };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = { 'content-type': 'application/x-www-form-urlencoded', origin: base };
  const requests: autocannon.Request[] = [
    {
      method: 'GET',
      path: '/cabinet',
      setupRequest: (req, c) => {
        const b = browser(c);
        b.broken = false;
        if (!b.account) {
          const a = accounts[next++ % accounts.length]!;
          b.account = { number: a.number, surname: a.surname, value: Number(a.value) };
          b.jar = new Map();
        }
        return { ...req, headers: { cookie: cookieHeader(b) } };
      },
      onResponse: (status, body, c, headers) => {
        expect(c, 'login page', status, [200], body);
        absorb(browser(c), body, headers);
      },
    },
    {
      method: 'POST',
      path: '/login',
      setupRequest: (req, c) => {
        const b = browser(c);
        return {
          ...req,
          headers: { ...post, cookie: cookieHeader(b) },
          body: form({
            _csrf: b.csrf,
            from: 'cabinet',
            account: b.account!.number,
            surname: b.account!.surname,
            consent: 'yes',
          }),
        };
      },
      onResponse: (status, body, c, headers) => {
        expect(c, 'login', status, [303], body);
        logins += status === 303 ? 1 : 0;
        absorb(browser(c), body, headers);
      },
    },
    {
      method: 'GET',
      path: '/cabinet',
      setupRequest: (req, c) => ({ ...req, headers: { cookie: cookieHeader(browser(c)) } }),
      onResponse: (status, body, c, headers) => {
        const ok = expect(c, 'main page', status, [200], body);
        const b = browser(c);
        absorb(b, body, headers);
        b.meter = /name="meter" value="(\d+)"/.exec(body)?.[1] ?? '';
        b.key = /name="key" value="([^"]+)"/.exec(body)?.[1] ?? '';
        if (ok && !b.meter) {
          failures.push(`main page without the reading form: ${body.slice(0, 200)}`);
        }
      },
    },
    {
      method: 'POST',
      path: '/cabinet/readings',
      setupRequest: (req, c) => {
        const b = browser(c);
        b.account!.value += 3;
        return {
          ...req,
          headers: { ...post, cookie: cookieHeader(b) },
          body: form({ _csrf: b.csrf, meter: b.meter, key: b.key, v1: String(b.account!.value) }),
        };
      },
      onResponse: (status, body, c, headers) => {
        const ok = expect(c, 'reading', status, [303], body);
        absorb(browser(c), body, headers);
        const m = /reading=(\d+)(&repeat=1)?/.exec(header(headers, 'location'));
        if (ok && !m) {
          failures.push(`reading: redirected to ${header(headers, 'location')}`);
        }
        if (m && !m[2]) {
          storedAnswers++;
          stored.add(Number(m[1]));
        }
      },
    },
    {
      method: 'POST',
      path: '/logout',
      setupRequest: (req, c) => {
        const b = browser(c);
        return {
          ...req,
          headers: { ...post, cookie: cookieHeader(b) },
          body: form({ _csrf: b.csrf }),
        };
      },
      onResponse: (status, body, c, headers) => {
        expect(c, 'logout', status, [303], body);
        absorb(browser(c), body, headers);
      },
    },
  ];
  return {
    requests,
    /** Unexpected answers, each as `step: status body`. */
    failures,
    /** The steps answered with Fastify's 503 of a closing server (return503OnClosing). */
    refused,
    /** The ids of the readings answered as stored (not as a repeat). */
    stored,
    storedAnswers: () => storedAnswers,
    logins: () => logins,
  };
}
