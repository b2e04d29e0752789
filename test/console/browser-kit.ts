import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Screenshots are test artifacts, git-ignored; the README's one is copied to docs/ by hand. */
export const SHOTS_DIR = join(process.cwd(), 'test-artifacts', 'console');

export const WIDTHS = { desktop: { width: 1280, height: 860 }, mobile: { width: 360, height: 780 } } as const;
export type Width = keyof typeof WIDTHS;

export interface ConsolePage {
  page: Page;
  width: Width;
  /** Every URL the page requested and every error it logged (a CSP refusal is one). */
  urls: string[];
  errors: string[];
}

export async function openConsole(browser: Browser, base: string, width: Width): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: WIDTHS[width] });
  const page = await context.newPage();
  const opened: ConsolePage = { page, width, urls: [], errors: [] };
  page.on('request', (r) => opened.urls.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text());
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  await page.goto(`${base}/console`);
  return opened;
}

export async function signIn(c: ConsolePage, token: string, tenant = ''): Promise<void> {
  await c.page.fill('#token', token);
  await c.page.fill('#tenant', tenant);
  await c.page.click('button[type=submit]');
}

/** Goes to a view by its navigation link and waits until its data is drawn. */
export async function showView(c: ConsolePage, name: 'Overview' | 'Operators' | 'Entitlements' | 'Webhooks'): Promise<void> {
  await c.page.getByRole('link', { name, exact: true }).click();
  await c.page.waitForSelector(`h1#view-heading:text-is("${name}")`);
  await c.page.waitForSelector('main[aria-busy="false"]');
}

export async function refresh(c: ConsolePage): Promise<void> {
  await c.page.getByRole('button', { name: 'Refresh', exact: true }).click();
  await c.page.waitForSelector('main[aria-busy="false"]');
}

/** axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A/AA. */
export async function expectAccessible(c: ConsolePage, label: string): Promise<void> {
  const result = await new AxeBuilder({ page: c.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(bad, `${label} at ${c.width}`).toEqual([]);
}

export async function screenshot(c: ConsolePage, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await c.page.screenshot({ path: join(SHOTS_DIR, `${name}-${c.width}.png`), fullPage: true });
}
