import { Rng } from '../../src/tools/generate/prng.ts';
import { Browser, NoAnswer, type Answer } from './browser.ts';
import type { Customer } from './sessions.ts';

/** The requests of the month-end journey, in the order a browser sends them. */
export const STEPS = [
  'login page',
  'log in',
  'main page',
  'submit reading',
  'confirm reading',
  'main page after reading',
  'bill PDF',
  'log out',
  'login page after logout',
] as const;
export type StepName = (typeof STEPS)[number];

export interface JourneyResult {
  /** Every answered request's time until its whole body was in, ms. */
  times: Array<{ step: StepName; ms: number }>;
  /** Where the journey stopped, and why: an unexpected answer, a network error or a timeout. */
  failure?: { step: StepName; kind: string };
  /** The main page had no reading form (no meter in service): the reading steps were skipped. */
  noMeter: boolean;
  /** The main page linked no bill: the PDF step was skipped. */
  noBill: boolean;
  /** The whole journey, from its first request to its last answer, ms. */
  ms: number;
}

class StepFailed extends Error {
  constructor(
    readonly step: StepName,
    readonly kind: string,
  ) {
    super(`${step}: ${kind}`);
  }
}

/**
 * One customer's month-end visit, as a browser makes it: the login page (GET /cabinet), the login
 * form posted, the redirect to the main page followed, a reading posted from the main page's form,
 * the redirect to the main page with its notice followed, the newest bill linked there opened, the
 * logout form posted and its redirect to the login page followed. Each answer is checked; the
 * first one that is not what a browser expects ends the journey, as it would stop a customer.
 * `seed` chooses the month's consumption.
 */
export async function runJourney(
  origin: string,
  c: Customer,
  seed: number,
  timeoutMs: number,
): Promise<JourneyResult> {
  const b = new Browser(origin, timeoutMs);
  const r: JourneyResult = { times: [], noMeter: false, noBill: false, ms: 0 };
  const started = performance.now();
  const step = async (name: StepName, send: () => Promise<Answer>, check: (a: Answer) => string | null) => {
    let a: Answer;
    try {
      a = await send();
    } catch (err) {
      throw err instanceof NoAnswer ? new StepFailed(name, err.kind) : err;
    }
    r.times.push({ step: name, ms: a.ms });
    const problem = check(a);
    if (problem) {
      throw new StepFailed(name, problem);
    }
    return a;
  };
  try {
    await visit(b, c, new Rng(seed, 0x10ce), step, r);
  } catch (err) {
    if (!(err instanceof StepFailed)) {
      throw err;
    }
    r.failure = { step: err.step, kind: err.kind };
  } finally {
    b.close();
  }
  r.ms = performance.now() - started;
  return r;
}

type Step = (
  name: StepName,
  send: () => Promise<Answer>,
  check: (a: Answer) => string | null,
) => Promise<Answer>;

async function visit(b: Browser, c: Customer, rng: Rng, step: Step, r: JourneyResult): Promise<void> {
  const loginPage = await step('login page', () => b.get('/cabinet'), isLoginPage(b));
  await step(
    'log in',
    () =>
      b.post('/login', {
        _csrf: csrfOf(loginPage.text()),
        from: 'cabinet',
        account: c.number,
        surname: c.surname,
        consent: 'yes',
      }),
    (a) => redirect(a, /^\/cabinet$/) ?? (b.hasCookie('sid') ? null : 'content: no session cookie'),
  );
  let main = await step('main page', () => b.get('/cabinet'), isMainPage(c));
  const form = readingForm(main.text());
  r.noMeter = form === null;
  if (form) {
    const values = plausibleReading(form, rng);
    let posted = await step(
      'submit reading',
      () => b.post('/cabinet/readings', { ...form.hidden, ...values }),
      (a) => (a.status === 200 && confirmForm(a.text()) ? null : redirect(a, /^\/cabinet\?reading=\d+/)),
    );
    // A register about to pass its maximum rolls over: the portal asks, and the customer confirms.
    const confirm = posted.status === 200 ? confirmForm(posted.text()) : null;
    if (confirm) {
      posted = await step(
        'confirm reading',
        () => b.post('/cabinet/readings', confirm),
        (a) => redirect(a, /^\/cabinet\?reading=\d+/),
      );
    }
    const next = posted.location!.replace(/#.*/, '');
    main = await step(
      'main page after reading',
      () => b.get(next),
      (a) => {
        return (
          isMainPage(c)(a) ?? (a.text().includes('id="reading-result"') ? null : 'content: no reading notice')
        );
      },
    );
  }
  const html = main.text();
  const bill = newestBill(html);
  r.noBill = bill === null;
  if (bill) {
    await step(
      'bill PDF',
      () => b.get(bill),
      (a) => {
        if (a.status !== 200) {
          return `status ${a.status}`;
        }
        const pdf =
          a.contentType.startsWith('application/pdf') && a.body.subarray(0, 5).toString() === '%PDF-';
        return pdf ? null : 'content: not a PDF';
      },
    );
  }
  await step(
    'log out',
    () => b.post('/logout', { _csrf: csrfOf(html) }),
    (a) => redirect(a, /^\/cabinet$/) ?? (b.hasCookie('sid') ? 'content: session cookie kept' : null),
  );
  await step('login page after logout', () => b.get('/cabinet'), isLoginPage(b));
}

function redirect(a: Answer, to: RegExp): string | null {
  if (a.status !== 303) {
    return `status ${a.status}`;
  }
  return to.test(a.location ?? '') ? null : `content: redirected to ${a.location}`;
}

function isLoginPage(b: Browser) {
  return (a: Answer): string | null => {
    if (a.status !== 200) {
      return `status ${a.status}`;
    }
    const html = a.text();
    if (!html.includes('name="surname"') || !/name="_csrf" value="[^"]+"/.test(html)) {
      return 'content: no login form';
    }
    return b.hasCookie('csrf') ? null : 'content: no CSRF cookie';
  };
}

