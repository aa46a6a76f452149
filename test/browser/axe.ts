// axe-core in the browser tests: its source is read from node_modules and evaluated in the page
// through the DevTools protocol (page.evaluate), which no page's CSP applies to, and which needs no
// script of the page's own (so it also runs with JavaScript disabled in the page). Nothing is
// downloaded. Not a test file itself (scripts/test.mjs runs *.test.ts only).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { AxeResults, Result, RunOptions } from 'axe-core';

/** The WCAG 2.1 levels A and AA (axe's tags), the bar issue 21 sets for every customer page. */
export const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * axe's "best-practice" rules about landmarks and the page's outline that issue 21 asks for too
 * (unique landmarks, one main, a working skip link, an h1): not WCAG success criteria themselves.
 */
export const LANDMARK_RULES = [
  'landmark-one-main',
  'landmark-unique',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
  'landmark-no-duplicate-main',
  'landmark-banner-is-top-level',
  'landmark-contentinfo-is-top-level',
  'landmark-main-is-top-level',
  'region',
  'skip-link',
  'page-has-heading-one',
];

let source: string | undefined;

function axeSource(): string {
  source ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return source;
}

/** One violated rule, as a line a failing assertion can show: the rule, its impact, where. */
export interface Violation {
  rule: string;
  impact: string;
  help: string;
  /** A CSS selector and axe's summary for each offending element. */
  nodes: string[];
}

function summarise(v: Result): Violation {
  return {
    rule: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`),
  };
}

/**
 * Runs axe on the page as it is now and returns the violations of the WCAG 2.1 A/AA rules and of
 * LANDMARK_RULES (an empty array when there are none).
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe === 'object');
  if (!loaded) {
    await page.evaluate(axeSource());
  }
  const options: RunOptions = {
    runOnly: { type: 'tag', values: [...WCAG21AA, 'best-practice'] },
    resultTypes: ['violations'],
  };
  const results = await page.evaluate(
    (opts) =>
      (window as unknown as { axe: { run: (c: Document, o: RunOptions) => Promise<AxeResults> } }).axe.run(
        document,
        opts,
      ),
    options,
  );
  return results.violations
    .filter((v) => LANDMARK_RULES.includes(v.id) || v.tags.some((t) => WCAG21AA.includes(t)))
    .map(summarise);
}
