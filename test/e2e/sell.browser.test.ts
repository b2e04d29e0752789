import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningHarness, type Harness } from '../accounts/helpers.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';

if (!hasChromium) console.warn(`browser sale test skipped: ${CHROMIUM} is not installed`);

let h: Harness;
let browser: Browser;
let base: string;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

async function stripeApi<T>(path: string, account: string, form?: Record<string, string>): Promise<T> {
  const res = await fetch(`${h.sim.url}${path}`, {
    method: form ? 'POST' : 'GET',
    headers: {
      authorization: `Bearer ${TEST_ENV.STRIPE_PLATFORM_SECRET_KEY}`,
      'stripe-account': account,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return (await res.json()) as T;
}

type Answer = { allowed: boolean; status: string; quantity?: number };

async function settle(entity: string, capability: string, allowed: boolean): Promise<Answer> {
  let answer = await api<Answer>('GET', `/entitlement/${entity}/${capability}`);
  for (let i = 0; i < 50 && answer.allowed !== allowed; i++) {
    await new Promise((r) => setTimeout(r, 50));
    answer = await api<Answer>('GET', `/entitlement/${entity}/${capability}`);
  }
  return answer;
}

async function newPage(): Promise<Page> {
  return (await browser.newContext()).newPage();
}

// The README walkthrough, as a person does it: onboard in the browser, sell a capability
// on the hosted Checkout page, billing.can flips; cancel, it flips back. The memory cache
// is on, as in production, so the flips also prove its invalidation.
describe.skipIf(!hasChromium)('selling a capability in a real browser (headless Chromium)', () => {
  beforeAll(async () => {
    ({ h, base } = await startListeningHarness({ STRIPE_ENTITLEMENT_MEMORY_CACHE: 'true' }));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('onboard → checkout page → pay → allowed; cancel in Stripe → denied', async () => {
    const onboard = await api<{ url: string; account_id: string }>('POST', '/onboard', { entity_id: 'op-e2e', return_url: `${base}/health` });
    const page = await newPage();
    await page.goto(onboard.url);
    await Promise.all([page.waitForURL(`${base}/health?status=active`), page.click('#complete-onboarding')]);

    const price = await stripeApi<{ id: string }>('/v1/prices', onboard.account_id, {
      unit_amount: '1500',
      currency: 'usd',
      'recurring[interval]': 'month',
      'product_data[name]': 'Video streaming',
    });
    const session = await api<{ url: string }>('POST', '/checkout', {
      entity_id: 'op-e2e',
      subject_id: 'viewer-1',
      price_id: price.id,
      capabilities: ['video-streaming', 'hd'],
      quantity: 3,
      success_url: `${base}/health?paid={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/health?canceled=1`,
    });
    expect(await api<Answer>('GET', '/entitlement/viewer-1/video-streaming')).toEqual({ allowed: false, status: 'none', cached_at: null });

    await page.goto(session.url);
    if (await page.$('#email')) await page.fill('#email', 'viewer@example.com');
    await Promise.all([page.waitForURL(/\/health\?paid=cs_test_/), page.click('#pay')]);

    expect(await settle('viewer-1', 'video-streaming', true)).toMatchObject({ allowed: true, status: 'active', quantity: 3 });
    expect(await settle('viewer-1', 'hd', true)).toMatchObject({ allowed: true });

    const subs = await stripeApi<{ data: { id: string }[] }>('/v1/subscriptions', onboard.account_id);
    expect(subs.data).toHaveLength(1);
    const cancel = await fetch(`${h.sim.url}/_sim/subscriptions/${subs.data[0]!.id}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'canceled' }),
    });
    expect(cancel.status).toBe(200);
    expect(await settle('viewer-1', 'video-streaming', false)).toMatchObject({ allowed: false, status: 'canceled' });
    expect(await settle('viewer-1', 'hd', false)).toMatchObject({ allowed: false });
  });

  it('the subject cancels in the Billing Portal → allowed until the period ends, then denied', async () => {
    const account = (await api<{ account_id: string }>('GET', '/account/op-e2e')).account_id;
    const price = await stripeApi<{ id: string }>('/v1/prices', account, {
      unit_amount: '900',
      currency: 'usd',
      'recurring[interval]': 'month',
      'product_data[name]': 'Storage',
    });
    const session = await api<{ url: string }>('POST', '/checkout', {
      entity_id: 'op-e2e',
      subject_id: 'viewer-2',
      price_id: price.id,
      capabilities: ['storage'],
      success_url: `${base}/health?paid=1`,
      cancel_url: `${base}/health?canceled=1`,
    });
    const page = await newPage();
    await page.goto(session.url);
    if (await page.$('#email')) await page.fill('#email', 'viewer2@example.com');
    await Promise.all([page.waitForURL(/paid=1/), page.click('#pay')]);
    expect(await settle('viewer-2', 'storage', true)).toMatchObject({ allowed: true });

    // The portal the service configures cancels at the period's end: paid-for access lasts until then.
    const portal = await api<{ url: string }>('POST', '/portal', { entity_id: 'viewer-2', return_url: `${base}/health` });
    await page.goto(portal.url);
    await Promise.all([page.waitForSelector('.cancels-at-period-end'), page.click('#cancel-subscription')]);
    const subs = await stripeApi<{ data: { id: string; cancel_at_period_end: boolean }[] }>('/v1/subscriptions?status=active', account);
    expect(subs.data.map((s) => s.cancel_at_period_end)).toEqual([true]);
    expect(await api<Answer>('GET', '/entitlement/viewer-2/storage')).toMatchObject({ allowed: true, status: 'active' });
    // The period ends: Stripe deletes the subscription.
    await fetch(`${h.sim.url}/_sim/subscriptions/${subs.data[0]!.id}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'canceled' }) });
    expect(await settle('viewer-2', 'storage', false)).toMatchObject({ allowed: false, status: 'canceled' });
  });
});