function isMainPage(c: Customer) {
  return (a: Answer): string | null => {
    if (a.status !== 200) {
      return `status ${a.status}`;
    }
    const html = a.text();
    return html.includes(c.number) && !html.includes('name="surname"') ? null : 'content: not the main page';
  };
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

interface ReadingFormFields {
  /** The form's hidden fields: `_csrf`, `meter` and its `key`. */
  hidden: Record<string, string>;
  digits: number;
  ratio: number;
  /** The last accepted value of each zone's register, as the form shows it. */
  previous: number[];
}

function readingForm(html: string): ReadingFormFields | null {
  const start = html.indexOf('<form method="post" action="/cabinet/readings"');
  if (start < 0) {
    return null;
  }
  const form = html.slice(start, html.indexOf('</form>', start));
  const attr = (name: string) => Number(new RegExp(`data-${name}="(\\d+)"`).exec(form)?.[1] ?? NaN);
  const hidden = hiddenInputs(form);
  if ('preview' in hidden) {
    hidden.preview = ''; // a browser with JavaScript: the form's script empties it (no check step)
  }
  return {
    hidden,
    digits: attr('digits'),
    ratio: attr('ratio'),
    previous: [...form.matchAll(/data-previous="(\d+)"/g)].map((m) => Number(m[1])),
  };
}

function confirmForm(html: string): Record<string, string> | null {
  const start = html.indexOf('class="confirm-form"');
  return start < 0 ? null : hiddenInputs(html.slice(start, html.indexOf('</form>', start)));
}

function hiddenInputs(form: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [tag] of form.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    if (name) {
      out[name] = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    }
  }
  return out;
}

/** Shares of the month's consumption by zone (day/night; peak/semi-peak/night). */
const ZONE_SHARES: Record<number, number[]> = { 1: [1], 2: [0.7, 0.3], 3: [0.2, 0.5, 0.3] };

/**
 * A month's household consumption of 80–450 kWh above the last accepted reading, split by zone:
 * no confirmation is asked. Only a register within that much of its maximum rolls over (the
 * value wraps past zero), and then the portal asks for a confirmation, as it would ask the customer.
 */
function plausibleReading(f: ReadingFormFields, rng: Rng): Record<string, string> {
  const kwh = rng.int(80, 450);
  const shares = ZONE_SHARES[f.previous.length] ?? f.previous.map(() => 1 / f.previous.length);
  const out: Record<string, string> = {};
  f.previous.forEach((prev, i) => {
    const delta = Math.max(1, Math.round((kwh * (shares[i] ?? 0)) / f.ratio));
    out[`v${i + 1}`] = String((prev + delta) % 10 ** f.digits);
  });
  return out;
}

/** The newest bill the page links (its charges table), or null without one. */
function newestBill(html: string): string | null {
  const periods = [...html.matchAll(/href="\/cabinet\/bills\/(\d{4}-\d{2})\.pdf"/g)].map((m) => m[1]!).sort();
  const last = periods.at(-1);
  return last ? `/cabinet/bills/${last}.pdf` : null;
}
