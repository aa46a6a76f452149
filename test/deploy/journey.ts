import type autocannon from 'autocannon';

// The customers of the end-to-end test (deploy-e2e.test.ts) as autocannon requests: each
// connection is one browser going round the login page, a login, the main page, a reading, a card
// payment through the sandbox bank's pages and a logout, keeping its cookies and form tokens.
// Every answer is checked against the one a browser expects; the readings answered as stored and
// the payments the customer saw as paid are collected, to be compared with the database.

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
  /** This round's card payment, from the order form's post on. */
  payment?: Payment;
  /** Where the last redirect sent the browser (a path on the portal). */
  next: string;
  /** The payment step last sent after the card page. */
  sent?: 'card' | 'card-3ds' | '3ds' | 'return' | 'result' | 'main page';
}

/** The sandbox bank's test cards: paid at once, or after the 3-D Secure code (sandbox-bank.ts). */
const VISA = '4111 1111 1111 1111';
const MASTERCARD_3DS = '5555 5555 5555 5599';
const CODE_3DS = '12345678';

/** A card payment as one browser made it: which request ids (nginx's, in its log) did each step. */
export interface Payment {
  /** The bank's order id (mdOrder). */
  bankOrderId: string;
  amountKop: number;
  card: 'visa' | '3ds';
  /** X-Request-Id of the order form's post (the portal that registered the order). */
  started: string;
  /** X-Request-Id of the post that paid it on the bank's page (card, or 3-D Secure code). */
  paid?: string;
  /** X-Request-Id of the return from the bank (the portal that settled it for the customer). */
  returned?: string;
  /** The portal's order number, from the return's redirect. */
  orderNumber?: string;
  /** The result page said «Оплата прошла». */
  shownPaid: boolean;
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

/** A redirect's target as a path on the portal (the portal and its bank answer with absolute URLs). */
function pathOf(location: string, base: string): string {
  const u = new URL(location, base);
  return u.origin === new URL(base).origin ? u.pathname + u.search : '';
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
  const payments: Payment[] = [];
  let orders = 0;
  /** The answer to a step of the payment after the card page: where it sends the browser next. */
  const onFollowed = (status: number, body: string, c: object, headers: Record<string, unknown> = {}) => {
    const b = browser(c);
    const sent = b.sent;
    const p = b.payment;
    const wanted = sent === 'card-3ds' || sent === 'result' || sent === 'main page' ? 200 : 303;
    const ok = expect(c, `payment ${sent}`, status, [wanted], body);
    absorb(b, body, headers);
    b.next = wanted === 303 ? pathOf(header(headers, 'location'), base) : '';
    if (!ok || !p) {
      return;
    }
    const id = header(headers, 'x-request-id');
    switch (sent) {
      case 'card':
      case '3ds':
        p.paid = id;
        if (!b.next.startsWith(`/cabinet/payment/return?orderId=${p.bankOrderId}&`)) {
          failures.push(`payment ${sent}: redirected to ${header(headers, 'location')}`);
        }
        break;
      case 'card-3ds':
        if (!body.includes('name="code"')) {
          failures.push(`payment card-3ds: no 3-D Secure page: ${body.slice(0, 200)}`);
        }
        break;
      case 'return': {
        p.returned = id;
        const m = /^\/cabinet\/payment\/(LK\d{6}-[A-Z2-9]{8})$/.exec(b.next);
        if (m) {
          p.orderNumber = m[1]!;
        } else {
          failures.push(`payment return: redirected to ${header(headers, 'location')}`);
        }
        break;
      }
      case 'result':
        p.shownPaid = body.includes('Оплата прошла.');
        if (!p.shownPaid) {
          failures.push(`payment result ${p.orderNumber}: not paid: ${body.slice(0, 300)}`);
        }
        break;
      case 'main page':
      case undefined:
        // The main page after a Visa payment: its status was checked.
        break;
    }
  };
  const post = { 'content-type': 'application/x-www-form-urlencoded', origin: base };
  const requests: autocannon.Request[] = [
    {
      method: 'GET',
      path: '/cabinet',
      setupRequest: (req, c) => {
        const b = browser(c);
        b.broken = false;
        b.next = '';
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
      method: 'GET',
      path: '/cabinet/payment',
      setupRequest: (req, c) => ({ ...req, headers: { cookie: cookieHeader(browser(c)) } }),
      onResponse: (status, body, c, headers) => {
        const ok = expect(c, 'payment form', status, [200], body);
        const b = browser(c);
        absorb(b, body, headers);
        b.key = /name="key" value="([^"]+)"/.exec(body)?.[1] ?? '';
        if (ok && !b.key) {
          failures.push(`payment form without its key: ${body.slice(0, 200)}`);
        }
      },
    },
    {
      method: 'POST',
      path: '/cabinet/payment',
      setupRequest: (req, c) => {
        const b = browser(c);
        const n = orders++;
        const rubles = 100 + ((n * 37) % 900);
        const kopecks = n % 100;
        b.payment = {
          bankOrderId: '',
          amountKop: rubles * 100 + kopecks,
          card: n % 2 === 0 ? 'visa' : '3ds',
          started: '',
          shownPaid: false,
        };
        return {
          ...req,
          headers: { ...post, cookie: cookieHeader(b) },
          body: form({
            _csrf: b.csrf,
            key: b.key,
            amount: `${rubles},${String(kopecks).padStart(2, '0')}`,
            method: 'card',
          }),
        };
      },
      onResponse: (status, body, c, headers) => {
        const ok = expect(c, 'payment order', status, [303], body);
        const b = browser(c);
        absorb(b, body, headers);
        b.next = pathOf(header(headers, 'location'), base);
        const m = /^\/sandbox-bank\/pay\?mdOrder=([0-9a-f-]{36})$/.exec(b.next);
        if (ok && !m) {
          failures.push(`payment order: redirected to ${header(headers, 'location')}`);
        }
        if (ok && m) {
          b.payment!.bankOrderId = m[1]!;
          b.payment!.started = header(headers, 'x-request-id');
          payments.push(b.payment!);
        }
      },
    },
    {
      method: 'GET',
      path: '/sandbox-bank/pay',
      setupRequest: (req, c) => {
        const b = browser(c);
        return { ...req, path: b.next || req.path, headers: { cookie: cookieHeader(b) } };
      },
      onResponse: (status, body, c, headers) => {
        const ok = expect(c, 'bank card page', status, [200], body);
        absorb(browser(c), body, headers);
        if (ok && !body.includes('name="pan"')) {
          failures.push(`bank card page without the card form: ${body.slice(0, 200)}`);
        }
      },
    },
    {
      method: 'POST',
      path: '/sandbox-bank/pay',
      setupRequest: (req, c) => {
        const b = browser(c);
        b.sent = b.payment?.card === '3ds' ? 'card-3ds' : 'card';
        return {
          ...req,
          headers: { ...post, cookie: cookieHeader(b) },
          body: form({
            _csrf: b.csrf,
            mdOrder: b.payment?.bankOrderId ?? '',
            pan: b.payment?.card === '3ds' ? MASTERCARD_3DS : VISA,
            expiry: '12/30',
            cvc: '123',
          }),
        };
      },
      onResponse: (status, body, c, headers) => onFollowed(status, body, c, headers),
    },
    // The rest of the payment, as the browser is sent: the 3-D Secure code (MasterCard), the return
    // to the portal, the result page, and (Visa, one step less) the main page with the payment.
    ...[1, 2, 3].map((): autocannon.Request => ({
      method: 'GET',
      path: '/cabinet',
      setupRequest: (req, c) => {
        const b = browser(c);
        const to = b.next;
        if (b.sent === 'card-3ds') {
          b.sent = '3ds';
          return {
            ...req,
            method: 'POST',
            path: '/sandbox-bank/3ds',
            headers: { ...post, cookie: cookieHeader(b) },
            body: form({ _csrf: b.csrf, mdOrder: b.payment?.bankOrderId ?? '', code: CODE_3DS }),
          };
        }
        b.sent = to.startsWith('/cabinet/payment/return') ? 'return' : to ? 'result' : 'main page';
        return { ...req, method: 'GET', path: to || '/cabinet', headers: { cookie: cookieHeader(b) } };
      },
      onResponse: (status, body, c, headers) => onFollowed(status, body, c, headers),
    })),
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
    /** The card payments whose order the portal registered, with what each step answered. */
    payments,
    /** The ids of the readings answered as stored (not as a repeat). */
    stored,
    storedAnswers: () => storedAnswers,
    logins: () => logins,
  };
}
