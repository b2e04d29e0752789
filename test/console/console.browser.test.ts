import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningHarness, type Harness } from '../accounts/helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';
import { BEARER } from '../helpers/config.js';
import { flowHelpers } from './flow-helpers.js';
import { expectAccessible, openConsole, refresh, screenshot, showView, signIn, type ConsolePage } from './browser-kit.js';
import { BOUND_ADMIN, CHECK, TENANT_A, TENANT_B, TOKENS_ENV } from './helpers.js';

if (!hasChromium) console.warn(`console browser test skipped: ${CHROMIUM} is not installed`);

let h: Harness;
let base: string;
let browser: Browser;
let c: ConsolePage;
let flows: ReturnType<typeof flowHelpers>;

const ENTITY = 'op-console';
const SUBJECT = 'viewer-console';

/** A row of the table on show, by the text of its header cell. */
const row = (text: string) => c.page.locator('tbody tr', { has: c.page.locator('th', { hasText: text }) });

// The operator's whole day in a real browser: sign in, onboard, sell, find the grant, replay a
// failed webhook, disconnect. Each view is checked with axe and photographed on the way.
describe.skipIf(!hasChromium)('the operator console in a real browser (headless Chromium)', () => {
  beforeAll(async () => {
    ({ h, base } = await startListeningHarness({ ...TOKENS_ENV, STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true' }));
    flows = flowHelpers(h, base);
    browser = await launchChromium();
    c = await openConsole(browser, base, 'desktop');
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('refuses a check token and another tenant token with a clear message, then signs in an admin', async () => {
    await signIn(c, CHECK);
    await expect.poll(() => c.page.textContent('#sign-in-error')).toContain('check token');
    await signIn(c, BOUND_ADMIN, TENANT_B);
    await expect.poll(() => c.page.textContent('#sign-in-error')).toContain('another tenant');
    await signIn(c, 'not-a-token-at-all-xxxxxxxxxxxxxxxx');
    await expect.poll(() => c.page.textContent('#sign-in-error')).toContain('not accepted');
    await expectAccessible(c, 'sign-in');
    await screenshot(c, 'sign-in');

    await signIn(c, BEARER);
    await c.page.waitForSelector('h1#view-heading:text-is("Overview")');
    expect(await c.page.isVisible('#tenant-switch')).toBe(true);
  }, 60_000);

  it('onboards an operator through the simulator page and shows it with its Dashboard link', async () => {
    await showView(c, 'Operators');
    await c.page.fill('#new-entity', ENTITY);
    await c.page.getByRole('button', { name: 'Create onboarding link' }).click();
    const link = await c.page.waitForSelector('#onboard-url');
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${h.sim.url}/`));

    const operator = await c.page.context().newPage();
    await operator.goto(url);
    await Promise.all([operator.waitForURL(/\/onboard\/callback/), operator.click('#complete-onboarding')]);
    await operator.close();

    await refresh(c);
    const account = await flows.api<{ account_id: string }>('GET', `/account/${ENTITY}`);
    await expect.poll(() => row(ENTITY).locator('td[data-label="Status"]').textContent()).toContain('active');
    const dashboard = row(ENTITY).getByRole('link', { name: `Stripe Dashboard for ${ENTITY}` });
    expect(await dashboard.getAttribute('href')).toBe(`${h.sim.url}/test/connect/accounts/${account.account_id}`);
    const [tab] = await Promise.all([c.page.context().waitForEvent('page'), dashboard.click()]);
    await tab.waitForLoadState();
    expect(await tab.textContent('#object-id')).toBe(account.account_id);
    await tab.close();

    await expectAccessible(c, 'operators');
    await screenshot(c, 'operators');
  }, 60_000);

  it('finds a capability sold on the simulator Checkout page in Entitlements, and adds and revokes a manual grant', async () => {
    const { account_id: account } = await flows.api<{ account_id: string }>('GET', `/account/${ENTITY}`);
    const price = await flows.monthlyPrice(account);
    const session = await flows.api<{ url: string }>('POST', '/checkout', {
      entity_id: ENTITY,
      subject_id: SUBJECT,
      price_id: price,
      capabilities: ['streaming'],
      quantity: 2,
      success_url: `${base}/health?paid=1`,
      cancel_url: `${base}/health?canceled=1`,
    });
    const buyer = await c.page.context().newPage();
    await buyer.goto(session.url);
    if (await buyer.$('#email')) await buyer.fill('#email', 'viewer@example.com');
    await Promise.all([buyer.waitForURL(/paid=1/), buyer.click('#pay')]);
    await buyer.close();
    expect(await flows.allowed(SUBJECT, 'streaming', true)).toBe(true);

    await showView(c, 'Entitlements');
    await c.page.fill('#ent-entity', SUBJECT);
    await c.page.getByRole('button', { name: 'Search', exact: true }).click();
    const sold = row(SUBJECT).filter({ hasText: 'streaming' });
    await expect.poll(() => sold.locator('td[data-label="Allowed"]').textContent()).toContain('allowed');
    expect(await sold.locator('td[data-label="Quantity"]').textContent()).toBe('2');
    expect(await sold.getByRole('link').getAttribute('href')).toMatch(new RegExp(`^${h.sim.url}/${account}/test/subscriptions/sub_`));

    await c.page.click('summary:text("Add a manual (comped) grant")');
    await c.page.fill('#grant-entity', SUBJECT);
    await c.page.fill('#grant-cap', 'beta');
    await c.page.fill('#grant-note', 'early access');
    await c.page.getByRole('button', { name: 'Grant', exact: true }).click();
    const comped = row(SUBJECT).filter({ hasText: 'beta' });
    await expect.poll(() => comped.locator('td[data-label="Allowed"]').textContent()).toContain('allowed');
    expect(await flows.allowed(SUBJECT, 'beta', true)).toBe(true);
    await expectAccessible(c, 'entitlements');
    await screenshot(c, 'entitlements');

    await comped.getByRole('button', { name: `Revoke beta from ${SUBJECT}` }).click();
    await expectAccessible(c, 'revoke confirmation');
    await c.page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => comped.locator('td[data-label="Allowed"]').textContent()).toContain('denied');
    expect(await flows.allowed(SUBJECT, 'beta', false)).toBe(false);
  }, 90_000);

  it('shows a webhook that failed with its error, and replays it in place once the cause is gone', async () => {
    const eventId = await flows.deliverFailingTie(SUBJECT, 'streaming');

    await showView(c, 'Webhooks');
    const failed = row(eventId);
    await expect.poll(() => failed.locator('td[data-label="Outcome"]').textContent()).toContain('failed');
    expect(await c.page.locator('tbody tr').first().textContent()).toContain(eventId);
    expect(Number(await failed.locator('td[data-label="Attempts"]').textContent())).toBeGreaterThanOrEqual(1);
    expect((await failed.locator('td[data-label="Last error"]').textContent())?.trim()).not.toBe('—');
    await failed.getByRole('button', { name: `Payload of ${eventId}` }).click();
    await expect.poll(() => c.page.textContent(`[id="payload-${eventId}"]`)).toContain('customer.subscription.updated');
    await expectAccessible(c, 'webhooks');
    await screenshot(c, 'webhooks');

    await flows.sim('DELETE', '/_sim/faults');
    await c.page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await failed.getByRole('button', { name: `Replay ${eventId}` }).click();
    await expect.poll(() => failed.locator('td[data-label="Outcome"]').textContent()).toContain('processed');
    expect(await c.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    const stored = await flows.api<{ status: string }>('GET', `/events/${eventId}`);
    expect(stored.status).toBe('processed');
  }, 90_000);

  it('disconnects the operator after a confirmation, and billing.can answers false', async () => {
    await showView(c, 'Operators');
    await row(ENTITY).getByRole('button', { name: `Disconnect ${ENTITY}` }).click();
    const dialog = c.page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('stops allowing');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await flows.api<{ status: string }>('GET', `/account/${ENTITY}`)).status).toBe('active');

    await row(ENTITY).getByRole('button', { name: `Disconnect ${ENTITY}` }).click();
    await c.page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => row(ENTITY).locator('td[data-label="Status"]').textContent()).toContain('deauthorized');
    expect(await flows.allowed(SUBJECT, 'streaming', false)).toBe(false);
  }, 60_000);

  it('draws the overview: counts per status and the last hour of this process metrics', async () => {
    await showView(c, 'Overview');
    expect(await c.page.textContent('section[aria-labelledby="count-operators"]')).toMatch(/deauthorized\s*1/);
    await c.page.waitForSelector('svg#chart-webhooks rect');
    expect(await c.page.textContent('#chart-checks-totals')).toMatch(/db: \d+/);
    await expectAccessible(c, 'overview');
    await screenshot(c, 'overview');
  }, 60_000);

  it('switches tenants for a token bound to none; a tenant-bound token gets no switcher and no cross-tenant charts', async () => {
    await c.page.fill('#tenant-switch', TENANT_A);
    await c.page.getByRole('button', { name: 'Switch' }).click();
    await showView(c, 'Operators');
    await expect.poll(() => c.page.textContent('main')).toContain('No operator matches');

    const bound = await openConsole(browser, base, 'desktop');
    await signIn(bound, BOUND_ADMIN);
    await bound.page.waitForSelector('h1#view-heading:text-is("Overview")');
    expect(await bound.page.isVisible('#tenant-switch')).toBe(false);
    await expect.poll(() => bound.page.textContent('main')).toContain('bound to no tenant');
    await bound.page.context().close();
  }, 60_000);

  it('works at 360 px: every view passes axe and is photographed', async () => {
    const narrow = await openConsole(browser, base, 'mobile');
    await expectAccessible(narrow, 'sign-in');
    await signIn(narrow, BEARER);
    await narrow.page.waitForSelector('h1#view-heading:text-is("Overview")');
    for (const view of ['Overview', 'Operators', 'Entitlements', 'Webhooks'] as const) {
      await showView(narrow, view);
      await expectAccessible(narrow, view);
      await screenshot(narrow, view.toLowerCase());
      // Nothing wider than the screen: a 360 px phone never scrolls sideways.
      expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    }
    await narrow.page.context().close();
  }, 90_000);

  it('never put the token in a URL or a log line, and the page broke no CSP rule', () => {
    expect(c.urls.filter((u) => u.includes(BEARER))).toEqual([]);
    expect(h.t.logs.filter((l) => l.includes(BEARER))).toEqual([]);
    expect(c.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  });
});
